// The fault suite's table: each fault test records what it expected, what it observed and how many
// earlier good images were lost (must be 0); the global setup (./table.ts) clears the rows before the
// run and prints them as a table after it. Rows are JSON lines in a directory shared by the test
// workers (one file per worker process).
import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FaultOutcome {
  /** The fault injected, e.g. "LPAR unreachable (aixapp01)". */
  readonly fault: string;
  /** What should happen, in an operator's words. */
  readonly expected: string;
  /** What did happen, read from the store, the run report and the alerts. */
  readonly observed: string;
  /** Earlier PASS images missing or changed afterwards. */
  readonly imagesLost: number;
  /** Whether observed matched expected (the test's own assertions decide; recorded for the table). */
  readonly ok: boolean;
}

export const OUTCOMES_DIR = join(tmpdir(), 'mksysb-vault-fault-outcomes');

export function recordOutcome(outcome: FaultOutcome): void {
  mkdirSync(OUTCOMES_DIR, { recursive: true });
  appendFileSync(join(OUTCOMES_DIR, `${process.pid}.jsonl`), `${JSON.stringify(outcome)}\n`);
}
