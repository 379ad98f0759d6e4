// Reading and writing a host's history entries (lambdas/core/image-history.ts): retention writes one
// before it deletes an image, verify reads them with the records for its size baseline.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { ParsedImageKey } from '../core/catalog-keys.js';
import {
  historyKey,
  historyPrefix,
  type ImageHistoryEntry,
  parseHistoryKey,
  parseImageHistoryEntry,
  renderImageHistoryEntry,
} from '../core/image-history.js';
import type { RecordFilter, StoreLocation } from './catalog.js';
import { inBatches, listObjects, readText } from './catalog.js';
import { storeCall } from './store-error.js';

/**
 * Writes the entry once (If-None-Match: *). An entry already there is the same image's, left by a
 * retention run that stopped before its delete finished: it stands, and the delete goes on.
 */
export async function writeHistoryEntry(store: StoreLocation, entry: ImageHistoryEntry): Promise<string> {
  const key = historyKey(entry.key);
  try {
    await store.client.send(
      new PutObjectCommand({
        Bucket: store.bucket,
        Key: key,
        Body: renderImageHistoryEntry(entry),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) return key;
    await storeCall(
      { action: 'writing the history entry (before deleting the image)', key, host: entry.host },
      () => Promise.reject(error),
    );
  }
  return key;
}

export interface HostHistory {
  readonly entries: ImageHistoryEntry[];
  /** Entries that could not be read, each naming its key. */
  readonly problems: string[];
}

/**
 * The host's history entries that match the filter (kind, volume group, before a day), newest first;
 * those of `known` images are listed and not read.
 */
export async function listHostHistory(
  store: StoreLocation,
  host: string,
  filter: RecordFilter = {},
  /** Images whose entries are not read (the catalog index already holds them). */
  known: ReadonlySet<string> = new Set(),
): Promise<HostHistory> {
  const listed = await listObjects(store, historyPrefix(host), host);
  const wanted = listed
    .map((o) => ({ key: o.key, image: parseHistoryKey(o.key) }))
    .filter((o): o is { key: string; image: ParsedImageKey } => o.image !== null && o.image.host === host)
    .filter(({ image }) => !known.has(image.key))
    .filter(
      ({ image }) =>
        (filter.kind === undefined || image.kind === filter.kind) &&
        (filter.volumeGroup === undefined ||
          filter.kind === 'mksysb' ||
          image.volumeGroup === filter.volumeGroup) &&
        (filter.beforeDay === undefined || image.day < filter.beforeDay),
    )
    .sort((a, b) => (a.image.day < b.image.day ? 1 : a.image.day > b.image.day ? -1 : 0))
    .slice(0, filter.newest);
  const entries: ImageHistoryEntry[] = [];
  const problems: string[] = [];
  await inBatches(wanted, 8, async ({ key }) => {
    const text = await readText(store, key, { action: 'reading a history entry', host, optional: true });
    if (text === null) return;
    const parsed = parseImageHistoryEntry(text, key);
    if (parsed.ok) entries.push(parsed.entry);
    else problems.push(parsed.problem);
  });
  entries.sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
  return { entries, problems: problems.sort() };
}
