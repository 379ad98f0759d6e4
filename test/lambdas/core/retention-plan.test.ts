import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  monthOf,
  planRetention,
  type RetentionImage,
  RetentionPolicySchema,
  weekOf,
} from '../../../lambdas/core/retention-plan.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-23T12:00:00Z');
const policy = RetentionPolicySchema.parse({});
// Without monthlies, an old image has no reason to be kept but the one under test.
const noMonthly = RetentionPolicySchema.parse({ monthly: 0 });

function image(
  host: string,
  daysAgo: number,
  verdict: RetentionImage['verdict'] = 'PASS',
  extra = {},
): RetentionImage {
  const date = new Date(NOW.getTime() - daysAgo * DAY).toISOString();
  return {
    key: `images/${host}/${host}_mksysb_${date.slice(0, 10)}`,
    host,
    kind: 'mksysb',
    volumeGroup: 'rootvg',
    date,
    verdict,
    ...extra,
  };
}

/** lpar01's mksysb image of a date as a run writes it (in the schedule's zone, or UTC). */
const imageAt = (date: string, verdict: RetentionImage['verdict'] = 'PASS'): RetentionImage => ({
  key: `images/lpar01/lpar01_mksysb_${date.slice(0, 10)}`,
  host: 'lpar01',
  kind: 'mksysb',
  volumeGroup: 'rootvg',
  date,
  verdict,
});

const weekly = (
  host: string,
  weeks: number,
  verdictOf: (w: number) => RetentionImage['verdict'] = () => 'PASS',
) => Array.from({ length: weeks }, (_, w) => image(host, w * 7, verdictOf(w)));

const kept = (images: RetentionImage[], p = policy) =>
  planRetention(images, NOW, p).keep.map((d) => d.date.slice(0, 10));

describe('retention planning', () => {
  it('keeps three weeklies and the newest image of each of the last six months of a weekly host', () => {
    expect(kept(weekly('a', 40))).toEqual([
      '2026-06-29',
      '2026-07-27',
      '2026-08-31',
      '2026-09-28',
      '2026-10-26',
      '2026-11-09',
      '2026-11-16',
      '2026-11-23',
    ]);
  });

  it('keeps the newest PASS image of a host however old it is', () => {
    const images = [image('b', 400), image('b', 3, 'FAIL'), image('b', 10, 'FAIL')];
    const plan = planRetention(images, NOW, RetentionPolicySchema.parse({ monthly: 0 }));
    expect(plan.keep.find((d) => d.date.startsWith('2025-10-19'))?.rules).toContain('NEWEST_PASS');
  });

  it('keeps a FAIL image for failedKeepDays and then deletes it with its reason', () => {
    const p = RetentionPolicySchema.parse({ weekly: 1, failedKeepDays: 14 });
    const plan = planRetention([image('c', 0), image('c', 13, 'FAIL'), image('c', 15, 'FAIL')], NOW, p);
    expect({
      keep: plan.keep.map((d) => [d.date.slice(0, 10), d.rules]),
      delete: plan.delete.map((d) => [d.date.slice(0, 10), d.reason]),
    }).toEqual({
      keep: [
        ['2026-11-10', ['FAILED_FORENSICS']],
        ['2026-11-23', ['NEWEST_PASS', 'WEEKLY_WINDOW', 'WEEKLY', 'MONTHLY']],
      ],
      delete: [['2026-11-08', 'FAIL image older than 14 days and outside the 1-week window']],
    });
  });

  it('never plans the delete of an image under Object Lock before the lock expires', () => {
    const locked = image('d', 300, 'PASS', { lockedUntil: '2026-11-24T00:00:00Z' });
    const plan = planRetention([...weekly('d', 3), locked], NOW, noMonthly);
    expect(plan.keep.find((d) => d.key === locked.key)?.rules).toEqual(['OBJECT_LOCK']);
  });

  it('plans the delete of an image whose Object Lock has expired', () => {
    const unlocked = image('e', 300, 'PASS', { lockedUntil: '2026-11-01T00:00:00Z' });
    const plan = planRetention([...weekly('e', 3), unlocked], NOW, noMonthly);
    expect(plan.delete.map((d) => d.key)).toEqual([unlocked.key]);
  });

  it("deletes the image, its sidecars and the vault's content index first and the record last", () => {
    const old = image('f', 400);
    const plan = planRetention([...weekly('f', 3), old], NOW, noMonthly);
    expect(plan.delete[0]?.objects).toEqual([
      old.key,
      `${old.key}.log`,
      `${old.key}.lsmksysb`,
      `${old.key}.filesets`,
      `${old.key}.toc.gz`,
      `${old.key}.viosbr.tar.gz`,
      `${old.key}.index.gz`,
      `${old.key}.record.json`,
    ]);
  });

  it('plans each volume group of a host as its own series', () => {
    const savevg = { kind: 'savevg' as const, volumeGroup: 'datavg' };
    const images = [
      image('g', 0),
      { ...image('g', 400, 'PASS', savevg), key: 'images/g/g_savevg_datavg_2025-10-19' },
    ];
    expect(planRetention(images, NOW, policy).delete).toEqual([]);
  });

  it('sweeps objects of an image without a record once the grace period is over', () => {
    const plan = planRetention([], NOW, policy, {
      keys: [
        { key: 'images/h/h_mksysb_2026-11-01', lastModified: '2026-11-01T03:00:00Z' },
        { key: 'images/h/h_mksysb_2026-11-01.log', lastModified: '2026-11-01T03:00:00Z' },
        { key: 'images/h/h_mksysb_2026-11-23', lastModified: '2026-11-23T03:00:00Z' },
        { key: 'images/h/h_mksysb_2026-11-02', lastModified: '2026-11-02T03:00:00Z' },
      ],
      recorded: new Set(['images/h/h_mksysb_2026-11-02']),
    });
    expect(plan.strays.map((s) => s.key)).toEqual([
      'images/h/h_mksysb_2026-11-01',
      'images/h/h_mksysb_2026-11-01.log',
    ]);
  });

  it("buckets an image by its day as written, the schedule's: a run of the 1st in Tokyo or of the 31st in New York", () => {
    // Weekly runs on Monday 02:00 in Tokyo: 1 June is a Monday, 31 May 17:00 in UTC.
    const tokyo = ['2026-05-18', '2026-05-25', '2026-06-01', '2026-06-08'].map((day) =>
      imageAt(`${day}T02:00:00.000+09:00`),
    );
    // And Sunday 22:00 in New York: 31 May, which is 1 June 02:00 in UTC.
    const newYork = ['2026-05-17', '2026-05-24', '2026-05-31', '2026-06-07'].map((day) =>
      imageAt(`${day}T22:00:00.000-04:00`),
    );
    const now = new Date('2026-11-23T12:00:00Z');
    const monthly = RetentionPolicySchema.parse({ weekly: 1, monthly: 6 });
    const keepers = (images: RetentionImage[]) =>
      planRetention(images, now, monthly)
        .keep.filter((d) => d.rules.includes('MONTHLY'))
        .map((d) => `${d.date.slice(0, 10)} ${d.reason.match(/monthly keeper of (\S+)/)?.[1]}`)
        .sort();
    expect(keepers(tokyo)).toEqual(['2026-05-25 2026-05', '2026-06-08 2026-06']);
    expect(keepers(newYork)).toEqual(['2026-05-31 2026-05', '2026-06-07 2026-06']);
    // Its Object Lock date counts from that month too.
    const lock = planRetention(tokyo, now, monthly).keep.find((d) => d.date.startsWith('2026-05-25'));
    expect(lock?.keepUntil).toBe('2026-11-01T00:00:00.000Z');
    expect([weekOf('2026-06-01T02:00:00.000+09:00'), monthOf('2026-05-31T22:00:00.000-04:00')]).toEqual([
      '2026-06-01',
      '2026-05',
    ]);
  });

  it('places every date of a week on the same Monday', () => {
    expect(['2026-11-16T00:00:00Z', '2026-11-19T12:00:00Z', '2026-11-22T23:59:59Z'].map(weekOf)).toEqual([
      '2026-11-16',
      '2026-11-16',
      '2026-11-16',
    ]);
  });
});

describe('retention planning, for any history', () => {
  const verdict = fc.constantFrom<RetentionImage['verdict']>('PASS', 'WARN', 'FAIL');
  const history = fc.array(
    fc.record({
      host: fc.constantFrom('h1', 'h2', 'h3'),
      daysAgo: fc.integer({ min: -3, max: 900 }),
      verdict,
      lockDays: fc.option(fc.integer({ min: -30, max: 60 }), { nil: null }),
    }),
    { maxLength: 80 },
  );
  const policies = fc.record({
    weekly: fc.integer({ min: 1, max: 6 }),
    monthly: fc.integer({ min: 0, max: 12 }),
    failedKeepDays: fc.integer({ min: 0, max: 60 }),
  });
  const build = (
    entries: { host: string; daysAgo: number; verdict: RetentionImage['verdict']; lockDays: number | null }[],
  ) => {
    const byKey = new Map<string, RetentionImage>();
    for (const e of entries) {
      const i = image(e.host, e.daysAgo, e.verdict, {
        lockedUntil: e.lockDays === null ? null : new Date(NOW.getTime() + e.lockDays * DAY).toISOString(),
      });
      byKey.set(i.key, i); // one image per host and day, as in the store
    }
    return [...byKey.values()];
  };

  it('keeps the newest PASS image of every host', () => {
    fc.assert(
      fc.property(history, policies, (entries, p) => {
        const images = build(entries);
        const deleted = new Set(
          planRetention(images, NOW, RetentionPolicySchema.parse(p)).delete.map((d) => d.key),
        );
        for (const host of ['h1', 'h2', 'h3']) {
          const newest = images
            .filter((i) => i.host === host && i.verdict === 'PASS')
            .sort((a, b) => Date.parse(b.date) - Date.parse(a.date))[0];
          if (newest) expect(deleted.has(newest.key)).toBe(false);
        }
      }),
    );
  });

  it('deletes nothing younger than the weekly window and nothing still locked', () => {
    fc.assert(
      fc.property(history, policies, (entries, p) => {
        const plan = planRetention(build(entries), NOW, RetentionPolicySchema.parse(p));
        const windowStart = NOW.getTime() - p.weekly * 7 * DAY;
        for (const d of plan.delete) expect(Date.parse(d.date)).toBeLessThanOrEqual(windowStart);
        const lockedDeletes = plan.delete.filter((d) => {
          const i = build(entries).find((x) => x.key === d.key);
          return i?.lockedUntil && Date.parse(i.lockedUntil) > NOW.getTime();
        });
        expect(lockedDeletes).toEqual([]);
      }),
    );
  });

  it('decides every image exactly once', () => {
    fc.assert(
      fc.property(history, policies, (entries, p) => {
        const images = build(entries);
        const plan = planRetention(images, NOW, RetentionPolicySchema.parse(p));
        expect([...plan.keep, ...plan.delete].map((d) => d.key).sort()).toEqual(
          images.map((i) => i.key).sort(),
        );
      }),
    );
  });
});

describe('keepUntil: how long the policy keeps each kept image (its Object Lock date)', () => {
  const policy = RetentionPolicySchema.parse({ weekly: 3, monthly: 6, failedKeepDays: 14 });
  const weeklyDates = (from: string, count: number) =>
    Array.from({ length: count }, (_, i) => new Date(Date.parse(from) + i * 7 * 86_400_000).toISOString());
  const plan = planRetention(
    [
      ...weeklyDates('2026-06-01T02:00:00.000Z', 26).map((d) => imageAt(d)),
      imageAt('2026-11-23T03:00:00.000Z', 'FAIL'),
    ],
    new Date('2026-11-23T12:00:00Z'),
    policy,
  );
  const until = (day: string) => plan.keep.find((d) => d.date.startsWith(day))?.keepUntil;

  it("locks a past month's keeper until `monthly` months after that month began", () => {
    // The last image of October 2026 is its monthly keeper: kept until six newer months can exist.
    expect(until('2026-10-26')).toBe('2027-04-01T00:00:00.000Z');
    expect(until('2026-06-29')).toBe('2026-12-01T00:00:00.000Z');
  });

  it('locks a weekly image (and this month’s keeper, which can still change) for `weekly` weeks', () => {
    expect(until('2026-11-16')).toBe('2026-12-07T02:00:00.000Z');
  });

  it('locks a FAIL image for its forensic days', () => {
    const fail = plan.keep.find((d) => d.verdict === 'FAIL');
    expect(fail?.keepUntil).toBe('2026-12-14T03:00:00.000Z');
  });

  it('gives no future date to what only NEWEST_PASS keeps', () => {
    const lone = planRetention(
      [imageAt('2025-01-06T02:00:00.000Z')],
      new Date('2026-11-23T12:00:00Z'),
      RetentionPolicySchema.parse({ monthly: 0 }),
    );
    // A weekly keeper of its (long past) week too, so its date is that week's end: no lock is extended.
    expect(lone.keep[0]?.rules).toContain('NEWEST_PASS');
    expect(lone.keep[0]?.keepUntil).toBe('2025-01-27T02:00:00.000Z');
  });
});
