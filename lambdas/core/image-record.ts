// The catalog record: the small JSON object beside each image that says what was learned about it.
// History, retention, freshness, reports and the CLI all read images through their records, so the
// schema is versioned and every record is parsed (never cast) on the way in. Pure: no AWS SDK.
import { z } from 'zod';
import { AnomalyCodeSchema, AnomalySchema, VerdictSchema } from './anomaly.js';
import { HostNameSchema, ImageKindSchema } from './catalog-keys.js';
import { type ImageExcludeList, ImageExcludeListSchema } from './exclude-list.js';
import { IsoDateSchema } from './iso-date.js';
import { LsmksysbReportSchema } from './lsmksysb.js';
import { LogOutcomeSchema } from './mksysb-log.js';
import { RestoreTestResultSchema } from './restore-test.js';
import type { HistoryEntry } from './size-history.js';
import { storedJson, storedValue } from './stored-json.js';
import { ViosbrCheckSchema } from './viosbr.js';

/**
 * The version verify writes. 2 added `content` (the check of the stored bytes), 3 added `changes`
 * (what changed since the host's previous image, from the two content indexes), 4 added `staging`
 * (what preflight measured of the staging filesystem, for the forecast). Older records are
 * still read, with what they lack set to null, so the history of a store that predates a field keeps
 * working. Records are never rewritten, but for a restore test appended to `restoreTests` (a
 * conditional update that keeps every other field as it was).
 */
export const IMAGE_RECORD_SCHEMA_VERSION = 4;

const hex = (length: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-f]{${length}}$`), `not ${length} lower-case hex digits`)
    .describe(`${length} hex digits`);

/** What the run log said, without the full message list (the log itself is a sidecar). */
export const LogVerdictSchema = z.object({
  outcome: LogOutcomeSchema,
  codes: z.array(z.string()),
  reasons: z.array(z.string()),
  filesBackedUp: z.number().int().nullable(),
});
export type LogVerdict = z.infer<typeof LogVerdictSchema>;

/** Seconds each step took, by step name (`backup`, `transfer`, `verify`…). */
export const TimingsSchema = z.record(z.string(), z.number().nonnegative());
export type Timings = z.infer<typeof TimingsSchema>;

/** What reading the stored object found (inspect-image, judged by verify): the evidence, not the claim. */
export const ContentCheckSchema = z
  .object({
    /** When the stored bytes were read. */
    checkedAt: IsoDateSchema,
    /** Every stored byte was read and walked; false when the check ran out of time (CONTENT_UNVERIFIED). */
    complete: z.boolean(),
    bytesRead: z.number().int().nonnegative(),
    /** SHA-256 of the bytes S3 holds; null when they were not all read. */
    sha256: hex(64).nullable(),
    /** Archive entries read (all types), and how many of them are regular files. */
    entries: z.number().int().nonnegative(),
    files: z.number().int().nonnegative(),
    /** The anomaly codes the content check raised (empty: the stored bytes agree with every claim). */
    codes: z.array(AnomalyCodeSchema),
    /** The vault's table of contents with byte offsets (lambdas/core/bff/toc-index.ts), when written. */
    indexKey: z.string().startsWith('images/').nullable(),
  })
  .strict();
export type ContentCheck = z.infer<typeof ContentCheckSchema>;

/** One line of "what made the size change" (lambdas/core/image-diff.ts `topContributors`). */
export const SizeContributorSchema = z
  .object({
    /** Absolute path of the file or directory, e.g. `/home/oracle`. */
    path: z.string().min(1),
    /** Signed bytes. */
    delta: z.number().int(),
    change: z.enum(['added', 'removed', 'grew', 'shrank']),
    /** For people: `-9.6 GB /home/oracle (directory removed)`. */
    line: z.string().min(1),
  })
  .strict();
export type SizeContributor = z.infer<typeof SizeContributorSchema>;

const FilesetLevelSchema = z.object({ name: z.string().min(1), level: z.string() }).strict();
const FilesetLevelChangeSchema = z
  .object({ name: z.string().min(1), from: z.string(), to: z.string() })
  .strict();

/**
 * What changed since the host's previous image of the same series, read from the two images' content
 * indexes and fileset listings (never the images): verify writes it, size and OS-level alerts quote
 * it, the report shows it. `unavailable` says why a part could not be compared (no earlier image, an
 * index missing), so an absent explanation is never silent.
 */
export const ImageChangesSchema = z
  .object({
    /** The earlier image compared with. */
    comparedWith: z
      .object({
        key: z.string().startsWith('images/'),
        date: IsoDateSchema,
        sizeBytes: z.number().int().nonnegative(),
      })
      .strict(),
    /** Files (entries) added, removed, grown, shrunk; the largest contributors first (at most 10). */
    entries: z
      .object({
        added: z.number().int().nonnegative(),
        removed: z.number().int().nonnegative(),
        grown: z.number().int().nonnegative(),
        shrunk: z.number().int().nonnegative(),
        contributors: z.array(SizeContributorSchema).max(10),
      })
      .strict()
      .nullable(),
    /** Filesets added, removed, upgraded, downgraded between the two fileset listings. */
    filesets: z
      .object({
        added: z.array(FilesetLevelSchema),
        removed: z.array(FilesetLevelSchema),
        upgraded: z.array(FilesetLevelChangeSchema),
        downgraded: z.array(FilesetLevelChangeSchema),
      })
      .strict()
      .nullable(),
    /** Why `entries` or `filesets` is null, for people; null when both were compared. */
    unavailable: z.string().nullable(),
  })
  .strict();
export type ImageChanges = z.infer<typeof ImageChangesSchema>;

/**
 * What the run's preflight measured of the staging filesystem (docs/host-protocol.md): its free bytes
 * and the bytes its space check demanded, `(mksysbExpectedBytes + savevgExpectedBytes) × sizeFactor`.
 * The forecast (lambdas/core/forecast.ts) projects both to say when preflight will refuse.
 */
export const StagingSpaceSchema = z
  .object({
    /** The filesystem's mount point, as `df` printed it. */
    mount: z.string().nullable(),
    freeBytes: z.number().int().nonnegative(),
    requiredBytes: z.number().int().nonnegative(),
    mksysbExpectedBytes: z.number().int().nonnegative(),
    savevgExpectedBytes: z.number().int().nonnegative(),
  })
  .strict();
export type StagingSpace = z.infer<typeof StagingSpaceSchema>;

const RecordFields = {
  host: HostNameSchema,
  kind: ImageKindSchema,
  volumeGroup: z.string().min(1),
  /** The run's date (ISO). */
  date: IsoDateSchema,
  key: z.string().startsWith('images/'),
  sizeBytes: z.number().int().nonnegative(),
  /** SHA-256 the host computed before the upload: what a restore checks the download against. */
  sha256: hex(64).nullable(),
  /** The MD5 of each part as the transfer step computed it (S3 part ETags when not SSE-KMS). */
  partMd5s: z.array(hex(32)),
  /** The multipart ETag S3 reported, `<md5 of the part md5s>-<parts>`, when known. */
  etag: z.string().nullable(),
  osLevel: z.string().nullable(),
  lsmksysb: LsmksysbReportSchema.nullable(),
  log: LogVerdictSchema.nullable(),
  anomalies: z.array(AnomalySchema),
  verdict: VerdictSchema,
  timings: TimingsSchema,
  runId: z.string().min(1),
  verifiedAt: IsoDateSchema,
};

/** The record verify writes today. */
export const ImageRecordSchema = z
  .object({
    schemaVersion: z.literal(IMAGE_RECORD_SCHEMA_VERSION),
    ...RecordFields,
    /** The check of the stored bytes; null when the image was never inspected. */
    content: ContentCheckSchema.nullable(),
    /** What changed since the previous image; null for the host's first image of the series. */
    changes: ImageChangesSchema.nullable(),
    /** What preflight measured of the staging filesystem before this image; null when not known. */
    staging: StagingSpaceSchema.nullable(),
    /**
     * The exclude list mksysb ran with (-e); null when it ran without one. Absent on the first v4
     * records, written before exclude lists were recorded: `diff` then says it is not known.
     */
    excludeList: ImageExcludeListSchema.nullable().optional(),
    /**
     * The restore tests of this image (lambdas/core/restore-test.ts), oldest first: the one field
     * written after verify, by the restore-test run's conditional update of the record. Absent: never tested.
     */
    restoreTests: z.array(RestoreTestResultSchema).optional(),
    /** `vios` for a Virtual I/O Server's image (backupios -mksysb); absent for an LPAR's. */
    hostKind: z.literal('vios').optional(),
    /** A VIOS's viosbr archive beside the image (lambdas/core/viosbr.ts): key, SHA-256, XML files; absent for an LPAR. */
    viosbr: ViosbrCheckSchema.optional(),
  })
  .strict();

/** A record in the version verify writes today. */
export type CurrentImageRecord = z.infer<typeof ImageRecordSchema>;

/** A record written before `staging` (version 3): read as one whose staging space was never measured. */
const ImageRecordV3Schema = z
  .object({
    schemaVersion: z.literal(3),
    ...RecordFields,
    content: ContentCheckSchema.nullable(),
    changes: ImageChangesSchema.nullable(),
  })
  .strict()
  .transform((record) => ({ ...record, staging: null }));

/** A record written before `changes` (version 2): read as one whose changes were never compared. */
const ImageRecordV2Schema = z
  .object({ schemaVersion: z.literal(2), ...RecordFields, content: ContentCheckSchema.nullable() })
  .strict()
  .transform((record) => ({ ...record, changes: null, staging: null }));

/** A record written before the content check (version 1): read as one whose content was never checked. */
const ImageRecordV1Schema = z
  .object({ schemaVersion: z.literal(1), ...RecordFields })
  .strict()
  .transform((record) => ({ ...record, content: null, changes: null, staging: null }));

const StoredImageRecordSchema = z.union([
  ImageRecordSchema,
  ImageRecordV3Schema,
  ImageRecordV2Schema,
  ImageRecordV1Schema,
]);

/** A record as read from a store: the current version, or an older one with what it lacks set to null. */
export type ImageRecord = z.infer<typeof StoredImageRecordSchema>;

export type RecordParseResult = { ok: true; record: ImageRecord } | { ok: false; problem: string };

/** Parses a record's JSON text, of any version still read; a problem names the key and the first bad field. */
export function parseImageRecord(text: string, key: string): RecordParseResult {
  const json = storedJson(text, key);
  if (!json.ok) return json;
  // The version picks the schema, so a problem names the field of the version the record claims.
  const version = (json.value as { schemaVersion?: unknown } | null)?.schemaVersion;
  const parsed = storedValue(
    version === 1
      ? ImageRecordV1Schema
      : version === 2
        ? ImageRecordV2Schema
        : version === 3
          ? ImageRecordV3Schema
          : ImageRecordSchema,
    json.value,
    key,
    '(record)',
  );
  if (!parsed.ok) return parsed;
  if (parsed.value.key !== key.replace(/\.record\.json$/, ''))
    return { ok: false, problem: `${key}: names image ${parsed.value.key}, not the image beside it` };
  return { ok: true, record: parsed.value };
}

/** The exclude list an image was made with; undefined for a record written before lists were recorded. */
export function excludeListOf(record: ImageRecord): ImageExcludeList | null | undefined {
  return 'excludeList' in record ? record.excludeList : undefined;
}

/** The record's JSON text, in the current version: verify writes only that (an old record is never rewritten). */
export function renderImageRecord(record: ImageRecord): string {
  return `${JSON.stringify(ImageRecordSchema.parse(record), null, 2)}\n`;
}

/** What the size-history analysis needs of an earlier image. */
export function historyEntryOf(
  record: Pick<ImageRecord, 'date' | 'sizeBytes' | 'verdict' | 'osLevel'> & {
    readonly anomalies: readonly { readonly code: string }[];
  },
): HistoryEntry {
  return {
    date: record.date,
    sizeBytes: record.sizeBytes,
    verdict: record.verdict,
    osLevel: record.osLevel,
    codes: record.anomalies.map((a) => a.code),
  };
}
