// The forecast on explicit dates (the clock is passed in): when a host's staging filesystem becomes
// too small for preflight's own test, and the bucket's size and cost months ahead under retention.
import { describe, expect, it } from 'vitest';
import {
  forecastBucket,
  forecastStaging,
  stagingOutlookText,
  theilSen,
} from '../../../lambdas/core/forecast.js';
import type { CurrentImageRecord, StagingSpace } from '../../../lambdas/core/image-record.js';
import { DEFAULT_RETENTION_POLICY } from '../../../lambdas/core/retention-plan.js';
import { makeRecord } from '../../support/local-store.js';

const GiB = 2 ** 30;
const DAY_MS = 86_400_000;
const FIRST = Date.parse('2026-10-05T02:00:00.000Z');
/** The day after the eighth weekly run (2026-11-23). */
const NOW = new Date('2026-11-24T12:00:00.000Z');

const weekly = (k: number) => new Date(FIRST + k * 7 * DAY_MS).toISOString();

/** Eight weekly mksysb records of lpar01, image k of `size(k)` bytes, preflight's reading `staging(k)`. */
function history(
  size: (k: number) => number,
  staging: (k: number) => StagingSpace | null,
  weeks = 8,
): CurrentImageRecord[] {
  return Array.from({ length: weeks }, (_, k) =>
    makeRecord({ host: 'lpar01', date: weekly(k), sizeBytes: size(k), staging: staging(k) }),
  );
}

/** A reading as preflight prints it: free bytes, the expected mksysb, factor 1.5. */
const reading = (freeBytes: number, expected: number, savevg = 0): StagingSpace => ({
  mount: '/mksysb',
  freeBytes,
  requiredBytes: Math.round((expected + savevg) * 1.5),
  mksysbExpectedBytes: expected,
  savevgExpectedBytes: savevg,
});

describe('Theil–Sen trend', () => {
  it('follows the points, not the one outlier a least-squares line would bend towards', () => {
    const points = [0, 1, 2, 3, 4, 5, 6].map((x) => ({ x, y: x === 3 ? 1000 : 10 + 2 * x }));
    expect(theilSen(points)).toEqual({ slope: 2, intercept: 10 });
  });

  it('has no trend with a single point in time', () => {
    expect(theilSen([{ x: 1, y: 5 }])).toBeNull();
  });
});

describe('staging forecast', () => {
  it('finds the week a growing image and shrinking free space meet the preflight test', () => {
    // Images grow 1 GiB a week; two kept local copies take 2 GiB more of the free space each week.
    // Newest reading (2026-11-23): 46 GiB free, 1.5 × 26 GiB = 39 GiB needed: a 7 GiB margin that
    // loses 1.5 × 1 + 2 = 3.5 GiB a week, so preflight refuses two weeks later, on 2026-12-07.
    const records = history(
      (k) => (20 + k) * GiB,
      (k) => reading((60 - 2 * k) * GiB, (19 + k) * GiB),
    );
    expect(forecastStaging('lpar01', records, { now: NOW })).toMatchObject({
      outlook: 'soon',
      weeksUntilFull: 1,
      fullOn: '2026-12-07',
      freeBytes: 46 * GiB,
      requiredBytes: 39 * GiB,
      sizeFactor: 1.5,
      imageGrowthBytesPerWeek: GiB,
      freeChangeBytesPerWeek: -2 * GiB,
    });
  });

  it('says "not within 52 weeks" for a steady host with room to spare', () => {
    const records = history(
      () => 20 * GiB,
      () => reading(100 * GiB, 20 * GiB),
    );
    const forecast = forecastStaging('lpar01', records, { now: NOW });
    expect(forecast).toMatchObject({ outlook: 'ok', weeksUntilFull: null, fullOn: null });
    expect(forecast.summary).toMatch(/^not within 52 weeks: 100 GB free on 2026-11-23/);
  });

  it('is "ok" when the day is further away than the warning, and "soon" once within it', () => {
    // 30 GiB margin, losing 1.5 GiB a week (image +1 GiB/week, free held: only two readings).
    const records = history(
      (k) => (20 + k) * GiB,
      (k) => (k >= 6 ? reading(69 * GiB, 26 * GiB) : null),
    );
    const far = forecastStaging('lpar01', records, { now: NOW });
    expect(far).toMatchObject({ outlook: 'ok', weeksUntilFull: 19, freeChangeBytesPerWeek: null });
    const later = new Date(NOW.getTime() + 16 * 7 * DAY_MS);
    expect(forecastStaging('lpar01', records, { now: later, warnWeeks: 4 })).toMatchObject({
      outlook: 'soon',
      weeksUntilFull: 3,
    });
  });

  it('says "within a week" when the margin runs out before the next whole week', () => {
    // 2026-11-23: 33 GiB free for 30 GiB, losing 4 GiB a week: refused from 2026-11-28.
    const records = history(
      () => 20 * GiB,
      (k) => reading((61 - 4 * k) * GiB, 20 * GiB),
    );
    const forecast = forecastStaging('lpar01', records, { now: NOW });
    expect(forecast).toMatchObject({ outlook: 'soon', weeksUntilFull: 0, fullOn: '2026-11-28' });
    expect(stagingOutlookText(forecast)).toBe('within a week (2026-11-28)');
    expect(forecast.summary).toMatch(/^too small within a week: from 2026-11-28; 33\.0 GB free/);
  });

  it('says "full" (0 weeks) when the newest reading already fails the test', () => {
    const records = history(
      () => 20 * GiB,
      () => reading(25 * GiB, 20 * GiB),
    );
    expect(forecastStaging('lpar01', records, { now: NOW })).toMatchObject({
      outlook: 'full',
      weeksUntilFull: 0,
    });
  });

  it("tests with the config's stagingSizeFactor when given, not the one the reading implies", () => {
    const records = history(
      () => 20 * GiB,
      () => reading(45 * GiB, 20 * GiB),
    );
    expect(forecastStaging('lpar01', records, { now: NOW }).outlook).toBe('ok');
    expect(forecastStaging('lpar01', records, { now: NOW, sizeFactor: 2.5 })).toMatchObject({
      outlook: 'full',
      requiredBytes: 50 * GiB,
    });
  });

  it('is "unknown" when no record carries a preflight reading (records before version 4)', () => {
    const records = history(
      (k) => (20 + k) * GiB,
      () => null,
    );
    expect(forecastStaging('lpar01', records, { now: NOW })).toMatchObject({
      outlook: 'unknown',
      weeksUntilFull: null,
      imageGrowthBytesPerWeek: GiB,
    });
  });
});

describe('bucket forecast', () => {
  const prices = { standardPricePerGbMonth: 0.023, coldPricePerGbMonth: 0.004, coldTransitionDays: 30 };

  it('prices what is stored today by storage class: Standard until the cold transition, then cold', () => {
    // Eight weekly 10 GiB images; on 2026-11-24 the three older than 30 days (10-05, 10-12, 10-19) are cold.
    const records = history(
      () => 10 * GiB,
      () => null,
    );
    const forecast = forecastBucket(records, { now: NOW, retention: DEFAULT_RETENTION_POLICY, ...prices });
    expect(forecast.now).toEqual({
      on: '2026-11-24',
      months: 0,
      images: 8,
      bytes: 80 * GiB,
      standardBytes: 50 * GiB,
      coldBytes: 30 * GiB,
      monthlyCost: 1.27, // 50 × $0.023 + 30 × $0.004
    });
  });

  it('keeps what the retention plan keeps 3 and 12 months ahead: the window, weekly and monthly keepers', () => {
    const records = history(
      () => 10 * GiB,
      () => null,
    );
    // 2027-02-24: the three images of the 3-week window (02-08, 02-15, 02-22, also the weekly
    // keepers and the newest PASS) and the monthly keepers of January, December, November and
    // October (6 months, but the series began in October): 7. A year ahead, the window and five
    // monthly keepers (October back to June): 8. Everything older is deleted.
    const forecast = forecastBucket(records, { now: NOW, retention: DEFAULT_RETENTION_POLICY, ...prices });
    expect(forecast.ahead.map((p) => ({ on: p.on, images: p.images, bytes: p.bytes / GiB }))).toEqual([
      { on: '2027-02-24', images: 7, bytes: 70 },
      { on: '2027-11-24', images: 8, bytes: 80 },
    ]);
  });

  it('grows with the images: a series growing 1 GiB a week costs more a year ahead than flat', () => {
    const flat = history(
      () => 10 * GiB,
      () => null,
    );
    const growing = history(
      (k) => (10 + k) * GiB,
      () => null,
    );
    const options = { now: NOW, retention: DEFAULT_RETENTION_POLICY, months: [12], ...prices };
    const [flatYear] = forecastBucket(flat, options).ahead;
    const [growingYear] = forecastBucket(growing, options).ahead;
    expect(growingYear?.images).toBe(flatYear?.images);
    expect(growingYear?.monthlyCost).toBeGreaterThan(flatYear?.monthlyCost ?? Number.POSITIVE_INFINITY);
    // The newest projected image, 2027-11-22, is 10 + 59 weeks: 69 GiB.
    expect(growingYear?.standardBytes).toBeGreaterThanOrEqual(69 * GiB);
  });
});
