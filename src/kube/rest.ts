// A small JSON REST client over a KubeAccess (a kubeconfig's server, TLS material and auth). Objects travel
// in their wire shape in both directions: client-node's generated models rename NetworkPolicy
// `from` with a leading underscore, which silently turns an ingress rule into "allow from everywhere".

import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { FencedError, KubeApiError } from './errors.js';
import type { KubeAccess } from './kube-access.js';
import { TokenBucket } from './rate-limit.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  /** Leader election's own Lease writes: allowed while other writes are fenced. */
  unfenced?: boolean;
  /** A write that reports rather than enforces (Events): it does not count as write activity. */
  background?: boolean;
}

export interface RestOptions {
  /** Client-side rate limit (token bucket); 0 = none. */
  qps?: number;
  burst?: number;
}

/** Says why writes must stop now (e.g. the leader lease may have passed to another replica), or undefined. */
export type WriteFence = () => string | undefined;

/** Observes every request (write counting for the no-churn guarantee, metrics). */
export type RequestObserver = (method: string, path: string, status: number) => void;

export const APPLY_PATCH = 'application/apply-patch+yaml';

/**
 * Requests on the wire at once: the agent's socket count. More would wait inside the agent with
 * their bodies already serialized; here they wait as intents, and a cold start of thousands of
 * writes holds at most this many bodies (and responses) at a time.
 */
export const MAX_IN_FLIGHT = 32;

export class KubeRest {
  private readonly server: URL;
  private readonly observers: RequestObserver[] = [];
  private agent: HttpAgent | undefined;
  private readonly limiter: TokenBucket;
  private fence: WriteFence = () => undefined;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  /** When a write that enforces (not `background`) was last asked for or answered (performance.now()). */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private enforcingWrites = 0;

  constructor(
    private readonly kubeConfig: KubeAccess,
    options: RestOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.limiter = new TokenBucket(options.qps ?? 0, options.burst ?? 1);
  }

  /**
   * Fencing: every write (anything but GET) first asks `fence`, and is refused without being sent
   * when it names a reason. Checked right before the request leaves, after the rate limiter, so
   * work queued before a pause cannot slip out after it.
   */
  setWriteFence(fence: WriteFence): void {
    this.fence = fence;
  }

  onRequest(observer: RequestObserver): void {
    this.observers.push(observer);
  }

  /**
   * Auth headers from the kubeconfig, fresh per request (tokens may rotate), over one keep-alive
   * agent that carries the TLS settings. client-node's own agent does not keep connections alive,
   * and TLS options on each request build a new TLS context per connection: at 1,000 profiles
   * that cost ~300 MB of native memory and a handshake per request.
   */
  private async options(): Promise<RequestOptions> {
    const opts: RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    if (!this.agent) {
      const tls = {
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
        servername: opts.servername,
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      };
      const keepAlive = { keepAlive: true, maxSockets: MAX_IN_FLIGHT };
      this.agent =
        this.server.protocol === 'http:'
          ? new HttpAgent(keepAlive)
          : new HttpsAgent({ ...keepAlive, ...tls });
    }
    return { headers: opts.headers, ...(opts.auth ? { auth: opts.auth } : {}), agent: this.agent };
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  /** Writes that enforce (not `background`, not lease renewals) asked for so far. */
  writes(): number {
    return this.enforcingWrites;
  }

  /** Milliseconds since a write that enforces was last asked for or answered; Infinity if none yet. */
  msSinceWrite(): number {
    return performance.now() - this.lastWriteAt;
  }

  async request<T>(spec: RequestSpec): Promise<T> {
    // Lease renewals are not enforcement either.
    const enforcing = spec.method !== 'GET' && !spec.background && !spec.unfenced;
    if (enforcing) {
      this.enforcingWrites++;
      this.lastWriteAt = performance.now();
    }
    await this.limiter.take();
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      return await this.send<T>(spec);
    } finally {
      if (enforcing) this.lastWriteAt = performance.now();
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private async send<T>(spec: RequestSpec): Promise<T> {
    const url = new URL(spec.path, this.server);
    for (const [k, v] of Object.entries(spec.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const base = await this.options();
    const headers: Record<string, string | number> = {
      ...(base.headers as Record<string, string>),
      Accept: 'application/json',
    };
    if (payload !== undefined) {
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    if (spec.method !== 'GET' && !spec.unfenced) {
      const why = this.fence();
      if (why) throw new FencedError(`${spec.method} ${spec.path} not sent: ${why}`);
    }
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = send(url, { ...base, method: spec.method, headers, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          // A keep-alive TLS socket keeps the request that opened it reachable, and with it this
          // array: empty it, or every idle socket holds a whole response (7 MB at 5,000 profiles).
          chunks.length = 0;
          resolve({ status: res.statusCode ?? 0, text });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`timeout: ${spec.method} ${url.pathname}`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    }).catch((error: Error) => {
      for (const o of this.observers) o(spec.method, spec.path, 0);
      throw new KubeApiError(0, `${spec.method} ${url.pathname}: ${error.message}`);
    });
    for (const o of this.observers) o(spec.method, spec.path, status);
    if (status < 200 || status >= 300) throw KubeApiError.fromResponse(status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>({ method: 'GET', path, ...(query ? { query } : {}) });
  }

  /** Server-side apply: `object` is the full intent of `fieldManager` for that object. */
  apply<T>(path: string, object: unknown, fieldManager: string, force = true): Promise<T> {
    return this.request<T>({
      method: 'PATCH',
      path,
      query: { fieldManager, force },
      body: object,
      contentType: APPLY_PATCH,
    });
  }

  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>({ method: 'DELETE', path, ...(body ? { body } : {}) });
  }
}
