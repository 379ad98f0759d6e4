// One writer per host-day. A host's run claims `locks/<host>/<day>.json` before its preflight, with
// S3's conditional write (If-None-Match: *), and gives it up when the host's run ends. A second run of
// the same host and day (the weekly run and a `run-now --attempt 2` overlapping) finds the claim and is
// refused before it can start a mksysb that overwrites the staging copy the first run is still
// uploading. A claim whose run died is taken over once it expires (If-Match on the expired claim's
// ETag, so two runs cannot both take it). The same run claiming again (a retried Lambda) is a no-op.
// A day whose image is already verified is not redone at all (ImageExists); a day whose image FAILed
// can be, the same day: that is how an operator answers a TINY_IMAGE.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { dayOf, hostClaimKey, recordKey } from '../core/catalog-keys.js';
import { parseImageRecord } from '../core/image-record.js';
import { readText, type StoreLocation } from './catalog.js';
import { storeCall } from './store-error.js';

export const HostClaimSchema = z.object({
  host: z.string(),
  day: z.string(),
  runId: z.string(),
  claimedAt: z.string(),
  expiresAt: z.string(),
});
export type HostClaim = z.infer<typeof HostClaimSchema>;

/** Another run holds the host-day: this run must not touch the host's staging directory or its images. */
export class HostBusyError extends Error {
  override name = 'HostBusy';
}

export interface ClaimRequest {
  readonly host: string;
  /** The run's date (ISO); the claim is for its UTC day, the day in the image keys. */
  readonly date: string;
  readonly runId: string;
  readonly now: Date;
  /** How long the claim holds if the run dies without giving it up: the host run's longest honest duration. */
  readonly ttlSeconds: number;
}

const status = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

function claimBody(request: ClaimRequest): string {
  const claim: HostClaim = {
    host: request.host,
    day: dayOf(request.date),
    runId: request.runId,
    claimedAt: request.now.toISOString(),
    expiresAt: new Date(request.now.getTime() + request.ttlSeconds * 1000).toISOString(),
  };
  return `${JSON.stringify(claim)}\n`;
}

async function readClaim(
  store: StoreLocation,
  key: string,
): Promise<{ claim: HostClaim | null; etag: string } | null> {
  try {
    const got = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    const text = (await got.Body?.transformToString('utf8')) ?? '';
    const parsed = (() => {
      try {
        return HostClaimSchema.safeParse(JSON.parse(text));
      } catch {
        return null;
      }
    })();
    // A claim that cannot be read is treated as expired: it can only have been left by a broken writer.
    return { claim: parsed?.success ? parsed.data : null, etag: got.ETag ?? '' };
  } catch (error) {
    if (status(error) === 404 || (error as Error).name === 'NoSuchKey') return null;
    throw error;
  }
}

/**
 * Claims the host-day for this run, or throws HostBusyError naming the run that holds it and until
 * when. Returns the claim key.
 */
export async function claimHostDay(store: StoreLocation, request: ClaimRequest): Promise<string> {
  const key = hostClaimKey(request.host, request.date);
  const context = { action: 'claiming the host-day', key, host: request.host };
  const put = (condition: { IfNoneMatch: string } | { IfMatch: string }) =>
    store.client.send(
      new PutObjectCommand({
        Bucket: store.bucket,
        Key: key,
        Body: claimBody(request),
        ContentType: 'application/json',
        ...condition,
      }),
    );
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await put({ IfNoneMatch: '*' });
      return key;
    } catch (error) {
      if (status(error) !== 412) return storeCall(context, () => Promise.reject(error));
    }
    const held = await storeCall(context, () => readClaim(store, key));
    if (held === null) continue; // given up between our two calls: try again
    if (held.claim?.runId === request.runId) return key;
    const expired = held.claim === null || Date.parse(held.claim.expiresAt) <= request.now.getTime();
    if (!expired)
      throw new HostBusyError(
        `host ${request.host}: another run (${held.claim?.runId}) has held ${dayOf(request.date)} since ${held.claim?.claimedAt} (until ${held.claim?.expiresAt} at the latest); this run (${request.runId}) did not start, so nothing on the host or in the store was touched`,
      );
    try {
      await put({ IfMatch: held.etag });
      return key;
    } catch (error) {
      if (status(error) !== 412) return storeCall(context, () => Promise.reject(error));
      // Another run took over the expired claim first: look again.
    }
  }
  throw new HostBusyError(
    `host ${request.host}: the claim on ${dayOf(request.date)} kept changing hands; this run (${request.runId}) did not start`,
  );
}

/** Gives up the host-day if this run holds it; a claim held by another run is left alone. */
export async function releaseHostDay(
  store: StoreLocation,
  request: Pick<ClaimRequest, 'host' | 'date' | 'runId'>,
): Promise<boolean> {
  const key = hostClaimKey(request.host, request.date);
  const context = { action: 'giving up the host-day', key, host: request.host };
  const held = await storeCall(context, () => readClaim(store, key));
  if (held === null || held.claim?.runId !== request.runId) return false;
  await storeCall(context, () =>
    store.client.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: key, IfMatch: held.etag })),
  );
  return true;
}

/** The image key already has a verified record: another upload to it would replace a good image. */
export class ImageExistsError extends Error {
  override name = 'ImageExists';
}

/**
 * Throws ImageExistsError when the image `key` has a record that is not a FAIL (a PASS or WARN image,
 * or a record that cannot be read, which is never taken for "no image"). A FAIL image may be redone.
 */
export async function refuseIfVerified(store: StoreLocation, host: string, key: string): Promise<void> {
  const record = recordKey(key);
  const text = await readText(store, record, {
    action: 'checking for an earlier image of the same day',
    host,
    optional: true,
  });
  if (text === null) return;
  const parsed = parseImageRecord(text, record);
  if (parsed.ok && parsed.record.verdict === 'FAIL') return;
  const what = parsed.ok ? `a ${parsed.record.verdict} image` : 'an image whose record cannot be read';
  throw new ImageExistsError(
    `host ${host} already has ${what} ${key} (record ${record}): a second run for the same day would replace it; delete that image with its record first if it must be redone`,
  );
}
