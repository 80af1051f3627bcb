// One error type for every Kubernetes API failure, classified the way client-go's apierrors does.

export type ApiReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'Forbidden'
  | 'Unauthorized'
  | 'TooManyRequests'
  | 'ServerError'
  | 'Unavailable'
  | 'Other';

const BY_STATUS: Record<number, ApiReason> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Gone',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'ServerError',
  503: 'Unavailable',
};

export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: ApiReason;
  /** The Status reason from the API server (e.g. "AlreadyExists", which is also a 409). */
  readonly statusReason: string | undefined;

  constructor(status: number, message: string, statusReason?: string) {
    super(message);
    this.name = 'KubeApiError';
    this.status = status;
    this.statusReason = statusReason;
    this.reason =
      statusReason === 'AlreadyExists'
        ? 'AlreadyExists'
        : (BY_STATUS[status] ?? (status === 0 ? 'Unavailable' : 'Other'));
  }

  static fromResponse(status: number, body: string): KubeApiError {
    try {
      const parsed = JSON.parse(body) as { message?: string; reason?: string };
      return new KubeApiError(status, parsed.message ?? body, parsed.reason);
    } catch {
      return new KubeApiError(status, body.slice(0, 500) || `HTTP ${status}`);
    }
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.reason === 'NotFound';
export const isAlreadyExists = (e: unknown): boolean =>
  e instanceof KubeApiError && e.reason === 'AlreadyExists';
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.reason === 'Conflict';

/** A write refused before it was sent, because this replica may no longer be the leader. */
export class FencedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FencedError';
  }
}
