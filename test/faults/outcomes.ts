// The fault suite's table: each fault test records what it expected, what it observed and how many
// earlier good images were lost (must be 0); the global setup (./table.ts) clears the rows before the
// run and prints them as a table after it. Rows are JSON lines in a directory of this run (one file
// per worker process), named by the global setup in the environment the workers inherit, so two
// suites running at once never mix their rows.
import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OUTCOMES_ENV = 'MKSYSB_VAULT_FAULT_OUTCOMES';

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

/** This run's directory (a test file run alone, without the global setup, gets one of its own). */
export function outcomesDir(): string {
  const dir = process.env[OUTCOMES_ENV] ?? join(tmpdir(), `mksysb-vault-fault-outcomes-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function recordOutcome(outcome: FaultOutcome): void {
  appendFileSync(join(outcomesDir(), `${process.pid}.jsonl`), `${JSON.stringify(outcome)}\n`);
}
