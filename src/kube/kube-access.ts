// Where the API server is and how to authenticate to it, found as client-go and client-node find it
// (KUBECONFIG, ~/.kube/config, the in-cluster service account), without importing client-node: its
// config module loads every generated model, ~80 MB and ~0.4–1 s of start-up that the operator never
// uses. Kubeconfigs that need a plugin (exec, auth-provider), a proxy or a merge of several files are
// handed to client-node's KubeConfig, loaded only then: those users pay the import, nobody else does.
import { existsSync, readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';

/** What KubeRest and the watch need of a kubeconfig; client-node's KubeConfig has the same shape. */
export interface KubeAccess {
  getCurrentCluster(): { server: string } | null;
  /** Puts TLS material and auth headers on `opts` (fresh per request: tokens rotate). */
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** client-go re-reads a token file about once a minute (its CachedFileTokenSource). */
const TOKEN_FILE_TTL_MS = 60_000;

interface Tls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized?: false;
}

/** A cluster and a user resolved to bytes and a token source. */
export class StaticKubeAccess implements KubeAccess {
  private token: { value: string; readAt: number } | undefined;

  constructor(
    private readonly server: string,
    private readonly tls: Tls,
    private readonly auth: { token?: string; tokenFile?: string; basic?: string; impersonate?: string },
  ) {}

  getCurrentCluster(): { server: string } {
    return { server: this.server };
  }

  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    Object.assign(opts, this.tls);
    opts.headers ??= {};
    const headers = opts.headers as Record<string, string>;
    const token = this.auth.token ?? this.fileToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (this.auth.basic) opts.auth = this.auth.basic;
    if (this.auth.impersonate) headers['Impersonate-User'] = this.auth.impersonate;
  }

  private fileToken(): string | undefined {
    const file = this.auth.tokenFile;
    if (!file) return undefined;
    if (!this.token || Date.now() - this.token.readAt > TOKEN_FILE_TTL_MS)
      this.token = { value: readFileSync(file, 'utf8').trim(), readAt: Date.now() };
    return this.token.value;
  }
}

type Named<T> = Array<{ name: string } & T>;
interface KubeconfigFile {
  'current-context'?: string;
  clusters?: Named<{ cluster: Record<string, unknown> }>;
  users?: Named<{ user?: Record<string, unknown> }>;
  contexts?: Named<{ context: { cluster: string; user: string } }>;
}

/** User fields only client-node knows how to serve. */
const PLUGIN_FIELDS = ['exec', 'auth-provider'];

const bytes = (dir: string, file: unknown, data: unknown): Buffer | undefined => {
  if (typeof file === 'string' && file) return readFileSync(isAbsolute(file) ? file : join(dir, file));
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
  return undefined;
};

/** One kubeconfig file → access, or undefined when it needs client-node (plugins, proxies). */
export async function accessFromKubeconfig(file: string): Promise<StaticKubeAccess | undefined> {
  // Loaded here only: in a pod there is no file to parse, and yaml costs ~8 MB and ~30 ms to load.
  const { parse } = await import('yaml');
  const config = (parse(readFileSync(file, 'utf8')) ?? {}) as KubeconfigFile;
  const dir = dirname(file);
  const contextName = config['current-context'];
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`${file}: no current context`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {};
  if (!cluster || typeof cluster.server !== 'string')
    throw new Error(`${file}: the current context has no cluster`);
  if (PLUGIN_FIELDS.some((f) => user[f] !== undefined) || cluster['proxy-url'] !== undefined)
    return undefined;
  const tls: Tls = {};
  const ca = bytes(dir, cluster['certificate-authority'], cluster['certificate-authority-data']);
  if (ca) tls.ca = ca;
  const cert = bytes(dir, user['client-certificate'], user['client-certificate-data']);
  if (cert) tls.cert = cert;
  const key = bytes(dir, user['client-key'], user['client-key-data']);
  if (key) tls.key = key;
  if (typeof cluster['tls-server-name'] === 'string') tls.servername = cluster['tls-server-name'];
  if (cluster['insecure-skip-tls-verify'] === true) tls.rejectUnauthorized = false;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const tokenFile = str(user.tokenFile);
  const username = str(user.username);
  return new StaticKubeAccess(cluster.server, tls, {
    ...(str(user.token) ? { token: str(user.token) } : {}),
    ...(tokenFile ? { tokenFile: isAbsolute(tokenFile) ? tokenFile : join(dir, tokenFile) } : {}),
    ...(username ? { basic: `${username}:${str(user.password) ?? ''}` } : {}),
    ...(str(user.as) ? { impersonate: str(user.as) } : {}),
  });
}

/** The in-cluster service account (client-node's loadFromCluster). */
export function inClusterAccess(
  env: NodeJS.ProcessEnv = process.env,
  root = SERVICE_ACCOUNT,
): StaticKubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  return new StaticKubeAccess(
    server,
    { ca: readFileSync(join(root, 'ca.crt')) },
    { tokenFile: join(root, 'token') },
  );
}

/**
 * client-node's loadFromDefault order: KUBECONFIG, else ~/.kube/config, else the in-cluster service
 * account. Returns client-node's own KubeConfig where this loader does not cover the file.
 */
export async function loadKubeAccess(env: NodeJS.ProcessEnv = process.env): Promise<KubeAccess> {
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  const file = files.length > 0 ? files[0] : existsSync(home) ? home : undefined;
  if (file === undefined && existsSync(join(SERVICE_ACCOUNT, 'token'))) return inClusterAccess(env);
  const simple = file !== undefined && files.length <= 1 ? await accessFromKubeconfig(file) : undefined;
  if (simple) return simple;
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
