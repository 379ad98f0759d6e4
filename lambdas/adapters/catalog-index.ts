// Reading and changing a host's catalog index (lambdas/core/catalog-index.ts) in S3. Every change is a
// read-modify-write with a conditional PUT: If-None-Match: * when the index does not exist yet,
// If-Match: <ETag> when it does. A 412 (or S3's 409 ConditionalRequestConflict) means another writer
// changed it between our read and our write: read again, apply the change again, a bounded number of
// times. So two writers of the same host never lose each other's entry. The store client adds a
// checksum to every PUT (lambdas/adapters/s3-client.ts), as a bucket under Object Lock requires.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  addMissingEntries,
  type CatalogIndex,
  emptyIndex,
  indexEntryOf,
  parseCatalogIndex,
  type Retirement,
  renderCatalogIndex,
  retiredEntryOf,
  retireRecords,
  upsertEntry,
} from '../core/catalog-index.js';
import { catalogIndexKey } from '../core/catalog-keys.js';
import type { ImageHistoryEntry } from '../core/image-history.js';
import type { ImageRecord } from '../core/image-record.js';
import type { StoreLocation } from './catalog.js';
import { kindOf, storeCall, toStoreError } from './store-error.js';

/** An index that exists and cannot be read, or one that kept changing under us. Names the key. */
export class CatalogIndexError extends Error {
  override name = 'CatalogIndexError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/** What is stored at a host's index key. */
export type StoredIndex =
  | { readonly state: 'absent'; readonly key: string }
  | { readonly state: 'ok'; readonly key: string; readonly index: CatalogIndex; readonly etag: string }
  | { readonly state: 'unreadable'; readonly key: string; readonly problem: string; readonly etag: string };

/** The host's index with its ETag; one that does not parse is returned as a problem naming the key. */
export async function readIndex(store: StoreLocation, host: string): Promise<StoredIndex> {
  const key = catalogIndexKey(host);
  try {
    const got = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    const text = (await got.Body?.transformToString('utf8')) ?? '';
    const etag = got.ETag ?? '';
    const parsed = parseCatalogIndex(text, key);
    return parsed.ok
      ? { state: 'ok', key, index: parsed.index, etag }
      : { state: 'unreadable', key, problem: parsed.problem, etag };
  } catch (error) {
    if (kindOf(error) === 'not-found') return { state: 'absent', key };
    throw toStoreError(error, { action: 'reading the catalog index', key, host });
  }
}

/**
 * A change to an index: given the index as stored (null when there is none, or when it is unreadable
 * and `replaceUnreadable` is set), the index to store. Returning `current` itself (or an equal index)
 * writes nothing. Must be pure: it runs again after each conflict.
 */
export type IndexChange = (current: CatalogIndex | null) => CatalogIndex;

export interface UpdateIndexOptions {
  /** Conflicts retried before giving up (default 8): each lost race means another writer's change landed. */
  readonly attempts?: number;
  /** An index that does not parse is replaced (the rebuild) instead of refused (every other writer). */
  readonly replaceUnreadable?: boolean;
  /**
   * The index as the caller read it a moment ago (readHostCatalog's): the first attempt starts from it
   * instead of reading it again. Safe however stale: its write is conditional on its ETag, so a change
   * another writer made since fails it with a conflict, and the next attempt reads the index afresh.
   */
  readonly read?: StoredIndex;
}

export interface IndexUpdate {
  readonly key: string;
  readonly index: CatalogIndex;
  /** False when the change left the index as it was: nothing was written. */
  readonly written: boolean;
  /** Reads it took: 1 without a conflict. */
  readonly attempts: number;
}

const CONFLICT = new Set([409, 412]);
const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

/** Reads the host's index, applies `change`, writes it back conditionally; on a conflict, again. */
export async function updateIndex(
  store: StoreLocation,
  host: string,
  change: IndexChange,
  options: UpdateIndexOptions = {},
): Promise<IndexUpdate> {
  const attempts = options.attempts ?? 8;
  const key = catalogIndexKey(host);
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const stored =
      attempt === 1 && options.read && options.read.key === key ? options.read : await readIndex(store, host);
    if (stored.state === 'unreadable' && !options.replaceUnreadable)
      throw new CatalogIndexError(
        key,
        `${stored.problem}: the catalog index of ${host} cannot be read, so it was not changed; run "mksysb-vault catalog rebuild --host ${host}" to rebuild it from the records`,
      );
    const current = stored.state === 'ok' ? stored.index : null;
    const next = change(current);
    if (next.host !== host)
      throw new CatalogIndexError(key, `${key}: a change made an index of host ${next.host}, not ${host}`);
    const body = renderCatalogIndex(next);
    if (current !== null && (next === current || body === renderCatalogIndex(current)))
      return { key, index: current, written: false, attempts: attempt };
    const condition = stored.state === 'absent' ? { IfNoneMatch: '*' } : { IfMatch: stored.etag };
    try {
      await store.client.send(
        new PutObjectCommand({
          Bucket: store.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ...condition,
        }),
      );
      return { key, index: next, written: true, attempts: attempt };
    } catch (error) {
      if (!CONFLICT.has(statusOf(error) ?? 0))
        return storeCall({ action: 'writing the catalog index', key, host }, () => Promise.reject(error));
      // Another writer changed the index since we read it: read it again and re-apply the change.
    }
  }
  throw new CatalogIndexError(
    key,
    `${key}: the catalog index of ${host} changed under every one of ${attempts} attempts to update it; nothing was lost, the change was not made (run "mksysb-vault catalog rebuild --host ${host}" to bring it up to date)`,
  );
}

/**
 * Puts a just-written record's entry in its host's index, after the record (the record makes the
 * image; the index only caches it), and the entries of the `known` records and history entries the
 * index lacks: so the next writer repairs an index an earlier writer failed to update. Never throws: a failure is returned as one line naming the key,
 * for the writer to log, and the next writer of the host or `catalog rebuild` repairs the index.
 */
export async function indexRecord(
  store: StoreLocation,
  record: ImageRecord,
  known: {
    readonly records?: readonly ImageRecord[];
    readonly history?: readonly ImageHistoryEntry[];
    /** The host's index as the writer read it (one GET saved; see UpdateIndexOptions.read). */
    readonly index?: StoredIndex;
  } = {},
): Promise<string | null> {
  // What the writer read anyway (earlier records, history entries) fills in entries the index lacks.
  const earlier = [
    ...(known.records ?? []).map(indexEntryOf),
    ...(known.history ?? []).map(retiredEntryOf),
  ].filter((e) => e.key !== record.key);
  try {
    await updateIndex(
      store,
      record.host,
      (current) =>
        upsertEntry(addMissingEntries(current ?? emptyIndex(record.host), earlier), indexEntryOf(record)),
      known.index ? { read: known.index } : {},
    );
    return null;
  } catch (error) {
    return `the catalog index of ${record.host} (${catalogIndexKey(record.host)}) was not updated with ${record.key}: ${(error as Error).message}; its record stands, and the next writer or "mksysb-vault catalog rebuild --host ${record.host}" repairs the index`;
  }
}

/**
 * Marks the images retention deleted as retired in their host's index (retireRecords). Never throws:
 * a failure is returned as one line naming the key; `catalog rebuild` restores the retired entries
 * from the history entries retention wrote first.
 */
export async function retireInIndex(
  store: StoreLocation,
  host: string,
  retirements: readonly Retirement[],
  at: Date,
): Promise<string | null> {
  try {
    await updateIndex(store, host, (current) => retireRecords(current ?? emptyIndex(host), retirements, at));
    return null;
  } catch (error) {
    return `the catalog index of ${host} (${catalogIndexKey(host)}) was not updated with the ${retirements.length} image(s) retention deleted: ${(error as Error).message}; "mksysb-vault catalog rebuild --host ${host}" restores them from history/`;
  }
}
