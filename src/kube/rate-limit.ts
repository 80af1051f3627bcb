// A client-side token bucket, as client-go's flowcontrol: `qps` tokens a second, at most `burst`
// saved up. A cold start of thousands of profiles then paces itself instead of flooding the API
// server (whose own priority and fairness stays the real protection of a shared cluster).

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: () => number = () => performance.now(),
    /** false: a waiting taker does not keep the process alive (best-effort work such as Events). */
    private readonly keepsProcessAlive = true,
  ) {
    this.tokens = burst;
    this.last = clock();
  }

  /** Resolves when a request may be sent; at once while tokens are left. 0 qps = unlimited. */
  take(): Promise<void> {
    if (this.qps <= 0) return Promise.resolve();
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.qps));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiters.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        (this.waiters.shift() as () => void)();
      }
      if (this.waiters.length > 0) this.schedule();
    }, wait);
    if (!this.keepsProcessAlive) this.timer.unref();
  }
}
