// Where the image commands (`image`, `restore-file`) read an image from: a file on disk or a stored
// object, as one ImageSource (the whole stream, one range, or a range streamed); which stored image
// --host/--date/--kind/--vg name; the vault's TOC index beside it; and an image in an archive storage
// class, which S3 refuses to read until a copy is restored, as one error that says what to do.
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { GetObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { readRanges } from '../../lambdas/adapters/ranged-read.js';
import { type BffEntry, BffReader } from '../../lambdas/core/bff/index.js';
import { parseTocIndex, type TocEntry, type TocIndex } from '../../lambdas/core/bff/toc-index.js';
import { contentIndexKey } from '../../lambdas/core/catalog-keys.js';
import { IMAGE_MISSING } from '../../lambdas/core/host-state.js';
import type { ImageRecord } from '../../lambdas/core/image-record.js';
import { readUserFile, UsageError } from './command.js';
import { readFleetView } from './fleet-view.js';
import type { OpenStore } from './store.js';

/** The bytes of an image in order, from a file or the store, and what is known of it. */
export interface ImageSource {
  /** For people: the file path or `s3://bucket/key`. */
  readonly name: string;
  readonly sizeBytes: number;
  /** Feeds every byte, in order, to `consume`. */
  read(consume: (chunk: Uint8Array) => void): Promise<void>;
  /** Bytes [offset, offset + length). */
  range(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Bytes [offset, offset + length) as they arrive (one GET for a stored image), so a large range is
   * never held whole; throws when fewer bytes than `length` arrive.
   */
  stream(offset: number, length: number): AsyncIterable<Uint8Array>;
}

/** A range of the image came back shorter (or longer) than asked: the image is not what was indexed. */
export class ShortReadError extends Error {
  override name = 'ShortReadError';
}

/** The image is in an archive storage class or tier: GetObject answers InvalidObjectState (HTTP 403). */
export class ColdStorageError extends Error {
  override name = 'ColdStorageError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    /** As S3 names it: GLACIER, DEEP_ARCHIVE, INTELLIGENT_TIERING (null when S3 did not say). */
    readonly storageClass: string | null,
    /** ARCHIVE_ACCESS or DEEP_ARCHIVE_ACCESS for Intelligent-Tiering. */
    readonly accessTier: string | null,
  ) {
    super(coldStorageMessage(bucket, key, storageClass, accessTier));
  }
}

/** What is refused and what to do: restore a copy (the command to run), wait, retry. */
function coldStorageMessage(
  bucket: string,
  key: string,
  storageClass: string | null,
  accessTier: string | null,
): string {
  const tiering = storageClass === 'INTELLIGENT_TIERING' || accessTier !== null;
  const where = tiering
    ? `the ${accessTier === 'DEEP_ARCHIVE_ACCESS' ? 'Deep Archive Access' : 'Archive Access'} tier of S3 Intelligent-Tiering`
    : storageClass === 'DEEP_ARCHIVE'
      ? 'S3 Glacier Deep Archive'
      : storageClass === 'GLACIER'
        ? 'S3 Glacier Flexible Retrieval'
        : `an archive storage class${storageClass ? ` (${storageClass})` : ''}`;
  // Intelligent-Tiering moves a restored object back to its Frequent Access tier for good: a restore
  // request that gives Days is refused there. Glacier classes restore a temporary copy for Days.
  const request = tiering ? `'{}'` : 'Days=1';
  const wait = tiering
    ? accessTier === 'DEEP_ARCHIVE_ACCESS'
      ? 'within 12 hours'
      : '3 to 5 hours'
    : storageClass === 'DEEP_ARCHIVE'
      ? 'within 12 hours (Standard tier)'
      : '3 to 5 hours (Standard tier; Expedited takes minutes at a higher price)';
  return [
    `s3://${bucket}/${key} is in ${where}: S3 refuses to read it (InvalidObjectState) until a copy is restored.`,
    'To read it:',
    `  aws s3api restore-object --bucket ${bucket} --key ${key} --restore-request ${request}`,
    `  then wait (${wait}): "aws s3api head-object --bucket ${bucket} --key ${key}" shows`,
    '  Restore: ongoing-request="false" when it is ready, and run this command again.',
  ].join('\n');
}

/** S3's InvalidObjectState, also when wrapped as the `cause` of another error (StoreError). */
function coldStorageOf(error: unknown): { storageClass: string | null; accessTier: string | null } | null {
  let e = error as { name?: unknown; StorageClass?: unknown; AccessTier?: unknown; cause?: unknown } | null;
  for (let depth = 0; e && depth < 5; depth += 1) {
    if (e.name === 'InvalidObjectState')
      return {
        storageClass: typeof e.StorageClass === 'string' ? e.StorageClass : null,
        accessTier: typeof e.AccessTier === 'string' ? e.AccessTier : null,
      };
    e = e.cause as typeof e;
  }
  return null;
}

/** Runs one read of `key`; InvalidObjectState comes back as a ColdStorageError. */
async function readingStored<T>(store: OpenStore, key: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const cold = coldStorageOf(error);
    if (cold) throw new ColdStorageError(store.bucket, key, cold.storageClass, cold.accessTier);
    throw error;
  }
}

export function fileSource(path: string): ImageSource {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new UsageError(`${path}: not a file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    readUserFile('image', path); // names why (no such file, permission denied)
    throw error;
  }
  return {
    name: path,
    sizeBytes: size,
    read: async (consume) => {
      for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }))
        consume(chunk as Buffer);
    },
    range: async (offset, length) => {
      const fd = openSync(path, 'r');
      try {
        const bytes = new Uint8Array(length);
        let got = 0;
        while (got < length) {
          const n = readSync(fd, bytes, got, length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        return bytes.subarray(0, got);
      } finally {
        closeSync(fd);
      }
    },
    stream: (offset, length) =>
      counted(
        `${path}: bytes ${offset}-${offset + length - 1}`,
        length,
        length === 0 ? [] : createReadStream(path, { start: offset, end: offset + length - 1 }),
      ),
  };
}

export function storeSource(store: OpenStore, record: ImageRecord): ImageSource {
  const source = {
    s3: store.client,
    bucket: store.bucket,
    key: record.key,
    sizeBytes: record.sizeBytes,
    host: record.host,
  };
  const get = (offset: number, length: number) =>
    readingStored(store, record.key, () =>
      store.client.send(
        new GetObjectCommand({
          Bucket: store.bucket,
          Key: record.key,
          Range: `bytes=${offset}-${offset + length - 1}`,
        }),
      ),
    );
  return {
    name: `s3://${store.bucket}/${record.key}`,
    sizeBytes: record.sizeBytes,
    read: async (consume) => {
      const read = await readingStored(store, record.key, () =>
        readRanges(source, consume, {
          rangeBytes: 8 * 1024 * 1024,
          rangesInFlight: 4,
          budgetMs: () => Number.POSITIVE_INFINITY,
        }),
      );
      if (!read.finished) throw new Error(`${source.key}: the read stopped at byte ${read.bytesRead}`);
    },
    range: async (offset, length) => {
      if (length === 0) return new Uint8Array();
      const got = await get(offset, length);
      return (await got.Body?.transformToByteArray()) ?? new Uint8Array();
    },
    stream: (offset, length) => {
      const what = `${record.host}: bytes ${offset}-${offset + length - 1} of ${record.key}`;
      if (length === 0) return counted(what, 0, []);
      return counted(what, length, {
        async *[Symbol.asyncIterator]() {
          yield* bodyOf(await get(offset, length), what);
        },
      });
    },
  };
}

/** The body of a GetObject as the chunks Node receives (a Readable), not one buffer. */
function bodyOf(got: GetObjectCommandOutput, what: string): AsyncIterable<Uint8Array> {
  const body = got.Body as unknown;
  if (body && typeof body === 'object' && Symbol.asyncIterator in body)
    return body as AsyncIterable<Uint8Array>;
  throw new Error(`${what}: the response has no readable body`);
}

/** Passes `chunks` on and fails when they do not add up to `length` bytes. */
async function* counted(
  what: string,
  length: number,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let got = 0;
  for await (const chunk of chunks) {
    got += chunk.length;
    if (got > length) throw new ShortReadError(`${what}: more than the ${length} bytes asked for came back`);
    yield chunk;
  }
  if (got !== length)
    throw new ShortReadError(
      `${what}: ${got} bytes came back, not ${length}: the image is shorter than that`,
    );
}

/** Which stored image: the host's newest of a kind (and VG), or the one of a day. */
export interface ImageSelector {
  /** Checked already (usageHostName). */
  readonly host: string;
  /** YYYY-MM-DD. */
  readonly date?: string | undefined;
  /** @default 'mksysb' */
  readonly kind?: string | undefined;
  readonly vg?: string | undefined;
}

/** The record of the image `selector` names; a UsageError lists what there is. */
export async function findImage(store: OpenStore, selector: ImageSelector): Promise<ImageRecord> {
  const { host, date, vg } = selector;
  const kind = selector.kind ?? 'mksysb';
  const view = (await readFleetView(store, [host]))[0];
  // A record whose image object is gone is no image to read (IMAGE_MISSING): named, never the default.
  const missing = new Set(view?.missingImages ?? []);
  const all = (view?.records ?? []).filter(
    (r) => r.kind === kind && (vg === undefined || r.volumeGroup === vg),
  );
  const series = all.filter((r) => !missing.has(r.key));
  const gone = date ? all.find((r) => r.date.slice(0, 10) === date && missing.has(r.key)) : undefined;
  if (gone)
    throw new UsageError(
      `${IMAGE_MISSING} ${gone.key}: its record is there, the image object is not in ${store.description}${series[0] ? ` (the newest image there is of ${series[0].date.slice(0, 10)})` : ''}`,
    );
  if (series.length === 0) throw new UsageError(`no ${kind} image of "${host}" in ${store.description}`);
  const image = date ? series.find((r) => r.date.slice(0, 10) === date) : series[0];
  if (!image)
    throw new UsageError(
      `${host} has no ${kind} image of ${date} (it has: ${series.map((r) => r.date.slice(0, 10)).join(', ')})`,
    );
  return image;
}

export interface StoredIndex {
  readonly key: string;
  /** Bytes of the gzip'd index as stored: what reading it cost. */
  readonly sizeBytes: number;
  readonly index: TocIndex;
}

/**
 * The vault's index beside a stored image; null when there is none (images checked before it
 * existed). An index that does not parse throws its TocIndexError.
 */
export async function storedIndex(store: OpenStore, record: ImageRecord): Promise<StoredIndex | null> {
  const key = contentIndexKey(record.key);
  let bytes: Uint8Array;
  try {
    bytes = await readingStored(store, key, async () => {
      const got = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
      return (await got.Body?.transformToByteArray()) ?? new Uint8Array();
    });
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return null;
    throw error;
  }
  return { key, sizeBytes: bytes.length, index: parseTocIndex(bytes) };
}

/**
 * Every entry of the image, read from its bytes, and what reading found; stops once `onEntry`
 * returns true (the summary is then null: the archive was not read to its end).
 */
export async function walk(source: ImageSource, onEntry?: (e: BffEntry) => boolean | undefined) {
  const reader = new BffReader();
  const entries: BffEntry[] = [];
  let stop = false;
  const done = Symbol('found');
  try {
    await source.read((chunk) => {
      if (stop) throw done;
      for (const e of reader.push(chunk)) {
        entries.push(e);
        if (onEntry?.(e)) stop = true;
      }
    });
  } catch (error) {
    if (error !== done) throw error;
  }
  return { entries, summary: stop ? null : reader.end() };
}

const TYPE_LETTER: Record<BffEntry['type'], string> = { file: '-', directory: 'd', symlink: 'l', other: '?' };

/** `ls -l`'s mode column: `drwxr-xr-x`. */
export function modeString(entry: Pick<TocEntry, 'type' | 'mode'>): string {
  const bits = entry.mode & 0o777;
  const rwx = ['r', 'w', 'x'];
  let s = TYPE_LETTER[entry.type];
  for (let i = 8; i >= 0; i -= 1) s += bits & (1 << i) ? rwx[(8 - i) % 3] : '-';
  return s;
}
