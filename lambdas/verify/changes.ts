// What changed since the host's previous image of the series — the record's `changes`: the two images'
// content indexes diffed (lambdas/core/image-diff.ts) and their `lsmksysb -L` fileset listings
// compared. It only explains, it never judges: an earlier image without an index, an index missing,
// too large or unreadable, a listing not stored — each leaves its part null and says why in
// `unavailable`, naming the key. Nothing here throws, so no explanation ever fails a verification.
//
// Cost is bounded before any byte is read: sizes come from the host listing verify already made, and
// the entry counts from the records (the content check's own count), so an index over the limits is
// skipped without a GET.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { type ListedObject, readText, type StoreLocation } from '../adapters/catalog.js';
import { storeCall } from '../adapters/store-error.js';
import { formatBytes } from '../core/anomaly.js';
import { parseTocIndex, type TocEntry, TocIndexError } from '../core/bff/toc-index.js';
import { dayOf, sidecarKey } from '../core/catalog-keys.js';
import { diffFilesets, diffTocs, topContributors } from '../core/image-diff.js';
import type { ImageChanges, ImageRecord } from '../core/image-record.js';
import { type Fileset, parseFilesetList } from '../core/lsmksysb.js';
import type { InspectImageOutput } from '../inspect-image/schema.js';

const MiB = 1024 * 1024;

/**
 * The largest content index verify compares, per image, in entries and in gzip'd bytes (~25.6 bytes
 * an entry for rootvg-like paths, toc-index.ts). Measured on two rootvg-like indexes of N entries each
 * (bench/diff.ts's generator, ~1% changed; parse both + diffTocs + topContributors, Node 20, one AMD
 * EPYC core, a process that starts at ~90 MiB RSS): 150,000 → 3.7 MiB each, 1.6 CPU-s, peak RSS 275
 * MiB; 400,000 → 10 MiB, 4.9 CPU-s, 469 MiB; 600,000 → 15 MiB, 7.8 CPU-s, 649 MiB. 600,000 entries is
 * four times a large rootvg and fits verify's 1,024 MB (lib/constructs/workflow/functions.ts); a bigger
 * index (a savevg of a file-server VG) is left to `mksysb-vault diff`. The byte limit catches an
 * index of unusually long paths, whose text (not its entry count) would dominate.
 */
export const MAX_COMPARED_INDEX_ENTRIES = 600_000;
export const MAX_COMPARED_INDEX_BYTES = 16 * MiB;
/** A fileset listing is ~100 bytes a fileset: 8 MiB is 80,000 of them (the CLI's diff reads as much). */
export const MAX_COMPARED_FILESETS_BYTES = 8 * MiB;
/** Contributor lines kept in the record (ImageChangesSchema allows 10). */
const CONTRIBUTORS = 10;

/** The image being verified, as far as comparing it goes. */
export interface ComparedSubject {
  readonly host: string;
  readonly key: string;
  /** What inspect-image read: its index key and entry count; undefined when it never ran. */
  readonly content: InspectImageOutput | undefined;
  /** The OS level the record gets (judgeImage's). */
  readonly osLevel: string | null;
}

/**
 * The earlier image to compare with, from the series' records (newest first): the newest one with a
 * content index among those not FAIL — a FAIL image (truncated, not bootable, another VG) is not what
 * the host holds and never counts in the size baseline, so a change against it explains nothing —
 * else the newest of those (its entries then unavailable, its filesets still compared). Only when
 * every earlier image FAILed is a FAIL one used. Null when there is no earlier image at all.
 */
export function imageToCompareWith<
  I extends { readonly verdict: string; readonly content: { readonly indexKey: string | null } | null },
>(earlier: readonly I[]): I | null {
  const trusted = earlier.filter((r) => r.verdict !== 'FAIL');
  const pool = trusted.length > 0 ? trusted : earlier;
  return pool.find((r) => r.content?.indexKey) ?? pool[0] ?? null;
}

/** One half of the comparison, or why it could not be made. */
type Part<T> = { readonly value: T; readonly why: null } | { readonly value: null; readonly why: string };
const made = <T>(value: T): Part<T> => ({ value, why: null });
const missing = <T>(why: string): Part<T> => ({ value: null, why });

/** The record's `changes`: null only when the series has no earlier image. Never throws. */
export async function compareWithEarlier(
  store: StoreLocation,
  subject: ComparedSubject,
  earlierRecords: readonly ImageRecord[],
  objects: readonly ListedObject[],
): Promise<ImageChanges | null> {
  const earlier = imageToCompareWith(earlierRecords);
  if (earlier === null) return null;
  const sizes = new Map(objects.map((o) => [o.key, o.sizeBytes]));
  const [entries, filesets] = await Promise.all([
    guarded(`comparing the content of ${subject.key} with ${earlier.key}`, () =>
      compareEntries(store, subject, earlier, sizes),
    ),
    guarded(`comparing the filesets of ${subject.key} with ${earlier.key}`, () =>
      compareFilesets(store, subject, earlier, sizes),
    ),
  ]);
  const why = [entries.why, filesets.why].filter((w): w is string => w !== null);
  return {
    comparedWith: { key: earlier.key, date: earlier.date, sizeBytes: earlier.sizeBytes },
    entries: entries.value,
    filesets: filesets.value,
    unavailable: why.length > 0 ? why.join('; ') : null,
  };
}

/** Anything unexpected becomes a reason too: an explanation must never fail a verification. */
async function guarded<T>(what: string, compare: () => Promise<Part<T>>): Promise<Part<T>> {
  try {
    return await compare();
  } catch (error) {
    return missing(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Where one image's index is, how big the content check said it is, or why it has none. */
type IndexRef =
  | { readonly image: string; readonly label: string; readonly key: string; readonly entries: number }
  | { readonly image: string; readonly label: string; readonly key: null; readonly why: string };

function subjectIndex(subject: ComparedSubject): IndexRef {
  const label = 'this image';
  const inspected = subject.content;
  if (inspected === undefined)
    return {
      image: subject.key,
      label,
      key: null,
      why: `the stored bytes of ${subject.key} were never read`,
    };
  if (inspected.indexKey === null)
    return {
      image: subject.key,
      label,
      key: null,
      why: `the content check of ${subject.key} did not read it to the end: it wrote no content index`,
    };
  const index = inspected.content.index;
  if (!index.complete)
    return {
      image: subject.key,
      label,
      key: null,
      why: `the content index ${inspected.indexKey} holds only the first ${index.entries.toLocaleString('en-US')} entries`,
    };
  return { image: subject.key, label, key: inspected.indexKey, entries: index.entries };
}

function earlierIndex(record: ImageRecord): IndexRef {
  const label = `the image of ${dayOf(record.date)}`;
  const content = record.content;
  if (content?.indexKey) return { image: record.key, label, key: content.indexKey, entries: content.entries };
  const why =
    content === null
      ? 'its record predates the content check'
      : !content.complete
        ? 'its content check did not read it to the end'
        : 'its content check wrote none';
  return {
    image: record.key,
    label,
    key: null,
    why: `${label} (${record.key}) has no content index: ${why}`,
  };
}

async function compareEntries(
  store: StoreLocation,
  subject: ComparedSubject,
  earlier: ImageRecord,
  sizes: ReadonlyMap<string, number>,
): Promise<Part<NonNullable<ImageChanges['entries']>>> {
  const [older, newer] = await Promise.all([
    readIndex(store, subject.host, earlierIndex(earlier), sizes),
    readIndex(store, subject.host, subjectIndex(subject), sizes),
  ]);
  if (older.value === null || newer.value === null)
    return missing([older.why, newer.why].filter((w) => w !== null).join('; '));
  // No mount points: the record keeps no per-file-system totals, and the contributors do not use them.
  const diff = diffTocs(older.value, newer.value);
  return made({
    added: diff.added.length,
    removed: diff.removed.length,
    grown: diff.grown.length,
    shrunk: diff.shrunk.length,
    contributors: topContributors(diff, CONTRIBUTORS).map(({ path, delta, change, line }) => ({
      path,
      delta,
      change,
      line,
    })),
  });
}

/** One image's index, parsed, or why not: checked against the listing and the limits before the GET. */
async function readIndex(
  store: StoreLocation,
  host: string,
  ref: IndexRef,
  sizes: ReadonlyMap<string, number>,
): Promise<Part<TocEntry[]>> {
  if (ref.key === null) return missing(ref.why);
  const { key } = ref;
  const bytes = sizes.get(key);
  if (bytes === undefined)
    return missing(`the content index ${key} of ${ref.label} is missing (deleted, or never written)`);
  if (bytes > MAX_COMPARED_INDEX_BYTES || ref.entries > MAX_COMPARED_INDEX_ENTRIES)
    return missing(
      `the content index ${key} of ${ref.label} is too large to compare here (${formatBytes(bytes)}, ${ref.entries.toLocaleString('en-US')} entries; verify compares up to ${formatBytes(MAX_COMPARED_INDEX_BYTES)} and ${MAX_COMPARED_INDEX_ENTRIES.toLocaleString('en-US')}): mksysb-vault diff compares it`,
    );
  const body = await storeCall({ action: 'reading the content index', key, host }, async () => {
    const got = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    return (await got.Body?.transformToByteArray()) ?? new Uint8Array();
  });
  // The listing said how big it was; an object replaced since is not read past the limit either.
  if (body.length > MAX_COMPARED_INDEX_BYTES)
    return missing(
      `the content index ${key} of ${ref.label} grew to ${formatBytes(body.length)} since listed`,
    );
  try {
    const index = parseTocIndex(body);
    if (index.imageKey !== ref.image)
      return missing(`the content index ${key} describes ${index.imageKey}, not ${ref.image}`);
    return made(index.entries);
  } catch (error) {
    if (error instanceof TocIndexError)
      return missing(`the content index ${key} is unreadable: ${error.message}`);
    throw error;
  }
}

async function compareFilesets(
  store: StoreLocation,
  subject: ComparedSubject,
  earlier: ImageRecord,
  sizes: ReadonlyMap<string, number>,
): Promise<Part<NonNullable<ImageChanges['filesets']>>> {
  const [older, newer] = await Promise.all([
    readFilesets(store, subject.host, earlier.key, `the image of ${dayOf(earlier.date)}`, sizes),
    readFilesets(store, subject.host, subject.key, 'this image', sizes),
  ]);
  if (older.value === null || newer.value === null)
    return missing([older.why, newer.why].filter((w) => w !== null).join('; '));
  const levels = { older: earlier.osLevel, newer: subject.osLevel };
  const { added, removed, upgraded, downgraded } = diffFilesets(
    older.value,
    newer.value,
    levels.older && levels.newer ? levels : undefined,
  );
  return made({ added, removed, upgraded, downgraded });
}

async function readFilesets(
  store: StoreLocation,
  host: string,
  image: string,
  label: string,
  sizes: ReadonlyMap<string, number>,
): Promise<Part<Fileset[]>> {
  const key = sidecarKey(image, 'filesets');
  const bytes = sizes.get(key);
  if (bytes === undefined)
    return missing(`no fileset listing (lsmksysb -L) is stored with ${label} (${key})`);
  if (bytes > MAX_COMPARED_FILESETS_BYTES)
    return missing(
      `the fileset listing ${key} of ${label} is ${formatBytes(bytes)}, over the ${formatBytes(MAX_COMPARED_FILESETS_BYTES)} verify reads`,
    );
  const text = await readText(store, key, { action: 'reading the fileset listing', host, optional: true });
  if (text === null) return missing(`the fileset listing ${key} of ${label} is gone since listed`);
  const filesets = parseFilesetList(text);
  if (filesets.length === 0) return missing(`the fileset listing ${key} of ${label} names no fileset`);
  return made(filesets);
}
