// The per-host catalog index (`catalog/<host>/index.json`): one small object per host holding what
// status, history, the report, verify's size baseline and retention's plan need of each of its images
// (size, verdict, codes, OS level, checksums, dates), including the images retention deleted (marked
// retired, so a host's history outlives them). It is a cache of the records, never the truth: the
// records (and history/ entries for retired images) rebuild it (`mksysb-vault catalog rebuild`), and
// compareIndex says where it disagrees with them. Kept current by conditional writes
// (lambdas/adapters/catalog-index.ts). Pure: no AWS SDK.
import { z } from 'zod';
import { type Anomaly, AnomalyCodeSchema, SeveritySchema, VerdictSchema } from './anomaly.js';
import { catalogIndexKey, HostNameSchema, ImageKindSchema } from './catalog-keys.js';
import type { ImageHistoryEntry } from './image-history.js';
import {
  type ImageChanges,
  type ImageRecord,
  type StagingSpace,
  StagingSpaceSchema,
} from './image-record.js';
import { IsoDateSchema } from './iso-date.js';
import { type RestoreTestSummary, RestoreTestSummarySchema, restoreTestSummaryOf } from './restore-test.js';
import { storedJson, storedValue } from './stored-json.js';

export const CATALOG_INDEX_SCHEMA_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'not 64 lower-case hex digits');

/** When retention deleted the image, and why (null when not known). */
export const RetiredSchema = z.object({ at: IsoDateSchema, because: z.string().nullable() }).strict();
export type Retired = z.infer<typeof RetiredSchema>;

/** What the index keeps of an anomaly: what status, history and the report show of it. */
export const AnomalyNoteSchema = z
  .object({ code: AnomalyCodeSchema, severity: SeveritySchema, message: z.string() })
  .strict();
export type AnomalyNote = Pick<Anomaly, 'code' | 'severity' | 'message'>;

/** What the index keeps of one image: enough for every fleet-wide read without reading its record. */
export const IndexEntrySchema = z
  .object({
    key: z.string().startsWith('images/'),
    kind: ImageKindSchema,
    volumeGroup: z.string().min(1),
    /** The run's date (ISO), as in the record. */
    date: IsoDateSchema,
    sizeBytes: z.number().int().nonnegative(),
    verdict: VerdictSchema,
    codes: z.array(AnomalyCodeSchema),
    osLevel: z.string().nullable(),
    /** SHA-256 the host claimed before the upload. */
    sha256: sha256.nullable(),
    /** SHA-256 of the bytes S3 holds (the content check); null when not all were read. */
    storedSha256: sha256.nullable(),
    verifiedAt: IsoDateSchema,
    /** The run that made the image; null for a retired image known only from its history entry. */
    runId: z.string().min(1).nullable(),
    /** Set when retention deleted the image: the entry stays, so the host's history keeps it. */
    retired: RetiredSchema.nullable(),
    // The fields below came after the first indexes: an entry without them is read, and a reader that
    // needs one reads the image's record instead (catalogImageOf is null), until `catalog rebuild`
    // or the host's next writer fills them in.
    /** Each anomaly's code, severity and message (its evidence stays in the record). */
    anomalies: z.array(AnomalyNoteSchema).optional(),
    /** The content check's outcome, as the evidence CSV reports it; null: never inspected. */
    content: z
      .object({
        complete: z.boolean(),
        codes: z.array(AnomalyCodeSchema),
        /** The image's content index (verify compares the next image with it); null: none written. */
        indexKey: z.string().startsWith('images/').nullable().optional(),
      })
      .strict()
      .nullable()
      .optional(),
    /** What preflight measured of the staging filesystem (the forecast); null when not known. */
    staging: StagingSpaceSchema.nullable().optional(),
    /**
     * Filesets added, removed, upgraded or downgraded since the series' previous image (the report's
     * fileset history reads the record only when this is above 0); null when not compared.
     */
    filesetsChanged: z.number().int().nonnegative().nullable().optional(),
    /** The image's newest restore test (lambdas/core/restore-test.ts); absent: never tested. */
    restoreTest: RestoreTestSummarySchema.optional(),
  })
  .strict();
export type IndexEntry = z.infer<typeof IndexEntrySchema>;

export const CatalogIndexSchema = z
  .object({
    schemaVersion: z.literal(CATALOG_INDEX_SCHEMA_VERSION),
    host: HostNameSchema,
    /** Newest first (by date, then key): one order, so equal indexes render to equal text. */
    entries: z.array(IndexEntrySchema),
  })
  .strict();
export type CatalogIndex = z.infer<typeof CatalogIndexSchema>;

export function emptyIndex(host: string): CatalogIndex {
  return { schemaVersion: CATALOG_INDEX_SCHEMA_VERSION, host, entries: [] };
}

function filesetsChangedOf(changes: ImageChanges | null): number | null {
  const f = changes?.filesets;
  return f ? f.added.length + f.removed.length + f.upgraded.length + f.downgraded.length : null;
}

/** The entry of a record's image (live: not retired). */
export function indexEntryOf(record: ImageRecord): IndexEntry {
  return {
    key: record.key,
    kind: record.kind,
    volumeGroup: record.volumeGroup,
    date: record.date,
    sizeBytes: record.sizeBytes,
    verdict: record.verdict,
    codes: record.anomalies.map((a) => a.code),
    osLevel: record.osLevel,
    sha256: record.sha256,
    storedSha256: record.content?.sha256 ?? null,
    verifiedAt: record.verifiedAt,
    runId: record.runId,
    retired: null,
    anomalies: record.anomalies.map(({ code, severity, message }) => ({ code, severity, message })),
    content: record.content && {
      complete: record.content.complete,
      codes: record.content.codes,
      indexKey: record.content.indexKey,
    },
    staging: record.staging,
    filesetsChanged: filesetsChangedOf(record.changes),
    // Only a tested image's entry has the field: an untested one stays as it always was.
    ...restoreTestField(record),
  };
}

function restoreTestField(record: ImageRecord): { restoreTest?: RestoreTestSummary } {
  const tests = 'restoreTests' in record ? record.restoreTests : undefined;
  const summary = restoreTestSummaryOf(tests);
  return summary ? { restoreTest: summary } : {};
}

/**
 * One image as the fleet-wide readers (status, history, the report, the forecast) see it: an image
 * record satisfies it, and so does an index entry (catalogImageOf), so they read one GET per host
 * instead of one per image. `changes` is absent when it was not read: the index does not carry it.
 */
export interface CatalogImage {
  readonly host: string;
  readonly key: string;
  readonly kind: 'mksysb' | 'savevg';
  readonly volumeGroup: string;
  readonly date: string;
  readonly sizeBytes: number;
  readonly verdict: IndexEntry['verdict'];
  readonly anomalies: readonly AnomalyNote[];
  readonly osLevel: string | null;
  readonly sha256: string | null;
  readonly runId: string | null;
  readonly verifiedAt: string;
  readonly content: {
    readonly sha256: string | null;
    readonly complete: boolean;
    readonly codes: readonly string[];
    readonly indexKey: string | null;
  } | null;
  readonly staging: StagingSpace | null;
  /** What changed since the series' previous image; absent when not read (see filesetsChanged). */
  readonly changes?: ImageChanges | null;
  /** Fileset changes since the previous image, when known without `changes`; null: not compared. */
  readonly filesetsChanged?: number | null;
  /** The image's newest restore test and its newest PASS; absent: never tested (or not read). */
  readonly restoreTest?: RestoreTestSummary;
}

/**
 * The image an index entry describes, or null when the entry predates a field a reader needs
 * (anomalies, content and its index key, staging): the reader then reads the image's record.
 */
export function catalogImageOf(entry: IndexEntry, host: string): CatalogImage | null {
  const { anomalies, content, staging } = entry;
  if (anomalies === undefined || content === undefined || staging === undefined) return null;
  if (content !== null && content.indexKey === undefined) return null;
  return {
    host,
    key: entry.key,
    kind: entry.kind,
    volumeGroup: entry.volumeGroup,
    date: entry.date,
    sizeBytes: entry.sizeBytes,
    verdict: entry.verdict,
    anomalies,
    osLevel: entry.osLevel,
    sha256: entry.sha256,
    runId: entry.runId,
    verifiedAt: entry.verifiedAt,
    content: content && { ...content, sha256: entry.storedSha256, indexKey: content.indexKey ?? null },
    staging,
    filesetsChanged: entry.filesetsChanged ?? null,
    ...(entry.restoreTest ? { restoreTest: entry.restoreTest } : {}),
  };
}

/** The entry of an image retention deleted, from the history entry it wrote first. */
export function retiredEntryOf(entry: ImageHistoryEntry): IndexEntry {
  return {
    key: entry.key,
    kind: entry.kind,
    volumeGroup: entry.volumeGroup,
    date: entry.date,
    sizeBytes: entry.sizeBytes,
    verdict: entry.verdict,
    codes: entry.codes,
    osLevel: entry.osLevel,
    sha256: sha256.safeParse(entry.sha256).success ? entry.sha256 : null,
    storedSha256: null,
    verifiedAt: entry.verifiedAt,
    runId: null,
    retired: { at: entry.retiredAt, because: entry.retiredBecause },
  };
}

function newestFirst(a: IndexEntry, b: IndexEntry): number {
  const byDate = Date.parse(b.date) - Date.parse(a.date);
  if (byDate !== 0) return byDate;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function sameEntry(a: IndexEntry, b: IndexEntry): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function withEntries(index: CatalogIndex, entries: IndexEntry[]): CatalogIndex {
  return { ...index, entries: entries.sort(newestFirst) };
}

/**
 * The index with `entry` in it, replacing the entry of the same image. Idempotent: an entry equal to
 * the one there returns `index` itself (the caller then writes nothing).
 */
export function upsertEntry(index: CatalogIndex, entry: IndexEntry): CatalogIndex {
  const current = index.entries.find((e) => e.key === entry.key);
  if (current && sameEntry(current, entry)) return index;
  return withEntries(index, [...index.entries.filter((e) => e.key !== entry.key), entry]);
}

/**
 * The index with the entries of `keys` marked retired at `at`. An entry already retired keeps its
 * first date; a key with no entry is left out (retention upserts an image's entry before retiring it).
 * Returns `index` itself when nothing changed.
 */
export function retireEntries(
  index: CatalogIndex,
  keys: readonly string[],
  at: Date,
  because: string | null = null,
): CatalogIndex {
  const retiring = new Set(keys);
  let changed = false;
  const entries = index.entries.map((e) => {
    if (!retiring.has(e.key) || e.retired !== null) return e;
    changed = true;
    return { ...e, retired: { at: at.toISOString(), because } };
  });
  return changed ? withEntries(index, entries) : index;
}

/**
 * The index with each of `entries` whose image it has no entry for: how a writer repairs an index that
 * missed an earlier writer's update (a crash between a record and its index update), from what it read
 * anyway. An entry already there is left as it is, so a stale read never undoes a newer change.
 * Returns `index` itself when nothing was missing.
 */
export function addMissingEntries(index: CatalogIndex, entries: readonly IndexEntry[]): CatalogIndex {
  const present = new Set(index.entries.map((e) => e.key));
  const missing = entries.filter((e) => !present.has(e.key));
  return missing.length === 0 ? index : withEntries(index, [...index.entries, ...missing]);
}

/** An image retention deleted: its record (as read before the delete) and the rule that let it go. */
export interface Retirement {
  readonly record: ImageRecord;
  readonly because: string;
}

/**
 * The index with each deleted image marked retired: its entry first put in from its record when the
 * index lacks it (a writer that stopped before its index update), so no image retention deleted is
 * missing from the history the index keeps. Returns `index` itself when nothing changed.
 */
export function retireRecords(
  index: CatalogIndex,
  retirements: readonly Retirement[],
  at: Date,
): CatalogIndex {
  let out = index;
  for (const { record, because } of retirements) {
    if (!out.entries.some((e) => e.key === record.key)) out = upsertEntry(out, indexEntryOf(record));
    out = retireEntries(out, [record.key], at, because);
  }
  return out;
}

/**
 * The index the records say: one live entry per record, and a retired entry for each image retention
 * deleted that has no record (from `previous`, the index as it was, and from the history entries), a
 * previous entry winning over a history entry of the same image. A live entry of `previous` with no
 * record is dropped (compareIndex reports it).
 */
export function rebuildIndex(
  host: string,
  records: readonly ImageRecord[],
  history: readonly ImageHistoryEntry[] = [],
  previous: CatalogIndex | null = null,
): CatalogIndex {
  const byKey = new Map<string, IndexEntry>();
  for (const h of history) byKey.set(h.key, retiredEntryOf(h));
  for (const e of previous?.entries ?? []) if (e.retired !== null) byKey.set(e.key, e);
  for (const r of records) byKey.set(r.key, indexEntryOf(r));
  return withEntries(emptyIndex(host), [...byKey.values()]);
}

export type IndexDisagreementKind = 'missing' | 'stale' | 'orphan';

/** One place the index and the records disagree: what `catalog rebuild` reports. */
export interface IndexDisagreement {
  readonly key: string;
  readonly kind: IndexDisagreementKind;
  /** For people: names the index key, the image and what differs. */
  readonly problem: string;
}

function differingFields(entry: IndexEntry, expected: IndexEntry): string[] {
  return (Object.keys(expected) as (keyof IndexEntry)[]).filter(
    (field) => JSON.stringify(entry[field]) !== JSON.stringify(expected[field]),
  );
}

/**
 * Where the index disagrees with the host's records: a record with no entry (`missing`: a writer
 * stopped between its record and its index update), an entry that says other than its record
 * (`stale`, naming the fields; a retired entry whose record is still there is one), and a live entry
 * with no record (`orphan`: the record was deleted without retiring it). Retired entries with no
 * record are the history the index keeps: no disagreement. Sorted by key.
 */
export function compareIndex(index: CatalogIndex, records: readonly ImageRecord[]): IndexDisagreement[] {
  const where = catalogIndexKey(index.host);
  const entries = new Map(index.entries.map((e) => [e.key, e]));
  const out: IndexDisagreement[] = [];
  for (const record of records) {
    const expected = indexEntryOf(record);
    const entry = entries.get(record.key);
    if (!entry)
      out.push({ key: record.key, kind: 'missing', problem: `${where}: no entry for ${record.key}` });
    else if (!sameEntry(entry, expected))
      out.push({
        key: record.key,
        kind: 'stale',
        problem: `${where}: the entry of ${record.key} differs from its record (${differingFields(entry, expected).join(', ')})`,
      });
  }
  const recorded = new Set(records.map((r) => r.key));
  for (const entry of index.entries)
    if (entry.retired === null && !recorded.has(entry.key))
      out.push({
        key: entry.key,
        kind: 'orphan',
        problem: `${where}: ${entry.key} has an entry but no record, and is not marked retired`,
      });
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The index's JSON text (compact: it grows by a few hundred bytes per image). */
export function renderCatalogIndex(index: CatalogIndex): string {
  return `${JSON.stringify(CatalogIndexSchema.parse(index))}\n`;
}

export type CatalogIndexParseResult = { ok: true; index: CatalogIndex } | { ok: false; problem: string };

/** Parses an index's text; a problem names the key and the first bad field. */
export function parseCatalogIndex(text: string, key: string): CatalogIndexParseResult {
  const json = storedJson(text, key);
  if (!json.ok) return json;
  const parsed = storedValue(CatalogIndexSchema, json.value, key, '(index)');
  if (!parsed.ok) return parsed;
  if (catalogIndexKey(parsed.value.host) !== key)
    return {
      ok: false,
      problem: `${key}: is the index of host ${parsed.value.host}, not of the host its key names`,
    };
  return { ok: true, index: parsed.value };
}
