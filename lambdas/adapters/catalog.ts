// Catalog access over S3, shared by the handlers and the CLI: list hosts, list a host's objects and
// records, read and write records, read small sidecars. The catalog lists images by their records —
// an image object without a record (an upload not yet verified, a half-finished delete) is never an
// image. The client and bucket are passed in.
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  hostNameProblem,
  hostPrefix,
  IMAGES_PREFIX,
  type ImageKind,
  owningImage,
  type ParsedImageKey,
  parseRecordKey,
  RUNS_PREFIX,
  recordKey,
  validateHostName,
} from '../core/catalog-keys.js';
import { type ImageRecord, parseImageRecord, renderImageRecord } from '../core/image-record.js';
import { type RunReport, RunReportSchema } from '../core/run-summary.js';
import { FINDING } from '../core/vocabulary.js';
import { kindOf, type StoreContext, storeCall, toStoreError } from './store-error.js';

export interface StoreLocation {
  readonly client: S3Client;
  readonly bucket: string;
}

export interface ListedObject {
  readonly key: string;
  readonly sizeBytes: number;
  readonly lastModified: string;
}

/**
 * Every page of a listing, through the SDK's paginator. A page that says it is the last one ends the
 * listing even if it carries a token (the paginator alone would follow it). Any failure comes back as
 * a StoreError naming the listing (storeCall).
 */
async function listPages(
  store: StoreLocation,
  input: Omit<ListObjectsV2CommandInput, 'Bucket'>,
  context: StoreContext,
  onPage: (page: ListObjectsV2CommandOutput) => void,
): Promise<void> {
  await storeCall(context, async () => {
    for await (const page of paginateListObjectsV2(
      { client: store.client },
      { ...input, Bucket: store.bucket },
    )) {
      onPage(page);
      if (!page.IsTruncated) break;
    }
  });
}

/** Every object under a prefix, every page of it. */
export async function listObjects(
  store: StoreLocation,
  prefix: string,
  host?: string,
): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  await listPages(store, { Prefix: prefix }, { action: 'listing objects', key: prefix, host }, (page) => {
    for (const o of page.Contents ?? [])
      if (o.Key)
        out.push({
          key: o.Key,
          sizeBytes: o.Size ?? 0,
          lastModified: (o.LastModified ?? new Date(0)).toISOString(),
        });
  });
  return out;
}

/**
 * A key under images/ that names no image, record or sidecar of any host: a folder whose name no host
 * can have (`images/bad host!/junk`), an object directly under images/, or a name in a host's folder
 * that is none of its images' keys. Listed as found, never read, never deleted, never fatal.
 */
export interface StrayKey {
  readonly key: string;
  /** `STRAY_KEY <key>: why` — the line a person reads. */
  readonly problem: string;
}

/** The code a stray key is reported with (status, history, retention, report). */
export const { STRAY_KEY } = FINDING;

function strayKey(key: string, why: string): StrayKey {
  return { key, problem: `${STRAY_KEY} ${key}: ${why}; left alone` };
}

export interface CatalogHosts {
  /** The hosts that have a folder under images/, sorted. */
  readonly hosts: string[];
  /** What else is directly under images/: folders no host can have, and loose objects. */
  readonly strays: StrayKey[];
}

/** Keys named per stray folder: enough to find it, bounded however much is in it. */
const STRAY_KEYS_NAMED = 5;

/**
 * The hosts under images/, and the stray keys beside them. Lenient: one folder whose name no host can
 * have is reported with the keys in it, and the fleet's hosts are listed as usual.
 */
export async function listCatalogHosts(store: StoreLocation): Promise<CatalogHosts> {
  const hosts: string[] = [];
  const strays: StrayKey[] = [];
  const strayFolders: { prefix: string; why: string }[] = [];
  const listing = { Prefix: IMAGES_PREFIX, Delimiter: '/' };
  await listPages(store, listing, { action: 'listing hosts', key: IMAGES_PREFIX }, (page) => {
    for (const p of page.CommonPrefixes ?? []) {
      if (!p.Prefix) continue;
      const host = p.Prefix.slice(IMAGES_PREFIX.length, -1);
      const problem = hostNameProblem(host);
      if (problem === null) hosts.push(host);
      else strayFolders.push({ prefix: p.Prefix, why: `not under any host's folder (${problem})` });
    }
    for (const o of page.Contents ?? [])
      if (o.Key) strays.push(strayKey(o.Key, "directly under images/, not in a host's folder"));
  });
  for (const { prefix, why } of strayFolders) {
    const page = await storeCall({ action: 'listing a stray folder', key: prefix }, () =>
      store.client.send(
        new ListObjectsV2Command({ Bucket: store.bucket, Prefix: prefix, MaxKeys: STRAY_KEYS_NAMED }),
      ),
    );
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
    for (const key of keys) strays.push(strayKey(key, why));
    if (keys.length === 0 || page.IsTruncated)
      strays.push(strayKey(`${prefix}…`, `${keys.length === 0 ? '' : 'and more keys: '}${why}`));
  }
  return { hosts: hosts.sort(), strays: strays.sort((a, b) => (a.key < b.key ? -1 : 1)) };
}

/** The hosts that have a folder under images/ (stray keys beside them are skipped: listCatalogHosts). */
export async function listHosts(store: StoreLocation): Promise<string[]> {
  return (await listCatalogHosts(store)).hosts;
}

/** How much of an oversized text object readText keeps from its start (the rest comes from its end). */
const HEAD_BYTES = 256 * 1024;

/**
 * A small object's text; null when it does not exist and `optional` says that is fine. With
 * `maxBytes`, an object larger than that is read as its first 256 KiB and its last bytes, joined by a
 * line saying how much was left out: a sidecar PUT through its presigned URL can be any size, and a
 * run log's verdict is at its end. (Explicit ranges only: the local store mishandles suffix ranges.)
 */
export async function readText(
  store: StoreLocation,
  key: string,
  context: { action: string; host?: string; optional?: boolean; maxBytes?: number },
): Promise<string | null> {
  try {
    const get = async (range?: string) => {
      const object = await store.client.send(
        new GetObjectCommand({ Bucket: store.bucket, Key: key, Range: range }),
      );
      const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
      const total = Number(/\/(\d+)$/.exec(object.ContentRange ?? '')?.[1] ?? bytes.length);
      return { bytes, total };
    };
    const text = (...parts: Uint8Array[]) => Buffer.concat(parts).toString('utf8');
    if (context.maxBytes === undefined) return text((await get()).bytes);
    const head = await get(`bytes=0-${HEAD_BYTES - 1}`);
    if (head.total <= HEAD_BYTES || head.bytes.length >= head.total) return text(head.bytes);
    if (head.total <= context.maxBytes) return text(head.bytes, (await get(`bytes=${HEAD_BYTES}-`)).bytes);
    const tailBytes = context.maxBytes - HEAD_BYTES;
    const tail = await get(`bytes=${head.total - tailBytes}-`);
    return `${text(head.bytes)}\n… ${head.total - context.maxBytes} bytes of ${key} left out (it is ${head.total} bytes) …\n${text(tail.bytes)}`;
  } catch (error) {
    if (context.optional && kindOf(error) === 'not-found') return null;
    throw toStoreError(error, { action: context.action, key, host: context.host });
  }
}

export interface RecordProblem {
  readonly key: string;
  readonly problem: string;
}

export interface HostRecords {
  /** Newest first; a record whose image object is gone is here too (its history holds), and in missingImages. */
  readonly records: ImageRecord[];
  /** Records that exist but failed their schema (or could not be read): never silently "no history". */
  readonly problems: RecordProblem[];
  /**
   * The image keys of records whose image object is not in the listing: the record says an image is
   * there and it is not (deleted by hand, an interrupted delete). Never a restorable or fresh image.
   */
  readonly missingImages: string[];
  /** Keys in the host's folder that belong to no image of it (a name that is none of an image's keys). */
  readonly strays: StrayKey[];
}

export interface RecordFilter {
  readonly kind?: ImageKind;
  readonly volumeGroup?: string;
  /** Only images dated strictly before this day (YYYY-MM-DD). */
  readonly beforeDay?: string;
  /** Only the newest this many (by the date in the key), to bound the reads. */
  readonly newest?: number;
}

/** The record keys of a host's images that match the filter, newest first. */
export function matchingRecordKeys(keys: readonly string[], filter: RecordFilter): ParsedImageKey[] {
  const matches = keys
    .map((k) => parseRecordKey(k))
    .filter((p): p is ParsedImageKey => p !== null)
    .filter(
      (p) =>
        (filter.kind === undefined || p.kind === filter.kind) &&
        (filter.volumeGroup === undefined ||
          filter.kind === 'mksysb' ||
          p.volumeGroup === filter.volumeGroup) &&
        (filter.beforeDay === undefined || p.day < filter.beforeDay),
    )
    .sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
  return filter.newest === undefined ? matches : matches.slice(0, filter.newest);
}

/** Reads and validates a host's records (in parallel, a few at a time). */
export async function listHostRecords(
  store: StoreLocation,
  host: string,
  filter: RecordFilter = {},
  objects?: readonly ListedObject[],
): Promise<HostRecords> {
  validateHostName(host);
  const listed = objects ?? (await listObjects(store, hostPrefix(host), host));
  const wanted = matchingRecordKeys(
    listed.map((o) => o.key),
    filter,
  );
  const { records, problems } = await readRecords(
    store,
    host,
    wanted.map((image) => image.key),
  );
  const present = new Set(listed.map((o) => o.key));
  const missingImages = records.filter((r) => !present.has(r.key)).map((r) => r.key);
  return { records, problems, missingImages, strays: hostStrays(host, listed) };
}

/** Keys in the host's folder that belong to none of its images (STRAY_KEY). */
export function hostStrays(host: string, listed: readonly ListedObject[]): StrayKey[] {
  return listed
    .filter((o) => owningImage(o.key)?.host !== host)
    .map((o) => strayKey(o.key, `not a key of any image of ${host}`));
}

/**
 * The records of the given images of a host (one GET each, a few at a time), newest first; one that
 * is gone or does not parse is a problem naming its key.
 */
export async function readRecords(
  store: StoreLocation,
  host: string,
  imageKeys: readonly string[],
): Promise<{ records: ImageRecord[]; problems: RecordProblem[] }> {
  const records: ImageRecord[] = [];
  const problems: RecordProblem[] = [];
  await inBatches(imageKeys, 8, async (image) => {
    const key = recordKey(image);
    const text = await readText(store, key, { action: 'reading the record', host, optional: true });
    if (text === null) {
      problems.push({ key, problem: `${key}: listed but gone when read` });
      return;
    }
    const parsed = parseImageRecord(text, key);
    if (parsed.ok) records.push(parsed.record);
    else problems.push({ key, problem: parsed.problem });
  });
  records.sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
  problems.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { records, problems };
}

export async function writeRecord(store: StoreLocation, record: ImageRecord): Promise<string> {
  const key = recordKey(record.key);
  await storeCall({ action: 'writing the record', key, host: record.host }, () =>
    store.client.send(
      new PutObjectCommand({
        Bucket: store.bucket,
        Key: key,
        Body: renderImageRecord(record),
        ContentType: 'application/json',
      }),
    ),
  );
  return key;
}

/**
 * One level under `prefix` (a listing with the delimiter): the keys directly in it and its
 * sub-prefixes (e.g. the days under runs/, or a day's run reports and its runs' folders), each sorted.
 */
async function listLevel(
  store: StoreLocation,
  prefix: string,
  action: string,
): Promise<{ keys: string[]; prefixes: string[] }> {
  const keys: string[] = [];
  const prefixes: string[] = [];
  await listPages(store, { Prefix: prefix, Delimiter: '/' }, { action, key: prefix }, (page) => {
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
  });
  return { keys: keys.sort(), prefixes: prefixes.sort() };
}

export type StoredRunReport = { readonly key: string } & (
  | { readonly report: RunReport; readonly problem?: undefined }
  | { readonly report?: undefined; readonly problem: string }
);

/**
 * Days listed at once while looking for run reports: six days of seven hold only a freshness check's
 * folder, so eight reports are some sixty days back, which one listing after another made as many
 * round trips in a row.
 */
const RUN_DAYS_AT_ONCE = 8;

/** The run reports directly in a day's folder (not its runs' folders), newest first. */
async function dayRunReportKeys(store: StoreLocation, day: string): Promise<string[]> {
  const { keys } = await listLevel(store, day, 'listing run reports');
  return keys.filter((key) => /^[^/]+\.json$/.test(key.slice(day.length))).reverse();
}

/**
 * The newest run reports (`runs/<day>/<runId>.json`), newest first: by day, then by run id, which
 * starts with the run's start time. A report that does not parse is returned as a problem, never
 * skipped. Days are listed RUN_DAYS_AT_ONCE at a time and the reports read together.
 */
export async function recentRunReports(store: StoreLocation, limit: number): Promise<StoredRunReport[]> {
  const days = (await listLevel(store, RUNS_PREFIX, 'listing prefixes')).prefixes
    .filter((p) => /^runs\/\d{4}-\d{2}-\d{2}\/$/.test(p))
    .reverse();
  const keys: string[] = [];
  for (let i = 0; i < days.length && keys.length < limit; i += RUN_DAYS_AT_ONCE) {
    const listed = await Promise.all(
      days.slice(i, i + RUN_DAYS_AT_ONCE).map((day) => dayRunReportKeys(store, day)),
    );
    keys.push(...listed.flat());
  }
  return Promise.all(keys.slice(0, limit).map((key) => readRunReport(store, key)));
}

/** One run report, parsed; one that does not parse is returned as a problem naming the key. */
export async function readRunReport(store: StoreLocation, key: string): Promise<StoredRunReport> {
  const text = (await readText(store, key, { action: 'reading the run report' })) ?? '';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { key, problem: `${key}: not JSON` };
  }
  const parsed = RunReportSchema.safeParse(value);
  if (!parsed.success)
    return {
      key,
      problem: `${key}: not a run report (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`,
    };
  return { key, report: parsed.data };
}

export async function inBatches<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}
