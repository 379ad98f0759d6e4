// prepare-upload and complete-upload against the local S3 server, with the transfer step played by
// fetch PUTs through the presigned URLs: the happy path, a size mismatch, a part corrupted in
// transit, a transfer that died (and its abort).
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { completeUpload } from '../../lambdas/complete-upload/complete-upload.js';
import { prepareUpload } from '../../lambdas/prepare-upload/prepare-upload.js';
import type { PrepareUploadOutput } from '../../lambdas/prepare-upload/schema.js';
import { imageBytes, md5Hex, playTransfer, useTestStore } from '../support/local-store.js';

const MiB = 1024 * 1024;
const NOW = new Date('2026-11-23T02:00:00Z');
const local = useTestStore();

function prepare(host: string, sizeBytes: number): Promise<PrepareUploadOutput> {
  return prepareUpload(
    {
      runId: 'run-2026-11-23',
      host,
      kind: 'mksysb',
      volumeGroup: 'rootvg',
      date: NOW.toISOString(),
      sizeBytes,
      sha256: 'b'.repeat(64),
      osLevel: '7300-02-01-2346',
    },
    {
      s3: local.client,
      presignClient: local.client,
      bucket: local.store.bucket,
      partSizeBytes: 8 * MiB,
      urlExpirySeconds: 7200,
      now: () => NOW,
    },
  );
}

const complete = (prepared: PrepareUploadOutput, host: string, sizeBytes: number) =>
  completeUpload(
    {
      runId: 'run-2026-11-23',
      host,
      key: prepared.key,
      uploadId: prepared.uploadId,
      manifestKey: prepared.manifestKey,
      sizeBytes,
    },
    { s3: local.client, bucket: local.store.bucket },
  );

const exists = (key: string) =>
  local.client.send(new HeadObjectCommand({ Bucket: local.store.bucket, Key: key })).then(
    () => true,
    () => false,
  );

describe('a presigned multipart upload', () => {
  it('uploads an image in parts through the presigned URLs and completes it byte for byte', async () => {
    const image = imageBytes(2 * 8 * MiB + 12_345);
    const prepared = await prepare('lpar01', image.length);
    await playTransfer(prepared.manifestUrl, image);
    const done = await complete(prepared, 'lpar01', image.length);
    const stored = await local.client.send(
      new GetObjectCommand({ Bucket: local.store.bucket, Key: prepared.key }),
    );
    const bytes = await stored.Body?.transformToByteArray();
    expect({ partCount: prepared.partCount, size: done.action === 'complete' && done.sizeBytes }).toEqual({
      partCount: 3,
      size: image.length,
    });
    expect(md5Hex(bytes ?? new Uint8Array())).toBe(md5Hex(image));
  });

  it('returns only the small upload handle, never the part URLs', async () => {
    const prepared = await prepare('lpar02', 8 * MiB + 1);
    expect(Object.keys(prepared).sort()).toEqual([
      'key',
      'manifestKey',
      'manifestUrl',
      'partCount',
      'partSize',
      'resumedParts',
      'uploadId',
    ]);
  });

  it('stores the host, date, SHA-256 and OS level as the image metadata', async () => {
    const image = imageBytes(8 * MiB + 10);
    const prepared = await prepare('lpar03', image.length);
    await playTransfer(prepared.manifestUrl, image);
    await complete(prepared, 'lpar03', image.length);
    const head = await local.client.send(
      new HeadObjectCommand({ Bucket: local.store.bucket, Key: prepared.key }),
    );
    expect(head.Metadata).toMatchObject({
      host: 'lpar03',
      date: NOW.toISOString(),
      sha256: 'b'.repeat(64),
      oslevel: '7300-02-01-2346',
    });
  });

  it('quarantines an image whose size is not the size the host reported, naming host and numbers', async () => {
    const image = imageBytes(2 * 8 * MiB + 5000);
    const prepared = await prepare('lpar04', image.length);
    await playTransfer(prepared.manifestUrl, image, { shortenLastPartBy: 1000 });
    await expect(complete(prepared, 'lpar04', image.length)).rejects.toThrow(
      /lpar04: images\/lpar04\/lpar04_mksysb_2026-11-23 failed its upload checks .*size 16781216 bytes in S3, 16782216 reported by the host/,
    );
  });

  it('moves a mismatched image to quarantine/ and leaves nothing under images/', async () => {
    const image = imageBytes(8 * MiB + 5000);
    const prepared = await prepare('lpar05', image.length);
    await playTransfer(prepared.manifestUrl, image, { shortenLastPartBy: 10 });
    await complete(prepared, 'lpar05', image.length).catch(() => undefined);
    expect({
      image: await exists(prepared.key),
      quarantined: await exists('quarantine/lpar05/lpar05_mksysb_2026-11-23'),
    }).toEqual({ image: false, quarantined: true });
  });

  it('quarantines an image with a part whose ETag is not the MD5 the host computed', async () => {
    const image = imageBytes(2 * 8 * MiB + 77);
    const prepared = await prepare('lpar06', image.length);
    await playTransfer(prepared.manifestUrl, image, { misreportPart: 2 });
    await expect(complete(prepared, 'lpar06', image.length)).rejects.toThrow(
      /lpar06: .*part\(s\) 2 have an ETag that is not the MD5 the host computed/,
    );
  });

  it('has a part corrupted in transit refused by the store (400 BadDigest), as S3 does', async () => {
    const image = imageBytes(2 * 8 * MiB + 77);
    const prepared = await prepare('lpar16', image.length);
    await expect(playTransfer(prepared.manifestUrl, image, { corruptPart: 2 })).rejects.toThrow(
      'part 2 PUT answered 400',
    );
  });

  it('refuses to complete a transfer that lacks parts, naming them', async () => {
    const image = imageBytes(3 * 8 * MiB + 1);
    const prepared = await prepare('lpar07', image.length);
    await playTransfer(prepared.manifestUrl, image, { skipParts: [2, 4] });
    await expect(complete(prepared, 'lpar07', image.length)).rejects.toThrow(
      'lpar07: images/lpar07/lpar07_mksysb_2026-11-23: the transfer report has 2 of 4 parts; missing part(s) 2,4',
    );
  });

  it('aborts a failed transfer: its parts are gone and no image exists', async () => {
    const image = imageBytes(2 * 8 * MiB + 1);
    const prepared = await prepare('lpar08', image.length);
    await playTransfer(prepared.manifestUrl, image, { skipParts: [3], report: false });
    const aborted = await completeUpload(
      {
        action: 'abort',
        runId: 'run-2026-11-23',
        host: 'lpar08',
        key: prepared.key,
        uploadId: prepared.uploadId,
      },
      { s3: local.client, bucket: local.store.bucket },
    );
    expect({
      aborted,
      parts: local.store.uploadExists(prepared.uploadId),
      image: await exists(prepared.key),
    }).toEqual({
      aborted: { action: 'abort', key: prepared.key, aborted: true },
      parts: false,
      image: false,
    });
  });

  it('treats aborting an upload that is already gone as done', async () => {
    const prepared = await prepare('lpar09', 8 * MiB);
    const abort = () =>
      completeUpload(
        {
          action: 'abort',
          runId: 'run-2026-11-23',
          host: 'lpar09',
          key: prepared.key,
          uploadId: prepared.uploadId,
        },
        { s3: local.client, bucket: local.store.bucket },
      );
    await abort();
    expect(await abort()).toEqual({ action: 'abort', key: prepared.key, aborted: false });
  });

  it('says the transfer did not finish when there is no transfer report', async () => {
    const prepared = await prepare('lpar10', 8 * MiB);
    await expect(complete(prepared, 'lpar10', 8 * MiB)).rejects.toThrow(
      /lpar10: no transfer report at uploads\/run-2026-11-23\/lpar10\/lpar10_mksysb_2026-11-23\.parts/,
    );
  });
});
