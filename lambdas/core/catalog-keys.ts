// Where everything lives in the image store: the one place that turns (host, kind, volume group, date)
// into S3 keys and back. The layout is documented in docs/s3-layout.md; the catalog, the handlers and
// the CLI all derive keys here so they can never disagree. Pure: no AWS SDK.
import { z } from 'zod';
import { IsoDateSchema } from './iso-date.js';

export const IMAGES_PREFIX = 'images/';
export const UPLOADS_PREFIX = 'uploads/';
export const RUNS_PREFIX = 'runs/';
export const QUARANTINE_PREFIX = 'quarantine/';
export const LOCKS_PREFIX = 'locks/';
/** Operators' acknowledgements of a host's alert code (lambdas/core/acknowledgement.ts). */
export const ACKS_PREFIX = 'acks/';
/**
 * Per-host catalog indexes (lambdas/core/catalog-index.ts): outside images/, so no listing of a host's
 * images sees one and retention (which only ever deletes under images/) never touches it.
 */
export const CATALOG_PREFIX = 'catalog/';

export class CatalogKeyError extends Error {
  override name = 'CatalogKeyError';
}

/**
 * The longest host name mksysb-vault can back up. The limit is the SSM documents' `host` parameter
 * (lib/host-scripts/index.ts, allowedPattern `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`): SSM refuses a
 * command whose parameter value does not match its document's allowedPattern, so a longer name would
 * pass the config and never be backed up. 64 is also the simulated LPARs' limit (lib/sim-lpar), and
 * keeps `<host>-<week>-r<attempt>` within Step Functions' 80-character execution names. Every check of a host name (config, fleet parameters, keys, the CLI)
 * goes through hostNameProblem below.
 */
export const HOST_NAME_MAX = 64;
// AIX host names: letters, digits, '-', '.', '_'. Nothing that could climb out of a key prefix.
const HOST_NAME = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${HOST_NAME_MAX - 1}}$`);
// AIX volume group names: letters, digits and '_' (mkvg allows up to 15 characters).
const VG_NAME = /^[A-Za-z0-9_]{1,15}$/;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const ImageKindSchema = z.enum(['mksysb', 'savevg']);
export type ImageKind = z.infer<typeof ImageKindSchema>;

/** A host name over the limit, said with the host, its length and why the limit is there. */
function tooLong(host: string): string {
  return `host name ${JSON.stringify(host)} is ${host.length} characters: at most ${HOST_NAME_MAX} (the SSM documents' host parameter refuses longer names, so it would never be backed up)`;
}

/** Why `host` cannot name a host's images, or null when it can: the one rule for host names. */
export function hostNameProblem(host: string): string | null {
  if (host.length > HOST_NAME_MAX) return tooLong(host);
  if (!HOST_NAME.test(host) || host.includes('..'))
    return `host name ${JSON.stringify(host)} is not valid: AIX host names are letters, digits, '-', '.' and '_' (no '/', no spaces)`;
  return null;
}

// The same rule as hostNameProblem; maxLength and pattern also reach the config's JSON Schema (editors).
const NOT_A_HOST_NAME = 'not an AIX host name (letters, digits, - . _)';
export const HostNameSchema = z
  .string()
  .max(HOST_NAME_MAX, { error: (issue) => tooLong(String(issue.input)), abort: true })
  .regex(HOST_NAME, { error: NOT_A_HOST_NAME, abort: true })
  .refine((host) => !host.includes('..'), NOT_A_HOST_NAME);
export const VolumeGroupSchema = z.string().regex(VG_NAME, 'not an AIX volume group name');
export const RunIdSchema = z.string().regex(RUN_ID, 'not a run id (letters, digits, . _ : -)');

export function validateHostName(host: string): string {
  const problem = hostNameProblem(host);
  if (problem) throw new CatalogKeyError(problem);
  return host;
}

export function validateVolumeGroup(volumeGroup: string, host: string): string {
  if (!VG_NAME.test(volumeGroup))
    throw new CatalogKeyError(
      `volume group ${JSON.stringify(volumeGroup)} of ${host} is not valid: letters, digits and '_', at most 15`,
    );
  return volumeGroup;
}

export function validateRunId(runId: string): string {
  if (!RUN_ID.test(runId)) throw new CatalogKeyError(`run id ${JSON.stringify(runId)} is not valid`);
  return runId;
}

/**
 * The calendar day of an ISO date or date-time as it is written, as used in keys. A run's date
 * carries its schedule's offset (zonedIsoTime), so this is the day the schedule fired on locally —
 * a Monday 03:00 run in Asia/Kolkata is Monday, though it is still Sunday 21:30 in UTC.
 */
export function dayOf(date: string): string {
  if (DAY.test(date)) return date;
  const ms = Date.parse(date);
  if (!Number.isFinite(ms)) throw new CatalogKeyError(`date ${JSON.stringify(date)} is not an ISO date`);
  const written = /^(\d{4}-\d{2}-\d{2})T/.exec(date)?.[1];
  return written ?? new Date(ms).toISOString().slice(0, 10);
}

/**
 * `instant` as an ISO 8601 date-time in `timeZone`, with that zone's offset then (`Z` where it is
 * zero, so a UTC schedule's dates are exactly toISOString()'s): the date of a run. Its first ten
 * characters are the run's local day, which names its images, claims and report.
 */
export function zonedIsoTime(instant: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const millis = ((instant.getTime() % 1000) + 1000) % 1000;
  const wall = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  const offsetMinutes = Math.round((Date.parse(`${wall}Z`) - (instant.getTime() - millis)) / 60_000);
  const fraction = String(millis).padStart(3, '0');
  if (offsetMinutes === 0) return `${wall}.${fraction}Z`;
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${wall}.${fraction}${offset}`;
}

/** What names one image: the series it belongs to (host, kind, VG) and its day. */
export interface ImageRef {
  readonly host: string;
  readonly kind: ImageKind;
  /** `rootvg` for mksysb images. */
  readonly volumeGroup: string;
  /** ISO date or date-time; the key holds its day as written (dayOf). */
  readonly date: string;
}

/** `<host>_mksysb_<YYYY-MM-DD>` or `<host>_savevg_<vg>_<YYYY-MM-DD>`: the file name on AIX and in S3. */
export function imageName(ref: ImageRef): string {
  const host = validateHostName(ref.host);
  const day = dayOf(ref.date);
  if (ref.kind === 'mksysb') return `${host}_mksysb_${day}`;
  return `${host}_savevg_${validateVolumeGroup(ref.volumeGroup, host)}_${day}`;
}

/** What the workflow passes a handler about one uploaded image (inspect-image, verify). */
export const UploadedImageSchema = z.object({
  runId: RunIdSchema,
  host: HostNameSchema,
  kind: ImageKindSchema,
  volumeGroup: z.string().min(1).default('rootvg'),
  date: IsoDateSchema,
  key: z.string().startsWith('images/'),
  /** The size complete-upload checked the object against: a different object is not judged. */
  sizeBytes: z.number().int().nonnegative(),
});
export type UploadedImage = z.infer<typeof UploadedImageSchema>;

/**
 * The image an input names, its key checked against the key it carries: a handler never reads or
 * judges another image than the one its host, kind and date name. `handler` is for the message.
 */
export function uploadedImageRef(input: UploadedImage, handler: string): ImageRef & { key: string } {
  const ref = {
    host: input.host,
    kind: input.kind,
    volumeGroup: input.kind === 'mksysb' ? 'rootvg' : input.volumeGroup,
    date: input.date,
  };
  const key = imageKey(ref);
  if (key !== input.key)
    throw new CatalogKeyError(
      `${handler} input for ${input.host}: key ${input.key} does not match its host, kind and date (${key})`,
    );
  return { ...ref, key };
}

export function hostPrefix(host: string): string {
  return `${IMAGES_PREFIX}${validateHostName(host)}/`;
}

export function imageKey(ref: ImageRef): string {
  return `${hostPrefix(ref.host)}${imageName(ref)}`;
}

/** The catalog record beside an image: written last, after the image is complete and checked. */
export function recordKey(image: string): string {
  return `${image}.record.json`;
}

export const RECORD_SUFFIX = '.record.json';

/** The sidecars the transfer step writes beside the image, by their manifest names. */
export const SIDECAR_SUFFIXES = {
  log: '.log',
  lsmksysb: '.lsmksysb',
  filesets: '.filesets',
  toc: '.toc.gz',
  /** A VIOS's `viosbr -backup` archive (lambdas/core/viosbr.ts); only a VIOS's mksysb has one. */
  viosbr: '.viosbr.tar.gz',
} as const;
export type ImageSidecar = keyof typeof SIDECAR_SUFFIXES;

export function sidecarKey(image: string, sidecar: ImageSidecar): string {
  return `${image}${SIDECAR_SUFFIXES[sidecar]}`;
}

/**
 * The vault's own table of contents of an image, written by the content check from the stored bytes
 * (never by the host, so no presigned URL can reach it): gzip'd TSV, one line per entry with its
 * byte offset (lambdas/core/bff/toc-index.ts).
 */
export const CONTENT_INDEX_SUFFIX = '.index.gz';

export function contentIndexKey(image: string): string {
  return `${image}${CONTENT_INDEX_SUFFIX}`;
}

/** Every key that belongs to an image: retention deletes `rest` first and the record last (docs/s3-layout.md). */
const SUFFIXES: readonly string[] = [...Object.values(SIDECAR_SUFFIXES), CONTENT_INDEX_SUFFIX];

export function imageObjectKeys(image: string): { record: string; rest: string[] } {
  const rest = [image];
  for (const suffix of SUFFIXES) rest.push(`${image}${suffix}`);
  return { record: recordKey(image), rest };
}

export function uploadPrefix(runId: string, host: string): string {
  return `${UPLOADS_PREFIX}${validateRunId(runId)}/${validateHostName(host)}/`;
}

export function manifestKey(runId: string, host: string, name: string): string {
  return `${uploadPrefix(runId, host)}${name}.manifest`;
}

/** The claim a host's run holds on its host-day (lambdas/adapters/host-claim.ts): one writer at a time. */
export function hostClaimKey(host: string, date: string): string {
  return `${LOCKS_PREFIX}${validateHostName(host)}/${dayOf(date)}.json`;
}

/** An operator's acknowledgement of one alert code of one host: `acks/<host>/<CODE>.json`. */
export function ackKey(host: string, code: string): string {
  if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(code))
    throw new CatalogKeyError(`alert code ${JSON.stringify(code)} is not valid (A-Z, 0-9, _)`);
  return `${ACKS_PREFIX}${validateHostName(host)}/${code}.json`;
}

/** A host's catalog index: `catalog/<host>/index.json`, one small object per host. */
export function catalogIndexKey(host: string): string {
  return `${CATALOG_PREFIX}${validateHostName(host)}/index.json`;
}

/** The transfer report: one line per part, `part=<n> etag=<etag> md5=<hex>`. */
export function transferReportKey(runId: string, host: string, name: string): string {
  return `${uploadPrefix(runId, host)}${name}.parts`;
}

export function runReportKey(date: string, runId: string): string {
  return `${RUNS_PREFIX}${dayOf(date)}/${validateRunId(runId)}.json`;
}

/** Where an image that failed its upload checks is moved (never listed as an image). */
export function quarantineKey(image: string): string {
  const parsed = parseImageKey(image);
  if (!parsed) throw new CatalogKeyError(`${image} is not an image key`);
  return `${QUARANTINE_PREFIX}${parsed.host}/${parsed.name}`;
}

export interface ParsedImageKey {
  readonly host: string;
  readonly kind: ImageKind;
  readonly volumeGroup: string;
  /** YYYY-MM-DD */
  readonly day: string;
  readonly name: string;
  readonly key: string;
}

/** The image an object key names (the image itself, not a sidecar or record), or null. */
export function parseImageKey(key: string): ParsedImageKey | null {
  const m = /^images\/([^/]+)\/([^/]+)$/.exec(key);
  if (!m) return null;
  const host = m[1] as string;
  const name = m[2] as string;
  if (!HOST_NAME.test(host) || !name.startsWith(`${host}_`)) return null;
  const rest = name.slice(host.length + 1);
  const mksysb = /^mksysb_(\d{4}-\d{2}-\d{2})$/.exec(rest);
  if (mksysb) return { host, kind: 'mksysb', volumeGroup: 'rootvg', day: mksysb[1] as string, name, key };
  const savevg = /^savevg_([A-Za-z0-9_]{1,15})_(\d{4}-\d{2}-\d{2})$/.exec(rest);
  if (savevg)
    return {
      host,
      kind: 'savevg',
      volumeGroup: savevg[1] as string,
      day: savevg[2] as string,
      name,
      key,
    };
  return null;
}

/** The image a record key belongs to, or null when the key is not a record. */
export function parseRecordKey(key: string): ParsedImageKey | null {
  if (!key.endsWith(RECORD_SUFFIX)) return null;
  return parseImageKey(key.slice(0, -RECORD_SUFFIX.length));
}

/** The image a key belongs to: the image itself, its record or one of its sidecars. */
export function owningImage(key: string): ParsedImageKey | null {
  const direct = parseImageKey(key);
  if (direct) return direct;
  for (const suffix of [RECORD_SUFFIX, ...SUFFIXES])
    if (key.endsWith(suffix)) return parseImageKey(key.slice(0, -suffix.length));
  return null;
}

/** The series an image belongs to: one size history, one retention schedule. */
export function seriesOf(ref: { host: string; kind: ImageKind; volumeGroup: string }): string {
  return ref.kind === 'mksysb' ? `${ref.host}/mksysb` : `${ref.host}/savevg/${ref.volumeGroup}`;
}
