// prepare-upload with a mocked S3: what it asks S3 for, and the errors it raises when S3 says no.
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { renderImageRecord } from '../../../lambdas/core/image-record.js';
import { parseManifest } from '../../../lambdas/core/upload-manifest.js';
import { prepareUpload } from '../../../lambdas/prepare-upload/prepare-upload.js';
import { makeRecord } from '../../support/local-store.js';
import { accessDenied, body, mockedS3, noSuchKey, type S3Mock, slowDown } from '../s3-mock.js';

const MiB = 1024 * 1024;
const KEY = 'images/lpar01/lpar01_mksysb_2026-11-23';
const MANIFEST = 'uploads/run-2026-11-23/lpar01/lpar01_mksysb_2026-11-23.manifest';
const event = {
  runId: 'run-2026-11-23',
  host: 'lpar01',
  kind: 'mksysb',
  date: '2026-11-23T02:00:00Z',
  sizeBytes: 20 * MiB,
  sha256: 'A'.repeat(64),
  osLevel: '7300-02-01-2346',
};

let s3: S3Mock;
let deps: Parameters<typeof prepareUpload>[1];
beforeEach(() => {
  const mocked = mockedS3();
  s3 = mocked.s3;
  deps = {
    s3: mocked.client,
    presignClient: mocked.client,
    bucket: 'vault',
    partSizeBytes: 8 * MiB,
    urlExpirySeconds: 3600,
    now: () => new Date('2026-11-23T02:10:00Z'),
  };
  s3.on(GetObjectCommand).rejects(noSuchKey());
  s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
  s3.on(PutObjectCommand).resolves({});
  s3.on(AbortMultipartUploadCommand).resolves({});
});

describe('prepare-upload', () => {
  it('creates the upload with the image metadata and writes a manifest of one URL per part', async () => {
    const out = await prepareUpload(event, deps);
    const written = s3
      .commandCalls(PutObjectCommand)
      .map((c) => c.args[0].input)
      .find((i) => i.Key === MANIFEST);
    const manifest = parseManifest(String(written?.Body), MANIFEST);
    expect(s3).toHaveReceivedCommandWith(CreateMultipartUploadCommand, {
      Bucket: 'vault',
      Key: KEY,
      Metadata: {
        host: 'lpar01',
        date: '2026-11-23T02:00:00Z',
        sha256: 'a'.repeat(64),
        oslevel: '7300-02-01-2346',
        runid: 'run-2026-11-23',
      },
    });
    expect({
      out: { ...out, manifestUrl: out.manifestUrl.split('?')[0] },
      manifestKey: written?.Key,
      parts: manifest.parts.map((p) => [p.partNumber, p.offset, p.length]),
      partUrlsSigned: manifest.parts.every((p) => /partNumber=\d+&uploadId=up-1/.test(p.url)),
      urlExpiry: manifest.parts.every((p) => p.url.includes('X-Amz-Expires=3600')),
    }).toEqual({
      out: {
        key: KEY,
        uploadId: 'up-1',
        manifestKey: MANIFEST,
        manifestUrl: `https://vault.s3.eu-west-1.amazonaws.com/${MANIFEST}`,
        partCount: 3,
        partSize: 8 * MiB,
        resumedParts: 0,
      },
      manifestKey: MANIFEST,
      parts: [
        [1, 0, 8 * MiB],
        [2, 8 * MiB, 8 * MiB],
        [3, 16 * MiB, 4 * MiB],
      ],
      partUrlsSigned: true,
      urlExpiry: true,
    });
  });

  it('rejects an event with a bad SHA-256, naming the field and the host, before any S3 call', async () => {
    await expect(prepareUpload({ ...event, sha256: 'xyz' }, deps)).rejects.toThrow(
      'prepare-upload input (host lpar01) is invalid: sha256: not a SHA-256 (64 hex digits)',
    );
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('rejects a host name that could leave its prefix, naming the field', async () => {
    await expect(prepareUpload({ ...event, host: '../lpar02' }, deps)).rejects.toThrow(
      /prepare-upload input \(host \.\.\/lpar02\) is invalid: host: not an AIX host name/,
    );
  });

  it('reports S3 throttling on create as a retryable StoreThrottled naming host and key', async () => {
    s3.on(CreateMultipartUploadCommand).rejects(slowDown());
    await expect(prepareUpload(event, deps)).rejects.toMatchObject({
      name: 'StoreThrottled',
      message: `S3 throttled creating the multipart upload for host lpar01 (${KEY}): SlowDown; the step is safe to retry`,
    });
  });

  it('aborts the new upload when the manifest cannot be written, naming the manifest key', async () => {
    s3.on(PutObjectCommand).rejects(accessDenied());
    await expect(prepareUpload(event, deps)).rejects.toMatchObject({
      name: 'StoreAccessDenied',
      message: expect.stringContaining(
        `writing the upload manifest for host lpar01 (${MANIFEST}) failed: access denied (AccessDenied)`,
      ),
    });
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Key: KEY, UploadId: 'up-1' });
  });

  it('refuses a day that already has a verified image and creates no upload', async () => {
    const record = makeRecord({ host: 'lpar01', date: '2026-11-23T02:00:00.000Z', verdict: 'WARN' });
    s3.on(GetObjectCommand, { Key: `${KEY}.record.json` }).resolves({
      Body: body(renderImageRecord(record)),
    });
    await expect(prepareUpload(event, deps)).rejects.toMatchObject({
      name: 'ImageExists',
      message: expect.stringContaining(`host lpar01 already has a WARN image ${KEY}`),
    });
    expect(s3).not.toHaveReceivedCommand(CreateMultipartUploadCommand);
  });

  it('lets a same-day re-run replace an image that FAILed', async () => {
    const record = makeRecord({ host: 'lpar01', date: '2026-11-23T02:00:00.000Z', verdict: 'FAIL' });
    s3.on(GetObjectCommand, { Key: `${KEY}.record.json` }).resolves({
      Body: body(renderImageRecord(record)),
    });
    await expect(prepareUpload(event, deps)).resolves.toMatchObject({ key: KEY });
  });

  it('refuses when the record of that day cannot be read: never taken for "no image"', async () => {
    s3.on(GetObjectCommand, { Key: `${KEY}.record.json` }).resolves({ Body: body('{"not": "a record"}') });
    await expect(prepareUpload(event, deps)).rejects.toMatchObject({
      name: 'ImageExists',
      message: expect.stringContaining('an image whose record cannot be read'),
    });
  });

  it('fails with access denied, naming the record key, when it cannot check for an earlier image', async () => {
    s3.on(GetObjectCommand).rejects(accessDenied());
    await expect(prepareUpload(event, deps)).rejects.toThrow(
      `checking for an earlier image of the same day for host lpar01 (${KEY}.record.json) failed: access denied`,
    );
  });

  it('records the open upload beside the run, by image, for a retry to resume', async () => {
    await prepareUpload(event, deps);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Key: RESUME,
      Body: expect.stringContaining('"uploadId":"up-1"'),
    });
  });

  it('resumes the open upload of the same image: the parts S3 holds go on the manifest with their ETags', async () => {
    s3.on(GetObjectCommand, { Key: RESUME }).resolves({ Body: body(openRecord()) });
    s3.on(ListPartsCommand).resolves({
      Parts: [
        { PartNumber: 1, ETag: `"${'1'.repeat(32)}"`, Size: 8 * MiB },
        // cut short (the transfer died mid-part): sent again
        { PartNumber: 2, ETag: `"${'2'.repeat(32)}"`, Size: 1000 },
      ],
    });
    const out = await prepareUpload(event, deps);
    const manifest = parseManifest(
      String(
        s3
          .commandCalls(PutObjectCommand)
          .map((c) => c.args[0].input)
          .find((i) => i.Key === MANIFEST)?.Body,
      ),
    );
    expect(s3).not.toHaveReceivedCommand(CreateMultipartUploadCommand);
    expect(s3).toHaveReceivedCommandWith(ListPartsCommand, { Key: KEY, UploadId: 'up-0' });
    expect(out).toMatchObject({ uploadId: 'up-0', resumedParts: 1 });
    expect(manifest.parts.map((p) => p.stored ?? null)).toEqual([
      { etag: '1'.repeat(32), isMd5: true },
      null,
      null,
    ]);
  });

  it('reads every page of the parts S3 holds, and stops at the page that says it is the last', async () => {
    s3.on(GetObjectCommand, { Key: RESUME }).resolves({ Body: body(openRecord()) });
    s3.on(ListPartsCommand)
      .resolvesOnce({
        Parts: [{ PartNumber: 1, ETag: `"${'1'.repeat(32)}"`, Size: 8 * MiB }],
        IsTruncated: true,
        NextPartNumberMarker: '1',
      })
      // The last page still names a marker, as S3 may: no third request follows.
      .resolvesOnce({
        Parts: [{ PartNumber: 2, ETag: `"${'2'.repeat(32)}"`, Size: 8 * MiB }],
        IsTruncated: false,
        NextPartNumberMarker: '2',
      })
      .rejects(new Error('a page after the last one was asked for'));
    const out = await prepareUpload(event, deps);
    expect(out).toMatchObject({ uploadId: 'up-0', resumedParts: 2 });
    expect(s3).toHaveReceivedCommandTimes(ListPartsCommand, 2);
  });

  it('starts a new upload when the open one is of another image (SHA-256) or S3 no longer has it', async () => {
    s3.on(GetObjectCommand, { Key: RESUME }).resolves({ Body: body(openRecord({ sha256: 'b'.repeat(64) })) });
    await expect(prepareUpload(event, deps)).resolves.toMatchObject({ uploadId: 'up-1', resumedParts: 0 });
    s3.on(GetObjectCommand, { Key: RESUME }).resolves({ Body: body(openRecord()) });
    s3.on(ListPartsCommand).rejects(Object.assign(new Error('gone'), { name: 'NoSuchUpload' }));
    await expect(prepareUpload(event, deps)).resolves.toMatchObject({ uploadId: 'up-1', resumedParts: 0 });
  });

  it('signs each sidecar URL to write once: If-None-Match for a new key, If-Match on the ETag of one there', async () => {
    s3.on(HeadObjectCommand, { Key: `${KEY}.log` }).resolves({ ETag: `"${'c'.repeat(32)}"` });
    await prepareUpload(event, deps);
    const manifest = parseManifest(
      String(
        s3
          .commandCalls(PutObjectCommand)
          .map((c) => c.args[0].input)
          .find((i) => i.Key === MANIFEST)?.Body,
      ),
    );
    const signed = (url: string) => new URL(url).searchParams.get('X-Amz-SignedHeaders');
    expect(manifest.sidecars.map((c) => [c.name, c.condition, signed(c.url)])).toEqual([
      ['log', `if-match=${'c'.repeat(32)}`, 'host;if-match'],
      ['lsmksysb', 'if-none-match=*', 'host;if-none-match'],
      ['filesets', 'if-none-match=*', 'host;if-none-match'],
      ['toc', 'if-none-match=*', 'host;if-none-match'],
      ['transfer-report', 'if-none-match=*', 'host;if-none-match'],
    ]);
  });

  it('gives the manifest a GET URL that dies within 15 minutes, however long the part URLs live', async () => {
    const out = await prepareUpload(event, { ...deps, urlExpirySeconds: 21_600 });
    expect(new URL(out.manifestUrl).searchParams.get('X-Amz-Expires')).toBe('900');
  });
});

const RESUME = 'uploads/resume/lpar01/lpar01_mksysb_2026-11-23.json';
function openRecord(change: Record<string, unknown> = {}): string {
  return JSON.stringify({
    key: KEY,
    uploadId: 'up-0',
    sha256: 'a'.repeat(64),
    sizeBytes: 20 * MiB,
    partSize: 8 * MiB,
    etagsAreMd5: true,
    createdAt: '2026-11-23T02:05:00Z',
    ...change,
  });
}
