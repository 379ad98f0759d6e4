// What every benchmark reports: a figure, its target, what was measured and whether it met it.
// `bench/run.ts` gathers them into bench/RESULTS.md; each bench module also prints its own.
import { performance } from 'node:perf_hooks';

export interface BenchFigure {
  readonly figure: string;
  readonly target: string;
  readonly measured: string;
  /** null when there is no target, only a figure to report. */
  readonly pass: boolean | null;
}

/** Runs `fn` `runs` times and returns the median duration in milliseconds. */
export async function medianMs(runs: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

export function printFigures(title: string, figures: readonly BenchFigure[]): void {
  console.log(`\n${title}`);
  for (const f of figures)
    console.log(
      `  ${f.pass === null ? '    ' : f.pass ? 'ok  ' : 'MISS'}  ${f.figure}: ${f.measured}${f.target ? ` (target ${f.target})` : ''}`,
    );
}
