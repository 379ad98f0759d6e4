// verify with a mocked S3: it reads only small objects (never the image), writes the record last,
// and every S3 failure comes back naming the host and the key.

import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CatalogIndex, rebuildIndex, renderCatalogIndex } from '../../../lambdas/core/catalog-index.js';
import { catalogIndexKey } from '../../../lambdas/core/catalog-keys.js';
import { imageExcludeList } from '../../../lambdas/core/exclude-list.js';
import { type ImageRecord, renderImageRecord } from '../../../lambdas/core/image-record.js';
import { DEFAULT_VERIFICATION_POLICY } from '../../../lambdas/core/policy.js';
import type { InspectImageOutput } from '../../../lambdas/inspect-image/schema.js';
import { verifyImage } from '../../../lambdas/verify/verify.js';
import { lsmksysbListing, makeRecord, SUCCESS_LOG } from '../../support/local-store.js';
import { accessDenied, body, mockedS3, noSuchKey, notFound, type S3Mock, throttling } from '../s3-mock.js';

const GiB = 1024 ** 3;
const TODAY = '2026-11-23T02:00:00.000Z';
const KEY = 'images/lpar01/lpar01_mksysb_2026-11-23';
const EARLIER = ['2026-11-09', '2026-11-16'].map((day) =>
  makeRecord({ host: 'lpar01', date: `${day}T02:00:00.000Z`, sizeBytes: 6 * GiB }),
);
/** What inspect-image answers for a sound image that agrees with every claim below. */
const INSPECTED: InspectImageOutput = {
  complete: true,
  sizeBytes: 6 * GiB,
  content: {
    bytesRead: 6 * GiB,
    sha256: 'c'.repeat(64),
    entries: 80239,
    files: 71002,
    directories: 9237,
    contentBytes: 5 * GiB,
    complete: true,
    problem: null,
    volumeGroup: 'rootvg',
    bootFiles: {
      present: [
        './bosinst.data',
        './image.data',
        './unix',
        './sbin/rc.boot',
        './etc/inittab',
        './etc/filesystems',
      ],
      missing: [],
      empty: [],
    },
    imageData: null,
    index: { entries: 80239, complete: true },
  },
  indexKey: `${KEY}.index.gz`,
  checkedAt: TODAY,
  seconds: 41.5,
};
const event = {
  runId: 'run-2026-11-23',
  host: 'lpar01',
  kind: 'mksysb',
  date: TODAY,
  key: KEY,
  sizeBytes: 6 * GiB,
  sha256: 'c'.repeat(64),
  content: INSPECTED,
};
const written = (mock: S3Mock) =>
  JSON.parse(String(mock.commandCalls(PutObjectCommand)[0]?.args[0].input.Body)) as ImageRecord;
const objects: Record<string, string> = {
  [`${KEY}.lsmksysb`]: lsmksysbListing(TODAY, { backupMB: 6144, shrinkMB: 5000 }),
  [`${KEY}.log`]: SUCCESS_LOG,
  ...Object.fromEntries(EARLIER.map((r) => [`${r.key}.record.json`, renderImageRecord(r)])),
};

let s3: S3Mock;
let deps: Parameters<typeof verifyImage>[1];
beforeEach(() => {
  const mocked = mockedS3();
  s3 = mocked.s3;
  deps = {
    s3: mocked.client,
    bucket: 'vault',
    policy: DEFAULT_VERIFICATION_POLICY,
    historyLimit: 26,
    now: () => new Date(TODAY),
  };
  s3.on(HeadObjectCommand).resolves({ ContentLength: 6 * GiB, ETag: '"abc-96"' });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const text = objects[input.Key];
    if (text === undefined) throw noSuchKey();
    return { Body: body(text) };
  });
  s3.on(ListObjectsV2Command).resolves({
    Contents: [
      ...EARLIER.flatMap((r) => [r.key, `${r.key}.record.json`]),
      KEY,
      `${KEY}.log`,
      `${KEY}.lsmksysb`,
    ].map((Key) => ({
      Key,
      Size: 1,
    })),
  });
  s3.on(PutObjectCommand).resolves({});
});

describe('verify', () => {
  it('judges the image from its sidecars and history and writes its record, never reading the image', async () => {
    const out = await verifyImage(event, deps);
    const written = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect({
      out,
      written: written?.Key,
      verdict: JSON.parse(String(written?.Body)).verdict,
      imageReads: s3.commandCalls(GetObjectCommand, { Key: KEY }).length,
    }).toEqual({
      out: { verdict: 'PASS', anomalies: [], recordKey: `${KEY}.record.json` },
      written: `${KEY}.record.json`,
      verdict: 'PASS',
      imageReads: 0,
    });
  });

  it('stores in the record what the stored bytes showed: when, how much, their SHA-256, entries, index', async () => {
    await verifyImage(event, deps);
    expect(written(s3).content).toEqual({
      checkedAt: TODAY,
      complete: true,
      bytesRead: 6 * GiB,
      sha256: 'c'.repeat(64),
      entries: 80239,
      files: 71002,
      codes: [],
      indexKey: `${KEY}.index.gz`,
    });
  });

  it('keeps in the record the exclude list the mksysb ran with, and null when it ran without one', async () => {
    const excludeList = imageExcludeList({ source: 'config', patterns: ['^./mksysb/'], lineCount: 1 });
    await verifyImage({ ...event, excludeList }, deps);
    expect(JSON.parse(String(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body)).excludeList).toEqual(
      excludeList,
    );
    await verifyImage({ ...event, excludeList: null }, deps);
    expect(
      JSON.parse(
        String(s3.commandCalls(PutObjectCommand, { Key: `${KEY}.record.json` })[1]?.args[0].input.Body),
      ).excludeList,
    ).toBeNull();
  });

  it('explains a size drop by the exclude list that changed since the image it compares with', async () => {
    const before = imageExcludeList({ source: 'config', patterns: ['^./tmp/'], lineCount: 1 });
    const after = imageExcludeList({ source: 'config', patterns: ['^./tmp/', '^./u01/'], lineCount: 2 });
    for (const r of EARLIER)
      objects[`${r.key}.record.json`] = renderImageRecord({ ...r, excludeList: before });
    try {
      s3.on(HeadObjectCommand).resolves({ ContentLength: 3 * GiB, ETag: '"abc-48"' });
      const out = await verifyImage(
        { ...event, sizeBytes: 3 * GiB, content: { ...INSPECTED, sizeBytes: 3 * GiB }, excludeList: after },
        deps,
      );
      const drop = out.anomalies.find((a) => a.code === 'SIZE_DROP');
      expect(drop?.message).toMatch(
        /; exclude list changed: 1 pattern \(config\) → 2 patterns \(config\): \+\^\.\/u01\/$/,
      );
      expect(drop?.evidence.excludeListChanged).toBe(true);
    } finally {
      for (const r of EARLIER) objects[`${r.key}.record.json`] = renderImageRecord(r);
    }
  });

  it('fails an image whose stored bytes are not what the host hashed (CHECKSUM_MISMATCH)', async () => {
    const out = await verifyImage({ ...event, sha256: 'd'.repeat(64) }, deps);
    expect({ verdict: out.verdict, codes: out.anomalies.map((a) => a.code) }).toEqual({
      verdict: 'FAIL',
      codes: ['CHECKSUM_MISMATCH'],
    });
    expect(written(s3).content?.codes).toEqual(['CHECKSUM_MISMATCH']);
  });

  it('never passes an image whose stored bytes were not read: CONTENT_UNVERIFIED, content null', async () => {
    const { content: _content, ...withoutContent } = event;
    const out = await verifyImage(withoutContent, deps);
    expect({
      verdict: out.verdict,
      codes: out.anomalies.map((a) => a.code),
      content: written(s3).content,
    }).toEqual({
      verdict: 'WARN',
      codes: ['CONTENT_UNVERIFIED'],
      content: null,
    });
  });

  it('never passes an image the content check could not finish before its deadline', async () => {
    const late = {
      ...INSPECTED,
      complete: false,
      indexKey: null,
      content: { ...INSPECTED.content, bytesRead: 2 * GiB, complete: false },
    };
    const out = await verifyImage({ ...event, content: late }, deps);
    expect({
      verdict: out.verdict,
      codes: out.anomalies.map((a) => a.code),
      evidence: out.anomalies[0]?.evidence,
      stored: written(s3).content && {
        complete: written(s3).content?.complete,
        sha256: written(s3).content?.sha256,
      },
    }).toEqual({
      verdict: 'WARN',
      codes: ['CONTENT_UNVERIFIED'],
      evidence: { bytesRead: 2 * GiB, sizeBytes: 6 * GiB, seconds: 41.5 },
      stored: { complete: false, sha256: null },
    });
  });

  it('rejects an event with a negative size, naming the field and the host, before any S3 call', async () => {
    await expect(verifyImage({ ...event, sizeBytes: -1 }, deps)).rejects.toThrow(
      /^verify input \(host lpar01\) is invalid: sizeBytes: /,
    );
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('refuses a key that is not the one its host, kind and date name', async () => {
    await expect(
      verifyImage({ ...event, key: 'images/lpar01/lpar01_mksysb_2026-11-16' }, deps),
    ).rejects.toThrow(
      `verify input for lpar01: key images/lpar01/lpar01_mksysb_2026-11-16 does not match its host, kind and date (${KEY})`,
    );
  });

  it('names host and key when the image is not in the store (404), and writes no record', async () => {
    s3.on(HeadObjectCommand).rejects(notFound());
    await expect(verifyImage(event, deps)).rejects.toMatchObject({
      name: 'StoreNotFound',
      message: `finding the image for host lpar01 (${KEY}) failed: the object does not exist (NotFound)`,
    });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('reports throttling while listing the history as retryable, naming host and prefix', async () => {
    s3.on(ListObjectsV2Command).rejects(throttling());
    await expect(verifyImage(event, deps)).rejects.toMatchObject({
      name: 'StoreThrottled',
      message:
        'S3 throttled listing objects for host lpar01 (images/lpar01/): ThrottlingException; the step is safe to retry',
    });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('fails on a sidecar it may not read instead of judging without it', async () => {
    s3.on(GetObjectCommand, { Key: `${KEY}.lsmksysb` }).rejects(accessDenied());
    await expect(verifyImage(event, deps)).rejects.toThrow(
      `reading the lsmksysb sidecar for host lpar01 (${KEY}.lsmksysb) failed: access denied (AccessDenied)`,
    );
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it("puts the image in its host's catalog index after its record, and a failed index update fails nothing", async () => {
    const warnings: string[] = [];
    const index = catalogIndexKey(event.host);
    s3.on(PutObjectCommand, { Key: index }).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDenied' }),
    );
    const out = await verifyImage(event, { ...deps, warn: (m) => warnings.push(m) });
    expect(out.verdict).toBe('PASS');
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      `${KEY}.record.json`,
      index,
    ]);
    expect(warnings).toEqual([
      expect.stringContaining(`the catalog index of ${event.host} (${index}) was not updated with ${KEY}`),
    ]);
    expect(warnings[0]).toContain(`"mksysb-vault catalog rebuild --host ${event.host}" repairs the index`);
  });

  it('sees an earlier PASS image its catalog index lacks: compares with it and puts it in the index', async () => {
    // The index knows the image of 11-09 only: the verify of 11-16 stopped before its index update.
    const [older, lacking] = EARLIER as [ImageRecord, ImageRecord];
    objects[catalogIndexKey(event.host)] = renderCatalogIndex(rebuildIndex(event.host, [older]));
    try {
      const out = await verifyImage(event, deps);
      expect(out.verdict).toBe('PASS');
      const record = written(s3);
      expect(record.changes?.comparedWith.key).toBe(lacking.key);
      // The index's entry stands for the older image: its record is not read.
      expect(s3.commandCalls(GetObjectCommand, { Key: `${older.key}.record.json` })).toHaveLength(0);
      const index = s3.commandCalls(PutObjectCommand, { Key: catalogIndexKey(event.host) })[0]?.args[0].input;
      expect((JSON.parse(String(index?.Body)) as CatalogIndex).entries.map((e) => e.key).sort()).toEqual(
        [older.key, lacking.key, KEY].sort(),
      );
    } finally {
      delete objects[catalogIndexKey(event.host)];
    }
  });

  it('names the record key when the record cannot be written', async () => {
    s3.on(PutObjectCommand).rejects(accessDenied());
    await expect(verifyImage(event, deps)).rejects.toThrow(
      `writing the record for host lpar01 (${KEY}.record.json) failed: access denied`,
    );
  });
});
