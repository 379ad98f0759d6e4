// verify against the local S3 server: a host with 52 weeks of records (one of them a truncated
// image), an unreadable record, and the S3 calls verify makes (never the image bytes).
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { readIndex } from '../../lambdas/adapters/catalog-index.js';
import { indexEntryOf } from '../../lambdas/core/catalog-index.js';
import { recordKey } from '../../lambdas/core/catalog-keys.js';
import { parseImageRecord } from '../../lambdas/core/image-record.js';
import { VerificationPolicySchema } from '../../lambdas/core/policy.js';
import { verifyImage } from '../../lambdas/verify/verify.js';
import {
  countCalls,
  inspectedImage,
  lsmksysbListing,
  makeRecord,
  SUCCESS_LOG,
  seedImage,
  useTestStore,
  weeklyDates,
} from '../support/local-store.js';

const MiB = 1024 * 1024;
// Images of a few MiB stand in for GB ones: the floor is scaled down with them.
const policy = VerificationPolicySchema.parse({ absoluteFloorBytes: MiB, sizeMismatchSlackBytes: MiB });
const TODAY = '2026-11-23T02:00:00.000Z';
const local = useTestStore();

/** 52 weekly PASS records of about 4 MiB before today, one of them a truncated (FAIL) image. */
async function seedHistory(host: string, options: { unreadable?: boolean } = {}) {
  const dates = weeklyDates(TODAY, 53).slice(0, 52);
  for (const [i, date] of dates.entries()) {
    const truncated = i === 40;
    await seedImage(
      local.client,
      local.store.bucket,
      makeRecord({
        host,
        date,
        sizeBytes: truncated ? 40 * 1024 : 4 * MiB + i * 1024,
        verdict: truncated ? 'FAIL' : 'PASS',
      }),
    );
  }
  if (options.unreadable)
    await local.client.send(
      new PutObjectCommand({
        Bucket: local.store.bucket,
        Key: recordKey(`images/${host}/${host}_mksysb_${(dates[50] as string).slice(0, 10)}`),
        Body: '{"schemaVersion":1,"host":',
      }),
    );
}

async function uploadToday(host: string, sizeBytes: number) {
  const key = `images/${host}/${host}_mksysb_2026-11-23`;
  await local.client.send(
    new PutObjectCommand({ Bucket: local.store.bucket, Key: key, Body: Buffer.alloc(sizeBytes) }),
  );
  await local.client.send(
    new PutObjectCommand({
      Bucket: local.store.bucket,
      Key: `${key}.lsmksysb`,
      Body: lsmksysbListing(TODAY),
    }),
  );
  await local.client.send(
    new PutObjectCommand({ Bucket: local.store.bucket, Key: `${key}.log`, Body: SUCCESS_LOG }),
  );
  return key;
}

const inspected = (key: string, sizeBytes: number) => inspectedImage(key, sizeBytes, TODAY);

function verify(host: string, key: string, sizeBytes: number, s3 = local.client) {
  return verifyImage(
    {
      runId: 'run-2026-11-23',
      host,
      kind: 'mksysb',
      volumeGroup: 'rootvg',
      date: TODAY,
      key,
      sizeBytes,
      sha256: 'c'.repeat(64),
      osLevel: '7300-02-01-2346',
      timings: { backupSeconds: 1800, transferSeconds: 240 },
      tocFileCount: null,
      content: inspected(key, sizeBytes),
    },
    { s3, bucket: local.store.bucket, policy, historyLimit: 26, now: () => new Date(TODAY) },
  );
}

describe('verify against a year of history', () => {
  it('passes an image of the usual size although one earlier image was truncated', async () => {
    const key = await uploadToday('hist01', 4 * MiB + 60 * 1024);
    await seedHistory('hist01');
    const result = await verify('hist01', key, 4 * MiB + 60 * 1024);
    expect({ verdict: result.verdict, codes: result.anomalies.map((a) => a.code) }).toEqual({
      verdict: 'PASS',
      codes: [],
    });
  });

  it('fails a truncated image against the baseline of the earlier ones', async () => {
    await seedHistory('hist02');
    const key = await uploadToday('hist02', 1100 * 1024);
    const result = await verify('hist02', key, 1100 * 1024);
    expect({ verdict: result.verdict, codes: result.anomalies.map((a) => a.code) }).toEqual({
      verdict: 'FAIL',
      codes: ['SIZE_DROP'],
    });
  });

  it('writes a record that validates, beside the image, with the verdict and timings', async () => {
    await seedHistory('hist03');
    const key = await uploadToday('hist03', 4 * MiB);
    const result = await verify('hist03', key, 4 * MiB);
    const object = await local.client.send(
      new GetObjectCommand({ Bucket: local.store.bucket, Key: result.recordKey }),
    );
    const parsed = parseImageRecord((await object.Body?.transformToString()) ?? '', result.recordKey);
    expect(
      parsed.ok && { ...parsed.record.timings, verdict: parsed.record.verdict, key: parsed.record.key },
    ).toEqual({
      backupSeconds: 1800,
      transferSeconds: 240,
      verifySeconds: 0,
      verdict: 'PASS',
      key,
    });
  });

  it('reports an unreadable earlier record as HISTORY_UNREADABLE instead of ignoring it', async () => {
    await seedHistory('hist04', { unreadable: true });
    const key = await uploadToday('hist04', 4 * MiB);
    const result = await verify('hist04', key, 4 * MiB);
    expect(result.anomalies.find((a) => a.code === 'HISTORY_UNREADABLE')?.evidence).toEqual({
      problems: 'images/hist04/hist04_mksysb_2026-11-09.record.json: not JSON',
    });
  });

  it('treats a host without earlier records as a first run', async () => {
    const key = await uploadToday('fresh01', 4 * MiB);
    const result = await verify('fresh01', key, 4 * MiB);
    expect(result.verdict).toBe('PASS');
  });

  it('repairs an index that missed earlier images (a crash between their records and index updates)', async () => {
    // 52 records and no index: as if every earlier verify stopped after writing its record.
    await seedHistory('hist07');
    const key = await uploadToday('hist07', 4 * MiB);
    await verify('hist07', key, 4 * MiB);
    const stored = await readIndex({ client: local.client, bucket: local.store.bucket }, 'hist07');
    if (stored.state !== 'ok') throw new Error(stored.state);
    // Today's image and the 26 earlier ones verify read for its baseline (the rest: catalog rebuild).
    expect(stored.index.entries).toHaveLength(27);
    expect(stored.index.entries[0]?.key).toBe(key);
    expect(stored.index.entries.every((e) => e.retired === null)).toBe(true);
  });

  it("puts the image in its host's catalog index, as its record says it", async () => {
    const key = await uploadToday('fresh02', 4 * MiB);
    await verify('fresh02', key, 4 * MiB);
    const stored = await readIndex({ client: local.client, bucket: local.store.bucket }, 'fresh02');
    const text = await local.client.send(
      new GetObjectCommand({ Bucket: local.store.bucket, Key: recordKey(key) }),
    );
    const record = parseImageRecord((await text.Body?.transformToString()) ?? '', recordKey(key));
    if (!record.ok || stored.state !== 'ok') throw new Error('no record or no index');
    expect(stored.index.entries).toEqual([indexEntryOf(record.record)]);
  });

  it('never reads the image bytes, and reads a bounded number of records', async () => {
    await seedHistory('hist05');
    const key = await uploadToday('hist05', 4 * MiB);
    const counted = local.store.client();
    const calls = countCalls(counted);
    await verify('hist05', key, 4 * MiB, counted);
    const gets = calls.filter((c) => c.command === 'GetObjectCommand');
    expect({
      imageReads: gets.filter((c) => c.key === key).length,
      recordReads: gets.filter((c) => c.key?.endsWith('.record.json')).length,
      recordWrites: calls.filter((c) => c.command === 'PutObjectCommand').map((c) => c.key),
      otherCalls: calls
        .filter((c) => !c.key?.endsWith('.record.json'))
        .map((c) => c.command)
        .sort(),
    }).toEqual({
      imageReads: 0,
      recordReads: 26,
      // the record, then the host's catalog index (read first: its read-modify-write)
      recordWrites: [`${key}.record.json`, 'catalog/hist05/index.json'],
      // the image's sidecars it reads and the host's catalog index, read once: for the baseline, and
      // its ETag (or its absence) is what the write after the record is conditional on
      otherCalls: [
        'GetObjectCommand',
        'GetObjectCommand',
        'GetObjectCommand',
        'GetObjectCommand',
        'HeadObjectCommand',
        // the host's images, and its history entries (images retention deleted: none here)
        'ListObjectsV2Command',
        'ListObjectsV2Command',
        'PutObjectCommand',
      ],
    });
  });

  it('refuses to write a record for an image that is not in the store, naming host and key', async () => {
    await expect(verify('ghost01', 'images/ghost01/ghost01_mksysb_2026-11-23', 4 * MiB)).rejects.toThrow(
      'finding the image for host ghost01 (images/ghost01/ghost01_mksysb_2026-11-23) failed: the object does not exist (NotFound)',
    );
  });
});
