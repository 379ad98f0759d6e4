// The poll schedule: few polls for a step that takes what it took last time, a bounded number for one
// that runs far longer, never a tight loop.
import { describe, expect, it } from 'vitest';
import {
  expectedBackupSeconds,
  firstWaitSeconds,
  MIN_WAIT_SECONDS,
  nextWaitSeconds,
} from '../../../lambdas/core/command-poll.js';

/** Polls until a step of `actual` seconds expected to take `expected` is seen done. */
function pollsFor(actual: number, expected: number): number {
  let elapsed = firstWaitSeconds(expected);
  let polls = 1;
  while (elapsed < actual) {
    elapsed += nextWaitSeconds(elapsed, expected);
    polls += 1;
  }
  return polls;
}

describe('the poll schedule', () => {
  it('sees a step that takes as long as expected done at the first poll', () => {
    expect(pollsFor(3600, 3600)).toBe(1);
  });

  it('needs at most a handful of polls for a step twice as long as expected', () => {
    expect(pollsFor(7200, 3600)).toBeLessThanOrEqual(4);
  });

  it('needs at most 20 polls for a six-hour step expected to take ten minutes', () => {
    expect(pollsFor(21_600, 600)).toBeLessThanOrEqual(20);
  });

  it('never waits less than the minimum, however short the expectation', () => {
    expect(
      [firstWaitSeconds(0), nextWaitSeconds(1, 0), nextWaitSeconds(5, 10)].every(
        (w) => w >= MIN_WAIT_SECONDS,
      ),
    ).toBe(true);
  });

  it("scales last week's backup time by the size change", () => {
    expect(expectedBackupSeconds(8e9, { sizeBytes: 4e9, backupSeconds: 1800 })).toBe(3600);
  });

  it('assumes about an hour for an 8 GiB mksysb without history', () => {
    expect(Math.round(expectedBackupSeconds(8 * 1024 ** 3, null) / 60)).toBe(55);
  });
});
