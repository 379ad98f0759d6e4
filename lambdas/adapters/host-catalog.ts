// A host's images as the fleet-wide readers see them (status, history, the report, verify's size
// baseline, retention's plan), read from the host's catalog index: one LIST of the host's folder and
// one GET of catalog/<host>/index.json, so a fleet costs S3 calls in proportion to its hosts, not to
// its images. The listing is the truth of which images exist: an image whose record is listed and
// that the index does not know yet (a writer stopped between its record and its index update) is
// read from its record, so a stale index never hides an image; an index entry whose record is not
// listed is no image. When the index is missing or cannot be read, every record of the host is
// read, and `indexNote` says so, naming the host.
import type { CatalogImage, IndexEntry } from '../core/catalog-index.js';
import { catalogImageOf } from '../core/catalog-index.js';
import { catalogIndexKey, hostPrefix, validateHostName } from '../core/catalog-keys.js';
import type { ImageHistoryEntry } from '../core/image-history.js';
import type { ImageRecord } from '../core/image-record.js';
import {
  hostStrays,
  type ListedObject,
  listObjects,
  matchingRecordKeys,
  type RecordFilter,
  type RecordProblem,
  readRecords,
  type StoreLocation,
  type StrayKey,
} from './catalog.js';
import { readIndex, type StoredIndex } from './catalog-index.js';
import { listHostHistory } from './image-history.js';
import { StoreError } from './store-error.js';

export interface HostCatalog {
  readonly host: string;
  /** How the host's index was found: read and used, absent, or unreadable (then the records were read). */
  readonly index: StoredIndex['state'];
  /** The index as read (with its ETag), for a writer that updates it next (verify); null when denied. */
  readonly stored: StoredIndex | null;
  /** For people, when the index was not used: which host, which key, what was read instead. */
  readonly indexNote: string | null;
  /** The host's images (those whose record is listed) that match the filter, newest first. */
  readonly images: CatalogImage[];
  /** The records read: of images the index lacked (or all, without a usable index). */
  readonly records: ImageRecord[];
  /** Keys of images read from their records although the index was usable: what it lacked. */
  readonly lacking: string[];
  /** Entries of the images retention deleted (retired) that match the filter, newest first. */
  readonly retired: IndexEntry[];
  /** History entries read because the index lacked them (only with `history`). */
  readonly historyRead: ImageHistoryEntry[];
  readonly problems: RecordProblem[];
  /** Keys of images whose record is listed and whose image object is not (IMAGE_MISSING). */
  readonly missingImages: string[];
  readonly strays: StrayKey[];
  /** The host's listing, for a caller that needs it too (retention's plan, verify). */
  readonly objects: readonly ListedObject[];
}

export interface HostCatalogOptions {
  /** The host's listing when the caller has it already (one LIST saved). */
  readonly objects?: readonly ListedObject[];
  readonly filter?: RecordFilter;
  /**
   * Also list history/<host>/ and read the entries of retired images the index lacks (a retention
   * run whose index update failed): history and verify's baseline, never status.
   */
  readonly history?: boolean;
}

function matches(entry: IndexEntry, filter: RecordFilter): boolean {
  return (
    (filter.kind === undefined || entry.kind === filter.kind) &&
    (filter.volumeGroup === undefined ||
      filter.kind === 'mksysb' ||
      entry.volumeGroup === filter.volumeGroup) &&
    (filter.beforeDay === undefined || entry.date.slice(0, 10) < filter.beforeDay)
  );
}

const newestFirst = (a: { date: string }, b: { date: string }) => Date.parse(b.date) - Date.parse(a.date);

/** Reads a host's images through its catalog index (see the header comment). */
export async function readHostCatalog(
  store: StoreLocation,
  host: string,
  options: HostCatalogOptions = {},
): Promise<HostCatalog> {
  validateHostName(host);
  const filter = options.filter ?? {};
  let denied = false;
  const [objects, stored] = await Promise.all([
    options.objects ?? listObjects(store, hostPrefix(host), host),
    readIndex(store, host).catch((error: unknown): StoredIndex => {
      // A reader whose role may not read catalog/* still sees every image, from the records.
      if (error instanceof StoreError && error.kind === 'access-denied') {
        denied = true;
        return { state: 'unreadable', key: catalogIndexKey(host), problem: error.message, etag: '' };
      }
      throw error;
    }),
  ]);
  const entries = new Map(stored.state === 'ok' ? stored.index.entries.map((e) => [e.key, e]) : []);
  const wanted = matchingRecordKeys(
    objects.map((o) => o.key),
    filter,
  ).map((image) => image.key);
  const fromIndex: CatalogImage[] = [];
  const toRead: string[] = [];
  for (const key of wanted) {
    const entry = entries.get(key);
    // A retired entry whose record is still listed: the record is the truth, read it.
    const image = entry && entry.retired === null ? catalogImageOf(entry, host) : null;
    if (image) fromIndex.push(image);
    else toRead.push(key);
  }
  const { records, problems } = await readRecords(store, host, toRead);
  const images = [...fromIndex, ...records].sort(newestFirst);
  const present = new Set(objects.map((o) => o.key));
  const listedRecords = new Set(wanted);
  const retired = [...entries.values()]
    .filter((e) => e.retired !== null && !listedRecords.has(e.key) && matches(e, filter))
    .sort(newestFirst);
  let historyRead: ImageHistoryEntry[] = [];
  if (options.history) {
    const known = new Set([...entries.keys(), ...wanted]);
    const history = await listHostHistory(store, host, filter, known);
    historyRead = history.entries;
    for (const problem of history.problems) problems.push({ key: problem.split(':')[0] ?? '', problem });
  }
  return {
    host,
    index: stored.state,
    stored: denied ? null : stored,
    indexNote:
      wanted.length === 0 && stored.state === 'absent' ? null : indexNote(stored, host, toRead.length),
    images,
    records,
    lacking: stored.state === 'ok' ? toRead : [],
    retired,
    historyRead,
    problems,
    missingImages: images.filter((i) => !present.has(i.key)).map((i) => i.key),
    strays: hostStrays(host, objects),
    objects,
  };
}

function indexNote(stored: StoredIndex, host: string, recordsRead: number): string | null {
  const instead = `${recordsRead} record(s) of ${host} read instead; "mksysb-vault catalog rebuild --host ${host}" writes it`;
  if (stored.state === 'absent') return `${host}: no catalog index (${stored.key}): ${instead}`;
  if (stored.state === 'unreadable') return `${host}: unreadable catalog index ${stored.problem}: ${instead}`;
  return null;
}
