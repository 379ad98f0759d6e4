// The catalog over a damaged store (the local S3 store): a folder under images/ that no host can have
// is a stray key, named and left alone, and the fleet's hosts are listed as usual; a record whose image
// object is gone is named as a missing image and never counts as the host's last PASS.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  listCatalogHosts,
  listHostRecords,
  listHosts,
  listObjects,
  recentRunReports,
} from '../../../lambdas/adapters/catalog.js';
import { applyRetention } from '../../../lambdas/adapters/retention.js';
import { RetentionPolicySchema } from '../../../lambdas/core/retention-plan.js';
import { makeRecord, seedImage, useTestStore } from '../../support/local-store.js';
import { body, mockedS3, slowDown } from '../s3-mock.js';

const local = useTestStore();
const store = () => ({ client: local.client, bucket: local.store.bucket });
const put = (Key: string) =>
  local.client.send(new PutObjectCommand({ Bucket: local.store.bucket, Key, Body: 'junk' }));
const NEWER = makeRecord({ host: 'aixprd01', date: '2026-11-23T02:00:00.000Z' });
const OLDER = makeRecord({ host: 'aixprd01', date: '2026-11-16T02:00:00.000Z' });

beforeAll(async () => {
  for (const r of [OLDER, NEWER]) await seedImage(local.client, local.store.bucket, r);
  await seedImage(local.client, local.store.bucket, makeRecord({ host: 'dbqa09', date: NEWER.date }));
  await put('images/bad host!/junk');
  await put('images/loose-object');
  await put('images/aixprd01/notes.txt');
  // The newest image of aixprd01 deleted by hand: its record stays.
  await local.client.send(new DeleteObjectCommand({ Bucket: local.store.bucket, Key: NEWER.key }));
});

describe('listing the catalog with stray keys in it', () => {
  it('lists every host and names each stray key with its code, never failing', async () => {
    const listed = await listCatalogHosts(store());
    expect(listed.hosts).toEqual(['aixprd01', 'dbqa09']);
    expect(listed.strays.map((s) => s.key)).toEqual(['images/bad host!/junk', 'images/loose-object']);
    expect(listed.strays[0]?.problem).toMatch(
      /^STRAY_KEY images\/bad host!\/junk: .*"bad host!" is not valid/,
    );
    expect(await listHosts(store())).toEqual(['aixprd01', 'dbqa09']);
  });

  it("names a key in a host's folder that belongs to none of its images", async () => {
    const { strays } = await listHostRecords(store(), 'aixprd01');
    expect(strays.map((s) => s.key)).toEqual(['images/aixprd01/notes.txt']);
  });

  it('lets retention plan every valid host, report the stray keys and delete none of them', async () => {
    const deps = {
      s3: local.client,
      bucket: local.store.bucket,
      policy: RetentionPolicySchema.parse({}),
      objectLock: false,
      now: () => new Date('2026-11-23T12:00:00Z'),
    };
    const result = await applyRetention({ dryRun: false }, deps);
    expect(result.hosts).toBe(2);
    expect(result.problems.join('\n')).toContain('STRAY_KEY images/bad host!/junk');
    const left = (await listObjects(store(), 'images/')).map((o) => o.key);
    expect(left).toEqual(expect.arrayContaining(['images/bad host!/junk', 'images/loose-object']));
  });
});

describe('a record whose image object is gone', () => {
  it('is named as a missing image, its record still read (the history holds)', async () => {
    const { records, missingImages } = await listHostRecords(store(), 'aixprd01');
    expect(records.map((r) => r.key)).toEqual([NEWER.key, OLDER.key]);
    expect(missingImages).toEqual([NEWER.key]);
  });
});

describe('a listing of more than one page (mocked S3)', () => {
  const object = (Key: string) => ({ Key, Size: 1, LastModified: new Date('2026-11-23T02:00:00Z') });

  it('reads every page, and stops at the page that says it is the last even if it names a token', async () => {
    const { client, s3 } = mockedS3();
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [object('images/a/1')], IsTruncated: true, NextContinuationToken: 't1' })
      .resolvesOnce({ Contents: [object('images/a/2')], IsTruncated: false, NextContinuationToken: 't2' })
      .rejects(new Error('a page after the last one was asked for'));
    const listed = await listObjects({ client, bucket: 'vault' }, 'images/a/');
    expect(listed.map((o) => o.key)).toEqual(['images/a/1', 'images/a/2']);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(2);
  });

  it('names the listing and the host when a later page fails', async () => {
    const { client, s3 } = mockedS3();
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [object('images/a/1')], IsTruncated: true, NextContinuationToken: 't1' })
      .rejects(slowDown());
    await expect(listObjects({ client, bucket: 'vault' }, 'images/a/', 'a')).rejects.toMatchObject({
      name: 'StoreThrottled',
      message: expect.stringContaining('listing objects for host a (images/a/)'),
    });
  });
});

describe('the recent run reports (mocked S3)', () => {
  it('finds them back through days of freshness folders, several days listed at once, newest first', async () => {
    const { client, s3 } = mockedS3();
    // 30 days; a weekly run report every 7th day, a freshness check's folder every day.
    const days = Array.from({ length: 30 }, (_, d) =>
      new Date(Date.parse('2026-10-25T00:00:00Z') + d * 86_400_000).toISOString().slice(0, 10),
    );
    const reports = days.filter((_, d) => d % 7 === 0).map((day) => `runs/${day}/run-${day}.json`);
    let inFlight = 0;
    let mostInFlight = 0;
    s3.on(ListObjectsV2Command).callsFake(async (input: { Prefix: string; Delimiter?: string }) => {
      if (input.Prefix === 'runs/')
        return { CommonPrefixes: days.map((day) => ({ Prefix: `runs/${day}/` })) };
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      const day = input.Prefix.slice('runs/'.length, -1);
      // With the delimiter, a run's folder is a common prefix, not its objects.
      return {
        Contents: reports.filter((k) => k.startsWith(input.Prefix)).map((Key) => ({ Key, Size: 1 })),
        CommonPrefixes: [{ Prefix: `${input.Prefix}freshness-${day}/` }],
      };
    });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({
      Body: body(`not a report ${input.Key}`),
    }));
    const got = await recentRunReports({ client, bucket: 'vault' }, 3);
    expect(got.map((r) => r.key)).toEqual([...reports].reverse().slice(0, 3));
    expect(got.every((r) => r.problem !== undefined)).toBe(true);
    expect(s3.commandCalls(ListObjectsV2Command).every((c) => c.args[0].input.Delimiter === '/')).toBe(true);
    // One listing after another took a round trip a day: now eight days are listed at once.
    expect(mostInFlight).toBeGreaterThan(1);
  });
});
