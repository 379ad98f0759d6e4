// The one place an S3 client is made: every handler, the CLI and the local store use these two
// factories, so what S3 is sent does not depend on who sends it, the SDK version's defaults or the
// AWS_REQUEST_CHECKSUM_CALCULATION variable.
// - Checksums: a bucket under Object Lock refuses a PUT without Content-MD5 or x-amz-checksum-*, so
//   the store client always computes one (CRC32, sent as x-amz-checksum-crc32 with
//   x-amz-sdk-checksum-algorithm). Every body the vault PUTs is a string or a Buffer, which the SDK
//   checksums into a header (a streamed body would go aws-chunked with a trailer, which s3rver cannot
//   read: none is sent). Responses are not checked: images are multipart, with no whole-object checksum.
// - Throttling: S3 answers 503 SlowDown under load. The client retries it (standard mode, jittered
//   exponential back-off) up to STORE_MAX_ATTEMPTS times before the handler sees StoreThrottled, which
//   the workflow then retries in the states that are safe to repeat (lib/constructs/workflow/tasks.ts).
// - Presigning: a presigner must not sign a checksum (it would be the empty body's), so the presign
//   client computes none; the host sends Content-MD5 with every part and sidecar instead.
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** Attempts per S3 call (the first and four retries): brief throttling never reaches the workflow. */
export const STORE_MAX_ATTEMPTS = 5;

/** Where and as whom: empty in a Lambda (its role and region), endpoint and keys for the local store. */
export type StoreClientOptions = Pick<
  S3ClientConfig,
  'endpoint' | 'region' | 'credentials' | 'forcePathStyle' | 'profile' | 'maxAttempts' | 'retryStrategy'
>;

/** The client for every S3 call the vault makes itself: each PUT carries a checksum. */
export function storeClient(options: StoreClientOptions = {}): S3Client {
  return new S3Client({
    maxAttempts: STORE_MAX_ATTEMPTS,
    ...options,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_SUPPORTED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The client that signs URLs for the host's curl: no checksum in the signature (curl sends Content-MD5). */
export function presignClient(options: StoreClientOptions = {}): S3Client {
  return new S3Client({
    ...options,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
