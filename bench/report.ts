/** Prints benchmark figures as DESIGN.md's JSON lines. */

/** One figure beside its baseline from the same run. */
export interface Figure {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  baseline: number;
}

/**
 * Prints one line; `ratio` is value/baseline for rates and baseline/value for times,
 * so 1.0 always means "as good as the baseline" and less means slower.
 */
export function report(figure: Figure, higherIsBetter: boolean): void {
  const ratio = higherIsBetter ? figure.value / figure.baseline : figure.baseline / figure.value;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  console.log(JSON.stringify({ ...figure, value: round(figure.value), baseline: round(figure.baseline), ratio: round(ratio) }));
}

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs `one` `total` times, `concurrency` at a time; returns calls per second. */
export async function ratePerSecond(total: number, concurrency: number, one: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await one(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

/**
 * Rates of several contenders measured in alternating rounds, each the median of its
 * rounds: on a small, noisy machine, a contender measured first or last would otherwise
 * carry the drift (JIT, GC, a neighbour) of its turn.
 */
export async function interleavedRates<K extends string>(
  contenders: Record<K, { total: number; one: (i: number) => Promise<unknown> }>,
  concurrency: number,
  rounds = 3,
): Promise<Record<K, number>> {
  const samples = Object.fromEntries(Object.keys(contenders).map((key) => [key, [] as number[]])) as unknown as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const key of Object.keys(contenders) as K[]) {
      const { total, one } = contenders[key];
      samples[key].push(await ratePerSecond(total, concurrency, one));
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([key, rates]) => [key, median(rates as number[])])) as Record<K, number>;
}
