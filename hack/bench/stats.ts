// Summaries of repeated measurements: min/median/max over runs, nearest-rank percentiles over
// samples, and per-pair ratios (operator ÷ floor of the same pair, so slow phases of the shared
// machine hit both sides of a pair alike).

export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export function spread(values: readonly number[]): Spread {
  return { min: percentile(values, 0), median: percentile(values, 50), max: percentile(values, 100) };
}

/** operator[i] / floor[i] for each pair; a zero floor gives the operator value itself over nothing. */
export function ratios(floor: readonly number[], operator: readonly number[]): number[] {
  return floor.map((f, i) => {
    const o = operator[i] as number;
    if (f === 0) return o === 0 ? 1 : Number.POSITIVE_INFINITY;
    return o / f;
  });
}

export const round = (value: number, digits = 0) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
