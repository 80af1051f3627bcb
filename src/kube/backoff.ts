/** Exponential backoff: base, 2×base, 4×base … capped at max. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 60);
    return delay;
  }

  reset(): void {
    this.failures = 0;
  }
}
