import { describe, expect, it } from 'vitest';
import { DEFAULT_VERIFICATION_POLICY as policy } from '../../../lambdas/core/policy.js';
import {
  assessSize,
  computeBaseline,
  type HistoryEntry,
  median,
} from '../../../lambdas/core/size-history.js';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

/** Weekly images ending the week before `2026-11-23`, oldest first. */
function weekly(sizes: readonly number[], verdict: HistoryEntry['verdict'] = 'PASS'): HistoryEntry[] {
  const end = Date.parse('2026-11-16T02:00:00Z');
  return sizes.map((sizeBytes, i) => ({
    date: new Date(end - (sizes.length - 1 - i) * 7 * 86_400_000).toISOString(),
    sizeBytes,
    verdict,
  }));
}
const today = { kind: 'mksysb' as const, date: '2026-11-23T02:00:00Z' };

describe('size history', () => {
  it('takes the median of an even or odd number of values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('builds a baseline from the last good images only, newest window first', () => {
    const history = [...weekly([1, 1, 1, 1].map((n) => n * 9 * GB)), ...weekly([4 * GB], 'FAIL')];
    const baseline = computeBaseline(history, today.date, policy);
    expect(baseline?.samples).toBe(4);
    expect(baseline?.medianBytes).toBe(9 * GB);
  });

  it('lets a lasting size change become the new normal: WARN images count, FAIL images never', () => {
    // Eight weeks at 20 GB, then rootvg shrinks to 11 GB and stays there.
    const history: HistoryEntry[] = weekly(Array(8).fill(20 * GB)).map((h) => ({
      ...h,
      date: new Date(Date.parse(h.date) - 10 * 7 * 86_400_000).toISOString(),
    }));
    const codes: string[][] = [];
    for (let week = 0; week < 10; week += 1) {
      const date = new Date(Date.parse(today.date) - (9 - week) * 7 * 86_400_000).toISOString();
      const result = assessSize({ kind: 'mksysb', date, sizeBytes: 11 * GB }, history, policy);
      codes.push(result.anomalies.map((a) => a.code));
      history.push({ date, sizeBytes: 11 * GB, verdict: result.anomalies.length ? 'WARN' : 'PASS' });
    }
    expect(codes[0]).toContain('SIZE_DROP');
    expect(codes.at(-1)).toEqual([]);
    // An image judged without readable history never joins the baseline either.
    const unjudged = [
      ...weekly(Array(4).fill(20 * GB)),
      {
        date: '2026-11-17T02:00:00Z',
        sizeBytes: 2 * GB,
        verdict: 'WARN' as const,
        codes: ['HISTORY_UNREADABLE'],
      },
    ];
    expect(computeBaseline(unjudged, today.date, policy)?.samples).toBe(4);
    // Tiny (FAIL) images in the window never drag the baseline down.
    const withFails = [...weekly(Array(6).fill(20 * GB)), ...weekly([4 * MB, 4 * MB, 4 * MB], 'FAIL')];
    expect(computeBaseline(withFails, today.date, policy)?.medianBytes).toBe(20 * GB);
  });

  it('judges a first run by the absolute floor alone and says so', () => {
    const result = assessSize({ ...today, sizeBytes: 4 * MB }, [], policy);
    expect(result.firstRun).toBe(true);
    expect(result.anomalies.map((a) => [a.code, a.severity])).toEqual([
      ['TINY_IMAGE', 'fail'],
      ['FIRST_RUN', 'info'],
    ]);
  });

  it('passes a normal-sized first run with only the FIRST_RUN note', () => {
    const result = assessSize({ ...today, sizeBytes: 6 * GB }, [], policy);
    expect(result.anomalies.map((a) => a.code)).toEqual(['FIRST_RUN']);
  });

  it('treats one previous image as too little history for a baseline', () => {
    const result = assessSize({ ...today, sizeBytes: 3 * GB }, weekly([6 * GB]), policy);
    expect(result.firstRun).toBe(true);
    expect(result.anomalies.map((a) => a.code)).toEqual(['FIRST_RUN']);
  });

  it('fails a 4 MB image against a 3.8 GB history as TINY_IMAGE with the numbers', () => {
    const result = assessSize({ ...today, sizeBytes: 4 * MB }, weekly(Array(8).fill(3.8 * GB)), policy);
    const tiny = result.anomalies.find((a) => a.code === 'TINY_IMAGE');
    expect(tiny?.severity).toBe('fail');
    expect(tiny?.message).toMatch(/^4\.0 MB vs 3\.8 GB expected/);
    expect(tiny?.evidence.deviationPercent).toBeCloseTo(-99.9, 0);
  });

  it('fails a 0-byte image as EMPTY_IMAGE', () => {
    const result = assessSize({ ...today, sizeBytes: 0 }, weekly([5 * GB, 5 * GB]), policy);
    expect(result.anomalies).toEqual([expect.objectContaining({ code: 'EMPTY_IMAGE', severity: 'fail' })]);
  });

  it('warns on an image 35% smaller than usual as SIZE_DROP', () => {
    const result = assessSize({ ...today, sizeBytes: 6.5 * GB }, weekly(Array(8).fill(10 * GB)), policy);
    expect(result.anomalies).toEqual([expect.objectContaining({ code: 'SIZE_DROP', severity: 'warn' })]);
    expect(result.deviationPercent).toBe(-35);
  });

  it('fails an image half its usual size as SIZE_DROP', () => {
    const result = assessSize({ ...today, sizeBytes: 4 * GB }, weekly(Array(8).fill(10 * GB)), policy);
    expect(result.anomalies).toEqual([expect.objectContaining({ code: 'SIZE_DROP', severity: 'fail' })]);
  });

  it('warns on an image twice its usual size as SIZE_JUMP', () => {
    const result = assessSize({ ...today, sizeBytes: 20 * GB }, weekly(Array(8).fill(10 * GB)), policy);
    expect(result.anomalies).toEqual([expect.objectContaining({ code: 'SIZE_JUMP', severity: 'warn' })]);
  });

  it('does not alert on a host whose size legitimately grows 10% a week', () => {
    const sizes = Array.from({ length: 12 }, (_, i) => Math.round(4 * GB * 1.1 ** i));
    const next = Math.round(4 * GB * 1.1 ** 12);
    const result = assessSize({ ...today, sizeBytes: next }, weekly(sizes), policy);
    expect(result.anomalies).toEqual([]);
    expect(result.baseline?.trendPercentPerWeek).toBeCloseTo(10, 0);
  });

  it('keeps its baseline when one truncated image sits in the window', () => {
    const sizes = [8, 8, 8, 0.5, 8, 8, 8, 8].map((n) => n * GB);
    const history = weekly(sizes);
    const result = assessSize({ ...today, sizeBytes: 8 * GB }, history, policy);
    expect(result.anomalies).toEqual([]);
    expect(result.baseline?.expectedBytes).toBeCloseTo(8 * GB, -6);
  });

  it('widens the bands for a host whose size is noisy', () => {
    const noisy = [10, 7, 12, 8, 11, 7, 12, 9].map((n) => n * GB);
    const steady = Array(8).fill(10 * GB);
    const sample = { ...today, sizeBytes: 6.8 * GB };
    expect(assessSize(sample, weekly(noisy), policy).anomalies).toEqual([]);
    expect(assessSize(sample, weekly(steady), policy).anomalies.map((a) => a.code)).toEqual(['SIZE_DROP']);
  });

  it('only warns when an image below the floor matches a host that is always that small', () => {
    const result = assessSize({ ...today, sizeBytes: 300 * MB }, weekly(Array(4).fill(310 * MB)), policy);
    expect(result.anomalies).toEqual([expect.objectContaining({ code: 'TINY_IMAGE', severity: 'warn' })]);
  });

  it('fails an image below the floor from a host whose images are usually above it', () => {
    // The 6 MiB image: a host of 16 MiB images, a floor of 8 MiB. 6 MiB is over a fifth of
    // the baseline, but the host is not "always that small": TINY_IMAGE is a FAIL, not a WARN.
    const small = { ...policy, absoluteFloorBytes: 8 * MB };
    const result = assessSize({ ...today, sizeBytes: 6 * MB }, weekly(Array(6).fill(16 * MB)), small);
    expect(result.anomalies).toEqual([expect.objectContaining({ code: 'TINY_IMAGE', severity: 'fail' })]);
    expect(result.anomalies[0]?.message).toMatch(/below the 8\.0 MB floor/);
  });

  it('uses the savevg floor for savevg images', () => {
    const result = assessSize({ kind: 'savevg', date: today.date, sizeBytes: 40 * MB }, [], policy);
    expect(result.anomalies.map((a) => a.code)).toEqual(['FIRST_RUN']);
  });

  it('ignores history from after the judged date', () => {
    const later = [{ date: '2027-01-01T00:00:00Z', sizeBytes: 100 * GB, verdict: 'PASS' as const }];
    const result = assessSize(
      { ...today, sizeBytes: 5 * GB },
      [...weekly([5 * GB, 5 * GB]), ...later],
      policy,
    );
    expect(result.baseline?.samples).toBe(2);
    expect(result.anomalies).toEqual([]);
  });
});
