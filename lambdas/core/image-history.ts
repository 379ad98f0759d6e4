// A host's history outlives its images: before retention deletes an image, it writes a small history
// entry (`history/<host>/<image name>.json`: date, size, verdict, OS level, SHA-256, anomaly codes),
// written once and never rewritten. verify's size baseline reads records and history entries alike, so
// a baseline never rests on the few images retention keeps: after one big drop, the next shrunken image
// is still judged against months of the host's normal size. One object per image, named by the image,
// so two writers can never lose each other's entry; a per-host index can later be built from them.
// Pure: no AWS SDK.
import { z } from 'zod';
import { AnomalyCodeSchema, VerdictSchema } from './anomaly.js';
import {
  HostNameSchema,
  ImageKindSchema,
  type ParsedImageKey,
  parseImageKey,
  validateHostName,
} from './catalog-keys.js';
import type { ImageRecord } from './image-record.js';
import { IsoDateSchema } from './iso-date.js';
import type { HistoryEntry } from './size-history.js';
import { storedJson, storedValue } from './stored-json.js';

export const HISTORY_PREFIX = 'history/';
export const HISTORY_SUFFIX = '.json';
export const IMAGE_HISTORY_SCHEMA_VERSION = 1;

/** Every history entry of a host: `history/<host>/`. */
export function historyPrefix(host: string): string {
  return `${HISTORY_PREFIX}${validateHostName(host)}/`;
}

/** The history entry of an image (`images/<host>/<name>` → `history/<host>/<name>.json`). */
export function historyKey(imageKey: string): string {
  const image = parseImageKey(imageKey);
  if (!image) throw new Error(`${imageKey} is not an image key: no history entry can be named for it`);
  return `${historyPrefix(image.host)}${image.name}${HISTORY_SUFFIX}`;
}

/** The image a history key names, or null when the key is not one. */
export function parseHistoryKey(key: string): ParsedImageKey | null {
  const m = /^history\/([^/]+)\/([^/]+)\.json$/.exec(key);
  if (!m) return null;
  return parseImageKey(`images/${m[1]}/${m[2]}`);
}

export const ImageHistoryEntrySchema = z
  .object({
    schemaVersion: z.literal(IMAGE_HISTORY_SCHEMA_VERSION),
    /** The image this entry outlives. */
    key: z.string().startsWith('images/'),
    host: HostNameSchema,
    kind: ImageKindSchema,
    volumeGroup: z.string().min(1),
    date: IsoDateSchema,
    sizeBytes: z.number().int().nonnegative(),
    sha256: z.string().nullable(),
    verdict: VerdictSchema,
    osLevel: z.string().nullable(),
    codes: z.array(AnomalyCodeSchema),
    verifiedAt: IsoDateSchema,
    /** When retention deleted the image, and why. */
    retiredAt: IsoDateSchema,
    retiredBecause: z.string(),
  })
  .strict();
export type ImageHistoryEntry = z.infer<typeof ImageHistoryEntrySchema>;

/** The entry retention writes for a record's image before deleting it. */
export function historyEntryOfRecord(
  record: ImageRecord,
  retiredAt: Date,
  reason: string,
): ImageHistoryEntry {
  return {
    schemaVersion: IMAGE_HISTORY_SCHEMA_VERSION,
    key: record.key,
    host: record.host,
    kind: record.kind,
    volumeGroup: record.volumeGroup,
    date: record.date,
    sizeBytes: record.sizeBytes,
    sha256: record.sha256,
    verdict: record.verdict,
    osLevel: record.osLevel,
    codes: record.anomalies.map((a) => a.code),
    verifiedAt: record.verifiedAt,
    retiredAt: retiredAt.toISOString(),
    retiredBecause: reason,
  };
}

export function renderImageHistoryEntry(entry: ImageHistoryEntry): string {
  return `${JSON.stringify(ImageHistoryEntrySchema.parse(entry))}\n`;
}

export type HistoryParseResult = { ok: true; entry: ImageHistoryEntry } | { ok: false; problem: string };

/** Parses an entry; a problem names the key and the first bad field. */
export function parseImageHistoryEntry(text: string, key: string): HistoryParseResult {
  const json = storedJson(text, key);
  if (!json.ok) return json;
  const parsed = storedValue(ImageHistoryEntrySchema, json.value, key, '(entry)');
  if (!parsed.ok) return parsed;
  if (key !== historyKey(parsed.value.key))
    return { ok: false, problem: `${key}: names image ${parsed.value.key}, not the image its key names` };
  return { ok: true, entry: parsed.value };
}

/** What the size-history analysis needs of a retired image. */
export function sizeHistoryOf(
  entry: Pick<ImageHistoryEntry, 'date' | 'sizeBytes' | 'verdict' | 'osLevel' | 'codes'>,
): HistoryEntry {
  return {
    date: entry.date,
    sizeBytes: entry.sizeBytes,
    verdict: entry.verdict,
    osLevel: entry.osLevel,
    codes: entry.codes,
  };
}

/**
 * A series' size history: the records of the images still there, and the entries of those retention
 * deleted (a record wins over an entry of the same image), newest first, at most `limit`.
 */
export function mergeHistory<R extends { readonly key: string }>(
  records: readonly R[],
  retired: readonly ImageHistoryEntry[],
  historyEntryOf: (record: R) => HistoryEntry,
  limit: number,
): HistoryEntry[] {
  const present = new Set(records.map((r) => r.key));
  return [...records.map(historyEntryOf), ...retired.filter((e) => !present.has(e.key)).map(sizeHistoryOf)]
    .sort((a, b) => Date.parse(b.date) - Date.parse(a.date))
    .slice(0, limit);
}
