// inspect-image: what the host says is a claim; what S3 holds is the evidence. It reads the stored
// image once, start to end (ranged GETs in order, lambdas/adapters/ranged-read.ts), feeding every
// byte to the content inspector (lambdas/core/bff/content-check.ts: SHA-256, the BFF archive walked
// to its end record, image.data and the boot files captured), writes the vault's table of contents
// beside the image, and returns a few numbers for verify to judge. Its time grows with the image: an
// image it cannot finish before the Lambda's deadline comes back `complete: false` (verify makes it
// CONTENT_UNVERIFIED), never as checked.
import { createHash } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readRanges } from '../adapters/ranged-read.js';
import { storeCall } from '../adapters/store-error.js';
import { parseWith } from '../adapters/validation.js';
import { ContentInspector } from '../core/bff/content-check.js';
import { contentIndexKey, uploadedImageRef } from '../core/catalog-keys.js';
import {
  type InspectImageInput,
  InspectImageInputSchema,
  type InspectImageOutput,
  InspectImageOutputSchema,
} from './schema.js';

export interface InspectImageDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly now: () => Date;
  /** Milliseconds this invocation has left (the Lambda context's getRemainingTimeInMillis). */
  readonly remainingMs: () => number;
  /** Bytes per ranged GET. @default 8 MiB */
  readonly rangeBytes?: number;
  /** Ranged GETs at once. @default 4 */
  readonly rangesInFlight?: number;
  /** Time kept back from the deadline to finish the walk, write the index and answer. @default 30 s */
  readonly reserveMs?: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_RANGE_BYTES = 8 * MiB;
export const DEFAULT_RANGES_IN_FLIGHT = 4;
export const DEFAULT_RESERVE_MS = 30_000;

export async function inspectImage(event: unknown, deps: InspectImageDeps): Promise<InspectImageOutput> {
  const started = deps.now();
  const input: InspectImageInput = parseWith(InspectImageInputSchema, event, 'inspect-image input');
  const ref = uploadedImageRef(input, 'inspect-image');
  const { key } = ref;

  const head = await storeCall({ action: 'finding the image', key, host: input.host }, () =>
    deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key })),
  );
  const sizeBytes = head.ContentLength ?? 0;
  if (sizeBytes !== input.sizeBytes)
    throw new Error(
      `${input.host}: ${key} is ${sizeBytes} bytes in S3 but ${input.sizeBytes} were uploaded: not inspecting a different object`,
    );

  const inspector = new ContentInspector({ kind: input.kind, volumeGroup: ref.volumeGroup });
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;
  const read = await readRanges(
    {
      s3: deps.s3,
      bucket: deps.bucket,
      key,
      versionId: head.VersionId,
      sizeBytes,
      host: input.host,
    },
    (chunk) => inspector.push(chunk),
    {
      rangeBytes: deps.rangeBytes ?? DEFAULT_RANGE_BYTES,
      rangesInFlight: deps.rangesInFlight ?? DEFAULT_RANGES_IN_FLIGHT,
      budgetMs: () => deps.remainingMs() - reserveMs,
    },
  );

  // A read the deadline cut short still reports what it saw (bytesRead); verify, not this function,
  // says what that means (CONTENT_UNVERIFIED). Its index would be partial: none is written.
  const content = inspector.finish();
  const indexKey = read.finished ? await writeIndex(deps, key, input.host, inspector.renderIndex(key)) : null;
  const finished = deps.now();
  return parseWith(
    InspectImageOutputSchema,
    {
      complete: read.finished,
      sizeBytes,
      content,
      indexKey,
      checkedAt: finished.toISOString(),
      seconds: (finished.getTime() - started.getTime()) / 1000,
    },
    'inspect-image output',
  );
}

/** The gzip'd TOC beside the image, with Content-MD5 (S3 requires it on buckets with Object Lock). */
async function writeIndex(
  deps: InspectImageDeps,
  image: string,
  host: string,
  body: Uint8Array,
): Promise<string> {
  const key = contentIndexKey(image);
  await storeCall({ action: 'writing the content index', key, host }, () =>
    deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/gzip',
        ContentMD5: createHash('md5').update(body).digest('base64'),
      }),
    ),
  );
  return key;
}
