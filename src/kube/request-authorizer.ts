// Who may read /metrics: the API server decides, as controller-runtime's secure metrics filter
// (pkg/metrics/filters, WithAuthenticationAndAuthorization) does it. The bearer token is checked
// with a TokenReview, then a SubjectAccessReview asks whether that user may `get` the path (a
// nonResourceURL rule, e.g. ClusterRole apptrust-metrics-reader). Decisions are cached briefly so a
// scrape every few seconds costs the API server two requests a minute, not two per scrape.
import { createHash } from 'node:crypto';
import type { KubeRest } from './rest.js';

export type AccessDecision =
  | { allowed: true; user: string }
  | { allowed: false; status: 401 | 403; reason: string };

interface TokenReview {
  status?: {
    authenticated?: boolean;
    error?: string;
    user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  };
}

interface SubjectAccessReview {
  status?: { allowed?: boolean; reason?: string };
}

/** How long a decision is reused: allowed as client-go's delegating authorizer, denied shorter. */
const ALLOW_TTL_MS = 60_000;
const DENY_TTL_MS = 10_000;
const MAX_CACHED = 1000;

export class RequestAuthorizer {
  private readonly cache = new Map<string, { decision: AccessDecision; until: number }>();

  constructor(
    private readonly rest: KubeRest,
    private readonly now: () => number = Date.now,
  ) {}

  /** `authorization`: the request's Authorization header; `verb`: get for GET and HEAD. */
  async check(authorization: string | undefined, path: string, verb = 'get'): Promise<AccessDecision> {
    const token = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (!token) return { allowed: false, status: 401, reason: 'a bearer token is required' };
    // The cache key is a hash: no token is kept in memory longer than the request.
    const key = createHash('sha256').update(`${verb}\u0000${path}\u0000${token}`).digest('hex');
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.decision;
    const decision = await this.review(token, path, verb);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, { decision, until: this.now() + (decision.allowed ? ALLOW_TTL_MS : DENY_TTL_MS) });
    return decision;
  }

  private async review(token: string, path: string, verb: string): Promise<AccessDecision> {
    // Reviews change nothing: they are sent even by a replica whose writes are fenced.
    const tokenReview = await this.rest.request<TokenReview>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      unfenced: true,
    });
    const user = tokenReview.status?.user;
    if (!tokenReview.status?.authenticated || !user?.username)
      return { allowed: false, status: 401, reason: 'the token was not accepted' };
    const access = await this.rest.request<SubjectAccessReview>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.groups ? { groups: user.groups } : {}),
          ...(user.extra ? { extra: user.extra } : {}),
          nonResourceAttributes: { path, verb },
        },
      },
      unfenced: true,
    });
    if (!access.status?.allowed)
      return { allowed: false, status: 403, reason: `${user.username} may not ${verb} ${path}` };
    return { allowed: true, user: user.username };
  }
}
