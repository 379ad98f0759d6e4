// Global setup of the heavy suite: clears the fault outcomes before the run and prints them after it
// as a table (fault, expected, observed, images lost).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FaultOutcome, OUTCOMES_ENV } from './outcomes.js';

function readOutcomes(dir: string): FaultOutcome[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .flatMap((name) =>
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as FaultOutcome),
    );
}

export function renderTable(outcomes: readonly FaultOutcome[]): string {
  const rows = [
    ['', 'Fault', 'Expected', 'Observed', 'Images lost'],
    ...outcomes.map((o) => [o.ok ? 'ok' : 'FAIL', o.fault, o.expected, o.observed, String(o.imagesLost)]),
  ];
  const widths =
    rows[0]?.map((_, i) => Math.min(60, Math.max(...rows.map((r) => (r[i] ?? '').length)))) ?? [];
  const cell = (text: string, width: number) =>
    text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
  const lines = rows.map((r) =>
    r
      .map((c, i) => cell(c, widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const lost = outcomes.reduce((sum, o) => sum + o.imagesLost, 0);
  const failed = outcomes.filter((o) => !o.ok).length;
  lines.push('', `${outcomes.length} faults, ${failed} not as expected, ${lost} images lost`);
  return lines.join('\n');
}

export function setup(): void {
  process.env[OUTCOMES_ENV] = mkdtempSync(join(tmpdir(), 'mksysb-vault-fault-outcomes-'));
}

export function teardown(): void {
  const dir = process.env[OUTCOMES_ENV];
  if (!dir) return;
  const outcomes = readOutcomes(dir);
  if (outcomes.length > 0) console.log(`\nFault suite\n${renderTable(outcomes)}\n`);
  rmSync(dir, { recursive: true, force: true });
}
