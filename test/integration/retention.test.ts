// retention against the local S3 server: a year of weekly images for 20 hosts, the plan checked
// exactly, a dry run that deletes nothing, and a real run that leaves exactly the kept images.
import { PutObjectCommand, PutObjectRetentionCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inBatches, listObjects, readText } from '../../lambdas/adapters/catalog.js';
import { applyRetention, type RetentionOutput } from '../../lambdas/adapters/retention.js';
import { RetentionPolicySchema } from '../../lambdas/core/retention-plan.js';
import {
  makeRecord,
  seedImage,
  startTestStore,
  type TestStore,
  weeklyDates,
} from '../support/local-store.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const HOSTS = Array.from({ length: 20 }, (_, i) => `lpar${String(i + 1).padStart(2, '0')}`);
// 53 Mondays, 2025-11-24 … 2026-11-23.
const DATES = weeklyDates('2026-11-23T02:00:00.000Z', 53);
/** lpar03 failed its last two runs; lpar07's image of 2026-06-29 failed; lpar15 also has datavg savevg images. */
const verdictOf = (host: string, day: string) =>
  (host === 'lpar03' && (day === '2026-11-16' || day === '2026-11-23')) ||
  (host === 'lpar07' && day === '2026-06-29')
    ? 'FAIL'
    : 'PASS';

const REGULAR = [
  '2026-06-29',
  '2026-07-27',
  '2026-08-31',
  '2026-09-28',
  '2026-10-26',
  '2026-11-09',
  '2026-11-16',
  '2026-11-23',
];
const expectedKept: Record<string, string[]> = {
  // The two FAILs are kept for forensics; the weeklies reach back to the last good weeks.
  lpar03: [
    '2026-06-29',
    '2026-07-27',
    '2026-08-31',
    '2026-09-28',
    '2026-10-26',
    '2026-11-02',
    '2026-11-09',
    '2026-11-16',
    '2026-11-23',
  ],
  // June's monthly is the newest good image of June.
  lpar07: ['2026-06-22', ...REGULAR.slice(1)],
};

let store: TestStore;
let client: S3Client;
let dryRun: RetentionOutput;
let realRun: RetentionOutput;
const policy = RetentionPolicySchema.parse({});
const run = (dry: boolean) =>
  applyRetention(
    { dryRun: dry },
    { s3: client, bucket: store.bucket, policy, objectLock: false, now: () => NOW },
  );

beforeAll(async () => {
  store = await startTestStore();
  client = store.client();
  const seeds = HOSTS.flatMap((host) =>
    DATES.flatMap((date) => {
      const day = date.slice(0, 10);
      const mksysb = makeRecord({ host, date, verdict: verdictOf(host, day) });
      return host === 'lpar15'
        ? [mksysb, makeRecord({ host, date, kind: 'savevg', volumeGroup: 'datavg' })]
        : [mksysb];
    }),
  );
  // Sidecars only where the test looks at them (lpar07): they cost a third of the seeding time.
  await inBatches(seeds, 24, (record) =>
    seedImage(client, store.bucket, record, { sidecars: record.host === 'lpar07' }),
  );
  // A leftover of an interrupted delete, written just now: inside its grace period, so left alone.
  await client.send(
    new PutObjectCommand({
      Bucket: store.bucket,
      Key: 'images/lpar01/lpar01_mksysb_2025-01-06.log',
      Body: 'x',
    }),
  );
  dryRun = await run(true);
  realRun = await run(false);
}, 240_000);
afterAll(async () => {
  await store?.close();
});

const keptDays = (out: RetentionOutput, series: string) =>
  out.keep.filter((d) => d.series === series).map((d) => d.date.slice(0, 10));

describe('retention over a year of images for 20 hosts', () => {
  it('keeps exactly three weeklies and six monthlies of every regular host', () => {
    const regular = HOSTS.filter((h) => !(h in expectedKept));
    expect(Object.fromEntries(regular.map((h) => [h, keptDays(dryRun, `${h}/mksysb`)]))).toEqual(
      Object.fromEntries(regular.map((h) => [h, REGULAR])),
    );
  });

  it('keeps the failed runs of lpar03 and its last good weeks', () => {
    expect(keptDays(dryRun, 'lpar03/mksysb')).toEqual(expectedKept.lpar03);
  });

  it('keeps the newest good image of June for lpar07, whose last June image failed', () => {
    expect(keptDays(dryRun, 'lpar07/mksysb')).toEqual(expectedKept.lpar07);
  });

  it('plans the savevg series of a host on its own schedule', () => {
    expect(keptDays(dryRun, 'lpar15/savevg/datavg')).toEqual(REGULAR);
  });

  it('plans the delete of every other image, with its reason', () => {
    const total = HOSTS.length * DATES.length + DATES.length;
    expect({
      deletes: dryRun.delete.length,
      kept: dryRun.keep.length,
      reasons: [...new Set(dryRun.delete.map((d) => d.reason))],
    }).toEqual({
      deletes: total - dryRun.keep.length,
      kept: 19 * 8 + 9 + 8,
      reasons: [
        'older than the 3-week window and not a weekly (3) or monthly (6) keeper',
        'FAIL image older than 14 days and outside the 3-week window',
      ],
    });
  });

  it('leaves an object without a record alone inside its grace period', () => {
    expect(dryRun.strays).toEqual([]);
  });

  it('deletes nothing on a dry run', () => {
    expect(dryRun.deletedObjects).toBe(0);
  });

  it('leaves exactly the kept images, their records and sidecars after a real run', async () => {
    const left = (await listObjects({ client, bucket: store.bucket }, 'images/lpar07/'))
      .map((o) => o.key)
      .sort();
    const expected = expectedKept.lpar07
      ?.flatMap((day) => {
        const key = `images/lpar07/lpar07_mksysb_${day}`;
        return [key, `${key}.log`, `${key}.record.json`];
      })
      .sort();
    expect(left).toEqual(expected);
  });

  it('reports what it deleted: each image with its record and sidecars', () => {
    // The image, its five sidecar keys (a VIOS's viosbr archive among them), its index and its record.
    expect(realRun.deletedObjects).toBe(realRun.delete.length * 8);
  });

  it('leaves a history entry for every image it deleted, with its size, verdict and SHA-256', async () => {
    const history = (await listObjects({ client, bucket: store.bucket }, 'history/lpar07/')).map(
      (o) => o.key,
    );
    const deleted = realRun.delete.filter((d) => d.host === 'lpar07');
    expect(history.sort()).toEqual(
      deleted.map((d) => `history/lpar07/${d.key.slice('images/lpar07/'.length)}.json`).sort(),
    );
    const june = await readText(
      { client, bucket: store.bucket },
      'history/lpar07/lpar07_mksysb_2026-06-29.json',
      { action: 'reading' },
    );
    expect(JSON.parse(june ?? '{}')).toMatchObject({
      verdict: 'FAIL',
      sizeBytes: expect.any(Number),
      sha256: expect.any(String),
    });
  });
});

describe('retention with Object Lock on the local store', () => {
  // 30 weekly images of one host; the store's Object Lock stand-in (lib/local/s3-server.ts) holds
  // each object's retention as S3 would, refusing to shorten a COMPLIANCE lock.
  let locked: TestStore;
  let out: RetentionOutput;
  const dates = weeklyDates('2026-11-23T02:00:00.000Z', 30);
  beforeAll(async () => {
    locked = await startTestStore();
    const c = locked.client();
    await inBatches(
      dates.map((date) => makeRecord({ host: 'lpar01', date })),
      8,
      (record) => seedImage(c, locked.bucket, record),
    );
    // A lock someone set longer than the policy's: never shortened.
    await c.send(
      new PutObjectRetentionCommand({
        Bucket: locked.bucket,
        Key: 'images/lpar01/lpar01_mksysb_2026-11-23',
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2028-01-01T00:00:00Z') },
      }),
    );
    out = await applyRetention(
      {},
      { s3: c, bucket: locked.bucket, policy, objectLock: true, lockMode: 'COMPLIANCE', now: () => NOW },
    );
  }, 120_000);
  afterAll(async () => {
    await locked?.close();
  });

  it('locks each monthly keeper, image and record, until the policy lets it go', () => {
    for (const key of [
      'images/lpar01/lpar01_mksysb_2026-10-26',
      'images/lpar01/lpar01_mksysb_2026-10-26.record.json',
    ])
      expect(locked.retentionOf(key)).toEqual({ mode: 'COMPLIANCE', until: '2027-04-01T00:00:00.000Z' });
    expect(locked.retentionOf('images/lpar01/lpar01_mksysb_2026-06-29')).toEqual({
      mode: 'COMPLIANCE',
      until: '2026-12-01T00:00:00.000Z',
    });
  });

  it('locks the weekly images for their weeks, and never shortens a longer lock', () => {
    expect(locked.retentionOf('images/lpar01/lpar01_mksysb_2026-11-16')?.until).toBe(
      '2026-12-07T02:00:00.000Z',
    );
    expect(locked.retentionOf('images/lpar01/lpar01_mksysb_2026-11-23')?.until).toBe(
      '2028-01-01T00:00:00.000Z',
    );
    expect(out.problems).toEqual([]);
  });

  it('is refused by the store when asked to shorten a COMPLIANCE lock, as S3 refuses it', async () => {
    await expect(
      locked.client().send(
        new PutObjectRetentionCommand({
          Bucket: locked.bucket,
          Key: 'images/lpar01/lpar01_mksysb_2026-10-26',
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2026-12-01T00:00:00Z') },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
