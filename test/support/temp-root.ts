// Global setup of both suites: every temporary directory of the run (the tests' own, the local
// stores, the simulated LPARs, what the CLI and the host scripts make under $TMPDIR) goes under one
// directory of this run, removed when the run ends. An eight-week `npm start` store alone is a GiB:
// runs that each left theirs behind filled this machine's disk. MKSYSB_VAULT_KEEP_TEST_TMP=1 keeps
// it (its path is printed) to look at what a failed test left.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let root: string | undefined;

export function setup(): void {
  root = mkdtempSync(join(tmpdir(), 'mksysb-vault-tests-'));
  // os.tmpdir() reads TMPDIR; the test workers and every process they start inherit it.
  process.env.TMPDIR = root;
}

export function teardown(): void {
  if (!root) return;
  if (process.env.MKSYSB_VAULT_KEEP_TEST_TMP === '1') console.log(`test temp files kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
