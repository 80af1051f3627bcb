// Raw API server access for the harness: plain-text GETs (/metrics, /readyz) and watch streams
// parsed line by line. The harness observes both sides through these, so its own observation
// costs the same whichever side is being measured.
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export type WatchHandler = (type: string, object: WatchedObject) => void;

export interface WatchedObject {
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
  };
  status?: {
    observedGeneration?: number;
    conditions?: Array<{ type: string; status: string }>;
  };
  code?: number;
}

async function httpsOptions(kubeConfig: KubeConfig) {
  const opts: { headers: Record<string, string>; ca?: unknown; cert?: unknown; key?: unknown } = {
    headers: {},
  };
  await kubeConfig.applyToHTTPSOptions(opts as never);
  return opts;
}

function url(kubeConfig: KubeConfig, path: string, query: Record<string, string> = {}): URL {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const u = new URL(path, server);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u;
}

/** GET `path` as text; resolves with the status code and body (status 0 when unreachable). */
export async function getText(
  kubeConfig: KubeConfig,
  path: string,
  timeoutMs = 10_000,
): Promise<{ status: number; text: string }> {
  const opts = await httpsOptions(kubeConfig);
  return new Promise((resolve) => {
    const req = request(url(kubeConfig, path), { ...(opts as object), timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', () => resolve({ status: 0, text: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end();
  });
}

/** Hands one watch event line to `onEvent`; returns the resourceVersion to resume from. */
function deliver(path: string, line: string, version: string, onEvent: WatchHandler): string {
  const event = JSON.parse(line) as { type: string; object: WatchedObject };
  if (event.type === 'ERROR') throw new Error(`watch ${path}: ${JSON.stringify(event.object)}`);
  if (event.type !== 'BOOKMARK') onEvent(event.type, event.object);
  return event.object.metadata?.resourceVersion ?? version;
}

/**
 * Watches `path` from `resourceVersion`, calling `onEvent` per event; resumes from the last seen
 * version when the server ends the stream. Returns a function that stops the watch.
 */
export function watch(
  kubeConfig: KubeConfig,
  path: string,
  query: Record<string, string>,
  resourceVersion: string,
  onEvent: WatchHandler,
): () => void {
  let stopped = false;
  let current: ReturnType<typeof request> | undefined;
  let version = resourceVersion;
  const retry = () => {
    if (!stopped) setTimeout(() => void open(), 200);
  };
  const open = async () => {
    if (stopped) return;
    const opts = await httpsOptions(kubeConfig);
    const target = url(kubeConfig, path, {
      ...query,
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: version,
    });
    current = request(target, opts as object, (res) => {
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const lines = (buffered + chunk).split('\n');
        buffered = lines.pop() as string;
        for (const line of lines) if (line.trim()) version = deliver(path, line, version, onEvent);
      });
      res.on('end', retry);
      res.on('error', retry);
    });
    current.on('error', retry);
    current.end();
  };
  void open();
  return () => {
    stopped = true;
    current?.destroy();
  };
}
