// complete-upload: turns the parts the transfer step PUT into the image, and proves it is the image
// the host made: every part reported, the object's size equal to the host's, and (where S3's ETags
// are MD5s, i.e. not SSE-KMS) each part's ETag equal to the MD5 the host computed and the multipart
// ETag equal to md5(part MD5s)-N. An image that fails is moved to quarantine/, an upload that cannot
// be completed as planned is aborted, and the step fails saying why. The `abort` action is what the
// workflow's Catch calls after a failed transfer (a missing part or transfer report: the parts that
// did arrive stay until then, so nothing is thrown away before the workflow decides).
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { readText } from '../adapters/catalog.js';
import { kindOf, type StoreContext, storeCall } from '../adapters/store-error.js';
import {
  describeNumbers,
  missingParts,
  multipartEtag,
  parseTransferReport,
  type ReportedPart,
} from '../adapters/transfer-report.js';
import { parseWith } from '../adapters/validation.js';
import { parseImageKey, quarantineKey, transferReportKey } from '../core/catalog-keys.js';
import {
  type AbortAction,
  type CompleteAction,
  CompleteUploadInputSchema,
  type CompleteUploadOutput,
  CompleteUploadOutputSchema,
} from './schema.js';

export interface CompleteUploadDeps {
  readonly s3: S3Client;
  readonly bucket: string;
}

/** The transfer did not deliver every part: the upload cannot be completed (the workflow aborts it). */
export class TransferIncompleteError extends Error {
  override name = 'TransferIncomplete';
}

/** The completed object is not the image the host made: it is in quarantine/ now. */
export class UploadMismatchError extends Error {
  override name = 'UploadMismatch';
}

export async function completeUpload(
  event: unknown,
  deps: CompleteUploadDeps,
): Promise<CompleteUploadOutput> {
  const input = parseWith(CompleteUploadInputSchema, event, 'complete-upload input');
  const output = input.action === 'abort' ? await abort(input, deps) : await complete(input, deps);
  return parseWith(CompleteUploadOutputSchema, output, 'complete-upload output');
}

async function abort(input: AbortAction, deps: CompleteUploadDeps): Promise<CompleteUploadOutput> {
  try {
    await deps.s3.send(
      new AbortMultipartUploadCommand({ Bucket: deps.bucket, Key: input.key, UploadId: input.uploadId }),
    );
    return { action: 'abort', key: input.key, aborted: true };
  } catch (error) {
    // Aborting twice, or after the lifecycle rule did, is not a failure: the upload is gone either way.
    if (kindOf(error) === 'no-such-upload') return { action: 'abort', key: input.key, aborted: false };
    return storeCall({ action: 'aborting the multipart upload', key: input.key, host: input.host }, () =>
      Promise.reject(error),
    );
  }
}

interface ManifestHeader {
  readonly key: string;
  readonly sizeBytes: number;
  readonly partCount: number;
}

/** Only the manifest's header is read (a ranged GET): the part lines are the transfer step's business. */
async function readManifestHeader(input: CompleteAction, deps: CompleteUploadDeps): Promise<ManifestHeader> {
  const context = { action: 'reading the upload manifest', key: input.manifestKey, host: input.host };
  const object = await storeCall(context, () =>
    deps.s3.send(
      new GetObjectCommand({ Bucket: deps.bucket, Key: input.manifestKey, Range: 'bytes=0-4095' }),
    ),
  );
  const text = (await object.Body?.transformToString('utf8')) ?? '';
  const m = /^# key=(\S+) size=(\d+) parts=(\d+) /m.exec(text);
  if (!m) throw new Error(`${input.manifestKey} (host ${input.host}) has no manifest header line`);
  if (m[1] !== input.key)
    throw new Error(
      `${input.manifestKey} (host ${input.host}) is the manifest of ${m[1]}, not of ${input.key}`,
    );
  return { key: m[1], sizeBytes: Number(m[2]), partCount: Number(m[3]) };
}

async function complete(input: CompleteAction, deps: CompleteUploadDeps): Promise<CompleteUploadOutput> {
  const ctx = (action: string, key = input.key): StoreContext => ({ action, key, host: input.host });
  const image = parseImageKey(input.key);
  if (!image || image.host !== input.host)
    throw new Error(`${input.key} is not an image key of host ${input.host}`);
  const manifest = await readManifestHeader(input, deps);
  if (manifest.sizeBytes !== input.sizeBytes)
    throw new UploadMismatchError(
      `${input.host}: ${input.key} was planned for ${manifest.sizeBytes} bytes but the host reports ${input.sizeBytes}: the image changed after prepare-upload; ${await abortAfterMismatch(input, deps)}`,
    );

  const reportKey = transferReportKey(input.runId, input.host, image.name);
  const reportText = await readText({ client: deps.s3, bucket: deps.bucket }, reportKey, {
    action: 'reading the transfer report',
    host: input.host,
    optional: true,
  });
  if (reportText === null)
    throw new TransferIncompleteError(
      `${input.host}: no transfer report at ${reportKey}: the transfer of ${input.key} did not finish`,
    );
  const parts = parseTransferReport(reportText, reportKey);
  const missing = missingParts(parts, manifest.partCount);
  const extra = parts.filter((p) => p.partNumber > manifest.partCount).map((p) => p.partNumber);
  if (missing.length > 0 || extra.length > 0)
    throw new TransferIncompleteError(
      `${input.host}: ${input.key}: the transfer report has ${parts.length} of ${manifest.partCount} parts` +
        (missing.length > 0 ? `; missing part(s) ${describeNumbers(missing)}` : '') +
        (extra.length > 0 ? `; unplanned part(s) ${describeNumbers(extra)}` : ''),
    );

  try {
    await deps.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: deps.bucket,
        Key: input.key,
        UploadId: input.uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag}"` })) },
      }),
    );
  } catch (error) {
    // A retry after a completion whose answer was lost finds no upload: the object then speaks for itself.
    if (kindOf(error) !== 'no-such-upload') {
      const name = (error as { name?: string }).name;
      if (name === 'InvalidPart' || name === 'InvalidPartOrder' || name === 'EntityTooSmall')
        throw new UploadMismatchError(
          `${input.host}: S3 refused to complete ${input.key} (${name}): the reported part ETags do not match the parts S3 holds; ${await abortAfterMismatch(input, deps)}`,
          { cause: error },
        );
      await storeCall(ctx('completing the multipart upload'), () => Promise.reject(error));
    }
  }

  const head = await storeCall(ctx('checking the completed image'), () =>
    deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: input.key })),
  );
  const size = head.ContentLength ?? -1;
  const etag = (head.ETag ?? '').replace(/"/g, '').toLowerCase();
  const kms = head.ServerSideEncryption === 'aws:kms' || head.ServerSideEncryption === 'aws:kms:dsse';
  const judged = judgeUpload({ size, etag, kms }, input.sizeBytes, parts);
  if (judged.problems.length > 0) {
    const moved = await quarantine(input, deps, size);
    throw new UploadMismatchError(
      `${input.host}: ${input.key} failed its upload checks and was moved to ${moved}: ${judged.problems.join('; ')}`,
    );
  }
  return {
    action: 'complete',
    key: input.key,
    sizeBytes: size,
    etag,
    partCount: parts.length,
    checks: { size: 'ok', partEtags: judged.partEtags, multipartEtag: judged.multipartEtag },
  };
}

type Check = 'ok' | 'skipped-sse-kms' | 'not-multipart-form';

/** The checks on the completed object, as problems with the numbers in them. Pure. */
export function judgeUpload(
  object: { size: number; etag: string; kms: boolean },
  reportedSize: number,
  parts: readonly ReportedPart[],
): { problems: string[]; partEtags: Check; multipartEtag: Check } {
  const problems: string[] = [];
  if (object.size !== reportedSize)
    problems.push(
      `size ${object.size} bytes in S3, ${reportedSize} reported by the host (${object.size - reportedSize} bytes)`,
    );
  // Under SSE-KMS, S3's ETags are not MD5s; S3 itself checked each part's Content-MD5 on arrival.
  if (object.kms) return { problems, partEtags: 'skipped-sse-kms', multipartEtag: 'skipped-sse-kms' };
  const wrong = parts.filter((p) => p.etag !== p.md5).map((p) => p.partNumber);
  if (wrong.length > 0)
    problems.push(
      `part(s) ${describeNumbers(wrong)} have an ETag that is not the MD5 the host computed: the bytes changed in transit`,
    );
  const expected = multipartEtag(parts.map((p) => p.md5));
  // S3 always gives a multipart object an `<md5>-<parts>` ETag; an emulator may give the whole object's MD5.
  if (!/-\d+$/.test(object.etag)) return { problems, partEtags: 'ok', multipartEtag: 'not-multipart-form' };
  if (object.etag !== expected)
    problems.push(`multipart ETag ${object.etag}, expected ${expected} from the host's part MD5s`);
  return { problems, partEtags: 'ok', multipartEtag: 'ok' };
}

/** Aborts an upload that can never become the host's image; says what happened, for the error. */
async function abortAfterMismatch(input: CompleteAction, deps: CompleteUploadDeps): Promise<string> {
  try {
    await deps.s3.send(
      new AbortMultipartUploadCommand({ Bucket: deps.bucket, Key: input.key, UploadId: input.uploadId }),
    );
    return `upload ${input.uploadId} aborted`;
  } catch (error) {
    if (kindOf(error) === 'no-such-upload') return `upload ${input.uploadId} was already gone`;
    const name = (error as { name?: string }).name ?? 'Error';
    return `aborting upload ${input.uploadId} failed too (${name}): the bucket's lifecycle rule removes it`;
  }
}

const COPY_LIMIT = 5 * 1024 ** 3;
const COPY_PART = 512 * 1024 ** 2;

/** Moves the bad image to quarantine/: copy, then delete the image key. Nothing else is touched. */
async function quarantine(input: CompleteAction, deps: CompleteUploadDeps, size: number): Promise<string> {
  const target = quarantineKey(input.key);
  const source = `${deps.bucket}/${input.key.split('/').map(encodeURIComponent).join('/')}`;
  const ctx = (action: string) => ({ action, key: input.key, host: input.host });
  if (size <= COPY_LIMIT) {
    await storeCall(ctx(`copying the image to ${target}`), () =>
      deps.s3.send(new CopyObjectCommand({ Bucket: deps.bucket, Key: target, CopySource: source })),
    );
  } else {
    // CopyObject stops at 5 GB: larger images are copied part by part.
    await storeCall(ctx(`copying the image to ${target} in parts`), async () => {
      const created = await deps.s3.send(
        new CreateMultipartUploadCommand({ Bucket: deps.bucket, Key: target }),
      );
      const parts = [];
      const partSize = Math.max(COPY_PART, Math.ceil(size / 10_000));
      for (let n = 1, offset = 0; offset < size; n += 1, offset += partSize) {
        const end = Math.min(size, offset + partSize) - 1;
        const copied = await deps.s3.send(
          new UploadPartCopyCommand({
            Bucket: deps.bucket,
            Key: target,
            UploadId: created.UploadId,
            PartNumber: n,
            CopySource: source,
            CopySourceRange: `bytes=${offset}-${end}`,
          }),
        );
        parts.push({ PartNumber: n, ETag: copied.CopyPartResult?.ETag });
      }
      await deps.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: deps.bucket,
          Key: target,
          UploadId: created.UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    });
  }
  await storeCall(ctx('removing the failed image'), () =>
    deps.s3.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: input.key })),
  );
  return target;
}
