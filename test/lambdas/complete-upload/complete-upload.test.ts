// complete-upload with a mocked S3: completion from the transfer report, the checks on the result,
// and the errors it raises (throttling, a missing manifest or upload, access denied, bad events).
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { multipartEtag } from '../../../lambdas/adapters/transfer-report.js';
import { completeUpload } from '../../../lambdas/complete-upload/complete-upload.js';
import { accessDenied, body, mockedS3, noSuchKey, noSuchUpload, type S3Mock, slowDown } from '../s3-mock.js';

const MiB = 1024 * 1024;
const KEY = 'images/lpar01/lpar01_mksysb_2026-11-23';
const MANIFEST = 'uploads/run-2026-11-23/lpar01/lpar01_mksysb_2026-11-23.manifest';
const REPORT = 'uploads/run-2026-11-23/lpar01/lpar01_mksysb_2026-11-23.parts';
const SIZE = 20 * MiB;
const MD5S = ['1'.repeat(32), '2'.repeat(32), '3'.repeat(32)];
const event = {
  runId: 'run-2026-11-23',
  host: 'lpar01',
  key: KEY,
  uploadId: 'up-1',
  manifestKey: MANIFEST,
  sizeBytes: SIZE,
};
const manifestHeader = (size = SIZE) =>
  `# mksysb-vault upload manifest v1\n# key=${KEY} size=${size} parts=3 partSize=${8 * MiB} expires=2026-11-23T04:00:00Z\n`;
const report = MD5S.map((md5, i) => `part=${i + 1} etag="${md5}" md5=${md5}`).join('\n');

let s3: S3Mock;
let deps: Parameters<typeof completeUpload>[1];
beforeEach(() => {
  const mocked = mockedS3();
  s3 = mocked.s3;
  deps = { s3: mocked.client, bucket: 'vault' };
  s3.on(GetObjectCommand, { Key: MANIFEST }).callsFake(() => ({ Body: body(manifestHeader()) }));
  s3.on(GetObjectCommand, { Key: REPORT }).callsFake(() => ({ Body: body(report) }));
  s3.on(CompleteMultipartUploadCommand).resolves({});
  s3.on(HeadObjectCommand).resolves({ ContentLength: SIZE, ETag: `"${multipartEtag(MD5S)}"` });
  s3.on(AbortMultipartUploadCommand).resolves({});
  s3.on(CopyObjectCommand).resolves({});
  s3.on(DeleteObjectCommand).resolves({});
});

describe('complete-upload', () => {
  it('completes with the reported part ETags and checks size and multipart ETag', async () => {
    const out = await completeUpload(event, deps);
    expect(s3).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, {
      Key: KEY,
      UploadId: 'up-1',
      MultipartUpload: {
        Parts: MD5S.map((md5, i) => ({ PartNumber: i + 1, ETag: `"${md5}"` })),
      },
    });
    expect(out).toEqual({
      action: 'complete',
      key: KEY,
      sizeBytes: SIZE,
      etag: multipartEtag(MD5S),
      partCount: 3,
      checks: { size: 'ok', partEtags: 'ok', multipartEtag: 'ok' },
    });
  });

  it('rejects an event without a manifest key, naming the field and the host', async () => {
    const { manifestKey: _, ...withoutManifest } = event;
    await expect(completeUpload(withoutManifest, deps)).rejects.toThrow(
      /^complete-upload input \(host lpar01\) is invalid: manifestKey: /,
    );
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('names host and manifest key when the manifest does not exist', async () => {
    s3.on(GetObjectCommand, { Key: MANIFEST }).rejects(noSuchKey());
    await expect(completeUpload(event, deps)).rejects.toMatchObject({
      name: 'StoreNotFound',
      message: `reading the upload manifest for host lpar01 (${MANIFEST}) failed: the object does not exist (NoSuchKey)`,
    });
  });

  it('reports throttling on completion as retryable, and quarantines nothing', async () => {
    s3.on(CompleteMultipartUploadCommand).rejects(slowDown());
    await expect(completeUpload(event, deps)).rejects.toMatchObject({
      name: 'StoreThrottled',
      message: `S3 throttled completing the multipart upload for host lpar01 (${KEY}): SlowDown; the step is safe to retry`,
    });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
  });

  it('names host and key when it may not read the completed image', async () => {
    s3.on(HeadObjectCommand).rejects(accessDenied());
    await expect(completeUpload(event, deps)).rejects.toThrow(
      `checking the completed image for host lpar01 (${KEY}) failed: access denied (AccessDenied)`,
    );
  });

  it('accepts a retry whose upload is already complete (NoSuchUpload) when the object checks out', async () => {
    s3.on(CompleteMultipartUploadCommand).rejects(noSuchUpload());
    expect(await completeUpload(event, deps)).toMatchObject({ action: 'complete', sizeBytes: SIZE });
  });

  it('quarantines a completed image of the wrong size and says both sizes', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: SIZE - 512, ETag: `"${multipartEtag(MD5S)}"` });
    await expect(completeUpload(event, deps)).rejects.toMatchObject({
      name: 'UploadMismatch',
      message: expect.stringContaining(
        `moved to quarantine/lpar01/lpar01_mksysb_2026-11-23: size ${SIZE - 512} bytes in S3, ${SIZE} reported by the host`,
      ),
    });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      Key: 'quarantine/lpar01/lpar01_mksysb_2026-11-23',
      CopySource: `vault/${KEY}`,
    });
    expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, { Key: KEY });
  });

  it('aborts the upload when S3 refuses the reported part ETags (InvalidPart)', async () => {
    s3.on(CompleteMultipartUploadCommand).rejects(
      new S3ServiceException({
        name: 'InvalidPart',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'One or more of the specified parts could not be found.',
      }),
    );
    await expect(completeUpload(event, deps)).rejects.toThrow(
      `lpar01: S3 refused to complete ${KEY} (InvalidPart): the reported part ETags do not match the parts S3 holds; upload up-1 aborted`,
    );
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Key: KEY, UploadId: 'up-1' });
  });

  it('aborts the upload when the host reports another size than was planned', async () => {
    s3.on(GetObjectCommand, { Key: MANIFEST }).callsFake(() => ({ Body: body(manifestHeader(SIZE + 1)) }));
    await expect(completeUpload(event, deps)).rejects.toThrow(
      `lpar01: ${KEY} was planned for ${SIZE + 1} bytes but the host reports ${SIZE}: the image changed after prepare-upload; upload up-1 aborted`,
    );
    expect(s3).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
  });

  it('treats aborting an upload that no longer exists as done', async () => {
    s3.on(AbortMultipartUploadCommand).rejects(noSuchUpload());
    expect(
      await completeUpload(
        { action: 'abort', runId: 'run-2026-11-23', host: 'lpar01', key: KEY, uploadId: 'up-1' },
        deps,
      ),
    ).toEqual({ action: 'abort', key: KEY, aborted: false });
  });

  it('names host and key when an abort is denied', async () => {
    s3.on(AbortMultipartUploadCommand).rejects(accessDenied());
    await expect(
      completeUpload(
        { action: 'abort', runId: 'run-2026-11-23', host: 'lpar01', key: KEY, uploadId: 'up-1' },
        deps,
      ),
    ).rejects.toMatchObject({
      name: 'StoreAccessDenied',
      message: expect.stringContaining(
        `aborting the multipart upload for host lpar01 (${KEY}) failed: access denied`,
      ),
    });
  });
});
