// The protocol piece's helpers, run in the shells the steps run in (dash for the Linux relay, ksh
// for AIX) with a stand-in `date` that prints chosen calendar fields: epoch_now counts seconds
// from the UTC fields in the shell's own arithmetic, and must agree with the calendar for every day
// (leading zeros, leap days, the last second of a year).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHELLS } from './harness.js';

const PROTOCOL = fileURLToPath(new URL('../../lib/host-scripts/protocol.sh', import.meta.url));

/** The UTC fields `date -u '+%Y %j %H %M %S'` prints for an instant. */
function calendarFields(at: Date): string {
  const dayOfYear = Math.floor((at.getTime() - Date.UTC(at.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${at.getUTCFullYear()} ${String(dayOfYear).padStart(3, '0')} ${two(at.getUTCHours())} ${two(at.getUTCMinutes())} ${two(at.getUTCSeconds())}`;
}

const INSTANTS = [
  '1970-01-01T00:00:00Z',
  '2000-02-29T08:09:08Z',
  '2024-12-31T23:59:59Z',
  '2026-03-09T09:08:07Z',
  '2026-12-03T21:08:09Z',
  '2099-12-31T23:59:59Z',
].map((s) => new Date(s));

describe.each(SHELLS)('epoch_now under %s', (shell) => {
  it('counts the seconds since 1970 from the UTC calendar fields, as the calendar does, into EPOCH_NOW of the calling shell (no subshell around date)', () => {
    const script = [
      `. '${PROTOCOL}'`,
      `date() { printf '%s\\n' "$FIELDS"; }`,
      ...INSTANTS.map((at) => `FIELDS='${calendarFields(at)}'; epoch_now; echo "$EPOCH_NOW"`),
    ].join('\n');
    const run = spawnSync(shell, ['-c', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n').map(Number)).toEqual(INSTANTS.map((at) => at.getTime() / 1000));
  });
});
