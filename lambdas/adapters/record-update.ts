// The one rewrite an image record ever gets: a change to a field written after verify (a restore
// test appended to `restoreTests`), as a conditional read-modify-write. The record is read with its
// ETag and put back with If-Match; when another writer changed it in between (412), or it is being
// written (409), it is read again and the change made again, so no field is ever lost. A record in
// an older version than the one verify writes is left alone (it is never rewritten): the caller says so.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  type CurrentImageRecord,
  IMAGE_RECORD_SCHEMA_VERSION,
  type ImageRecord,
  parseImageRecord,
  renderImageRecord,
} from '../core/image-record.js';
import type { StoreLocation } from './catalog.js';
import { storeCall } from './store-error.js';

export class RecordUpdateError extends Error {
  override name = 'RecordUpdateError';
}

export type RecordUpdate =
  | { readonly written: true; readonly record: CurrentImageRecord; readonly attempts: number }
  | { readonly written: false; readonly reason: string };

const CONFLICT = new Set([409, 412]);
const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

/** Reads the record at `key`, applies `change`, writes it back only if nobody wrote it meanwhile. */
export async function updateRecord(
  store: StoreLocation,
  key: string,
  host: string,
  change: (record: CurrentImageRecord) => CurrentImageRecord,
  attempts = 6,
): Promise<RecordUpdate> {
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const read = await storeCall({ action: 'reading the record', key, host }, () =>
      store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key })),
    );
    const text = (await read.Body?.transformToString('utf8')) ?? '';
    const parsed = parseImageRecord(text, key);
    if (!parsed.ok) return { written: false, reason: parsed.problem };
    if (parsed.record.schemaVersion !== IMAGE_RECORD_SCHEMA_VERSION)
      return {
        written: false,
        reason: `${key}: a version ${parsed.record.schemaVersion} record, never rewritten`,
      };
    const next = change(parsed.record as ImageRecord as CurrentImageRecord);
    try {
      await store.client.send(
        new PutObjectCommand({
          Bucket: store.bucket,
          Key: key,
          Body: renderImageRecord(next),
          ContentType: 'application/json',
          IfMatch: read.ETag,
        }),
      );
      return { written: true, record: next, attempts: attempt };
    } catch (error) {
      if (!CONFLICT.has(statusOf(error) ?? 0))
        return storeCall({ action: 'writing the record', key, host }, () => Promise.reject(error));
    }
  }
  throw new RecordUpdateError(
    `${key}: the record changed under each of ${attempts} attempts to add the restore test; nothing was lost, the test is not recorded there`,
  );
}
