// Wall-clock timing of a synchronous step for the pure benchmarks: min, median and max over runs.

/** Runs `fn` `runs` times; the times in ms (median, min, max) and what its last run returned. */
export function timed(fn: () => number, runs: number) {
  const times: number[] = [];
  let result = 0;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    result = fn();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return {
    medianMs: times[Math.floor(runs / 2)] as number,
    minMs: times[0] as number,
    maxMs: times[runs - 1] as number,
    result,
  };
}
