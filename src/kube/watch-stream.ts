// One watch request: newline-delimited JSON events from the API server, parsed one line at a time
// as they arrive. The same contract as client-node's Watch.watch (callback per event, `done` once,
// an AbortController to stop it), over node:https with the KubeAccess TLS settings, so the operator
// does not load client-node for it. A watch silent for longer than `inactivityMs` ends with a
// TimeoutError (client-node's inactivity timer): the caller resumes from its last version.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import type { KubeAccess } from './kube-access.js';

export type WatchCallback = (phase: string, object: never) => void;
export type WatchDone = (error: unknown) => void;

/** One agent per access: the TLS context is built once, not per watch. Watches are long: no socket cap. */
const agents = new WeakMap<KubeAccess, HttpAgent>();

function agentFor(access: KubeAccess, secure: boolean, tls: RequestOptions): HttpAgent {
  let agent = agents.get(access);
  if (!agent) {
    agent = secure
      ? new HttpsAgent({
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          pfx: tls.pfx,
          passphrase: tls.passphrase,
          servername: tls.servername,
          ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
        })
      : new HttpAgent();
    agents.set(access, agent);
  }
  return agent;
}

const timeoutError = () =>
  Object.assign(new Error('watch inactive: no data within the timeout'), { name: 'TimeoutError' });

const httpError = (url: URL, statusCode: number | undefined) =>
  Object.assign(new Error(`watch ${url.pathname}: HTTP ${statusCode}`), { statusCode });

/** The watch URL: the path on the current cluster's server, `watch=true` and the defined query values. */
function watchUrl(
  access: KubeAccess,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
): URL {
  const cluster = access.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  url.searchParams.set('watch', 'true');
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

/**
 * Splits the response into lines as chunks arrive and hands each parsed event to `callback`; a line
 * cut by a chunk boundary waits for the rest. `onData` runs per chunk (it re-arms the inactivity timer).
 */
function readEvents(res: IncomingMessage, callback: WatchCallback, onData: () => void): void {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  res.on('data', (chunk: Buffer) => {
    onData();
    const lines = (partial + decoder.write(chunk)).split('\n');
    partial = lines.pop() as string;
    for (const line of lines) {
      if (!line) continue;
      let event: { type: string; object: never };
      try {
        event = JSON.parse(line);
      } catch {
        continue; // client-node skips a line it cannot parse too
      }
      callback(event.type, event.object);
    }
  });
}

function openRequest(access: KubeAccess, url: URL, opts: RequestOptions, signal: AbortSignal) {
  const secure = url.protocol !== 'http:';
  const send = secure ? httpsRequest : httpRequest;
  return send(url, {
    method: 'GET',
    headers: { ...(opts.headers as Record<string, string>), Accept: 'application/json' },
    ...(opts.auth ? { auth: opts.auth } : {}),
    agent: agentFor(access, secure, opts),
    signal,
  });
}

export async function watchStream(
  access: KubeAccess,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  callback: WatchCallback,
  done: WatchDone,
  inactivityMs: number,
): Promise<AbortController> {
  const url = watchUrl(access, path, query);
  const opts: RequestOptions = { headers: {} };
  await access.applyToHTTPSOptions(opts);
  const controller = new AbortController();
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (error: unknown) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    controller.abort();
    done(error);
  };
  const req = openRequest(access, url, opts, controller.signal);
  // Re-armed at every chunk: refresh() the one timer instead of a new one per event.
  const arm = () => {
    if (finished) return;
    if (timer) {
      timer.refresh();
      return;
    }
    timer = setTimeout(() => {
      const error = timeoutError();
      req.destroy(error);
      finish(error);
    }, inactivityMs);
    timer.unref();
  };
  req.on('error', (error) => finish(finished ? undefined : error));
  req.on('response', (res: IncomingMessage) => {
    if (res.statusCode !== 200) {
      res.resume();
      finish(httpError(url, res.statusCode));
      return;
    }
    arm();
    readEvents(res, callback, arm);
    res.on('end', () => finish(null));
    res.on('error', (error) => finish(error));
    res.on('close', () => finish(null));
  });
  arm();
  req.end();
  return controller;
}
