// Parser of what the host steps (preflight, backup, transfer; lib/host-scripts) print on stdout:
// compact `key=value` lines ending with `status=…` (docs/host-protocol.md). Turns one step's SSM
// output into a typed, zod-validated object, or an error that names the line and the field.
// Pure: no AWS SDK, so the Lambdas, the CLI and the local pipeline share it.
import { z } from 'zod';
import { LogOutcomeSchema } from './mksysb-log.js';
import { HostStatusSchema, type HostStep, HostStepSchema } from './vocabulary.js';

export class HostOutputError extends Error {
  override name = 'HostOutputError';
}

const uint = z.string().regex(/^\d+$/, 'a whole number').transform(Number);
const intOrUnavailable = z
  .string()
  .regex(/^(\d+|unavailable)$/, 'a whole number or "unavailable"')
  .transform((v) => (v === 'unavailable' ? null : Number(v)));
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');
const timestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'a UTC time like 2025-01-05T02:00:00Z');
const list = z.string().transform((v) => (v === '' ? [] : v.split(',')));
const text = z.string();
const logVerdict = LogOutcomeSchema;
/** An image's own status within a step: a volume group's savevg can fail while the step goes on. */
const imageStatus = HostStatusSchema.extract(['ok', 'failed']);

const CommonShape = {
  step: HostStepSchema,
  status: HostStatusSchema,
  started: timestamp.optional(),
  ended: timestamp.optional(),
  reason: text.optional(),
  /** Set by the relay wrapper when ssh itself failed or the remote step died. */
  relaySshExit: z.number().optional(),
};

// key on the wire -> field name and schema; a key not listed is kept in `other`, never an error,
// so a newer script can add keys before the parser knows them.
type FieldMap = Record<string, readonly [string, z.ZodType]>;

const COMMON_FIELDS: FieldMap = {
  'mksysb-vault.step': ['step', HostStepSchema],
  status: ['status', HostStatusSchema],
  started: ['started', timestamp],
  ended: ['ended', timestamp],
  reason: ['reason', text],
  relay_ssh_exit: ['relaySshExit', uint],
};

const IMAGE_FIELDS: FieldMap = {
  image: ['image', text],
  exit: ['exit', uint],
  status: ['status', imageStatus],
  log_verdict: ['logVerdict', logVerdict],
  log_codes: ['logCodes', list],
  files_to_back_up: ['filesToBackUp', uint],
  files_backed_up: ['filesBackedUp', uint],
  lsmksysb_exit: ['lsmksysbExit', uint],
  lsmksysb: ['listing', z.literal('none')],
  volume_group: ['volumeGroup', text],
  backup_oslevel: ['backupOslevel', text],
  size_bytes: ['sizeBytes', uint],
  size_after_bytes: ['sizeAfterBytes', uint],
  sha256_tool: ['sha256Tool', z.enum(['openssl', 'csum', 'none'])],
  sha256: ['sha256', sha256],
  toc_files: ['tocFiles', intOrUnavailable],
};

const PREFLIGHT_FIELDS: FieldMap = {
  hostname: ['hostname', text],
  oslevel: ['oslevel', text],
  staging: ['staging', text],
  staging_mount: ['stagingMount', text],
  staging_free_bytes: ['stagingFreeBytes', uint],
  mksysb_expected_bytes: ['mksysbExpectedBytes', uint],
  savevg_expected_bytes: ['savevgExpectedBytes', uint],
  required_bytes: ['requiredBytes', uint],
  tmp_free_bytes: ['tmpFreeBytes', intOrUnavailable.or(z.literal('unknown').transform(() => null))],
  tmp_required_bytes: ['tmpRequiredBytes', uint],
  tmp_expand: ['tmpExpand', z.enum(['yes', 'no']).transform((v) => v === 'yes')],
  online_vgs: ['onlineVolumeGroups', list],
  lock: ['lock', text],
};

const BACKUP_FIELDS: FieldMap = {
  lock: ['lock', text],
  exclude_rootvg: ['excludeRootvg', z.enum(['present', 'absent'])],
  exclude_rootvg_previous: ['excludeRootvgPrevious', z.enum(['kept', 'unchanged', 'none'])],
  exclude_list_source: ['excludeListSource', z.enum(['config', 'host', 'none'])],
  exclude_list_lines: ['excludeListLines', uint],
  pruned: ['pruned', list],
  nfs_mount: ['nfsMount', text],
  nfs_mount_point: ['nfsMountPoint', text],
  nfs_unmount: ['nfsUnmount', z.enum(['ok', 'failed'])],
};

const TRANSFER_FIELDS: FieldMap = {
  image: ['image', text],
  parts_total: ['partsTotal', uint],
  parts_ok: ['partsOk', uint],
  parts_failed: ['partsFailed', uint],
  part_retries: ['partRetries', uint],
  bytes: ['bytes', uint],
  bytes_total: ['bytesTotal', uint],
  failed_parts: ['failedParts', text],
  sidecars_ok: ['sidecarsOk', list],
  sidecars_missing: ['sidecarsMissing', list],
  sidecars_failed: ['sidecarsFailed', list],
  transfer_report: ['transferReport', z.enum(['uploaded', 'failed', 'none'])],
  seconds: ['seconds', uint],
};

/** A VIOS's `viosbr -backup` beside its image (backup.sh `viosbr.*` lines). */
const VIOSBR_FIELDS: FieldMap = {
  exit: ['exit', uint],
  status: ['status', imageStatus],
  archive: ['archive', text],
  size_bytes: ['sizeBytes', uint],
  sha256: ['sha256', sha256],
};

export const ViosbrResultSchema = z.object({
  exit: z.number().optional(),
  status: imageStatus.optional(),
  /** `<image>.viosbr.tar.gz`, the archive viosbr wrote beside the image. */
  archive: z.string().optional(),
  sizeBytes: z.number().optional(),
  sha256: z.string().optional(),
});
export type ViosbrResult = z.infer<typeof ViosbrResultSchema>;

const ImageFactsSchema = z.object({
  image: z.string().optional(),
  exit: z.number().optional(),
  logVerdict: logVerdict.optional(),
  logCodes: z.array(z.string()).default([]),
  filesToBackUp: z.number().optional(),
  filesBackedUp: z.number().optional(),
  lsmksysbExit: z.number().optional(),
  /** `none`: the step could not list the image (an ioscli VIOS's relay has no lsmksysb), and says so. */
  listing: z.literal('none').optional(),
  volumeGroup: z.string().optional(),
  backupOslevel: z.string().optional(),
  sizeBytes: z.number().optional(),
  sizeAfterBytes: z.number().optional(),
  sha256Tool: z.enum(['openssl', 'csum', 'none']).optional(),
  sha256: z.string().optional(),
  tocFiles: z.number().nullable().optional(),
});
export type ImageFacts = z.infer<typeof ImageFactsSchema>;

export const SavevgResultSchema = ImageFactsSchema.extend({
  volumeGroupName: z.string(),
  status: imageStatus.optional(),
});
export type SavevgResult = z.infer<typeof SavevgResultSchema>;

const other = z.record(z.string(), z.string());

export const PreflightOutputSchema = z.object({
  ...CommonShape,
  step: z.literal('preflight'),
  hostname: z.string().optional(),
  oslevel: z.string().optional(),
  staging: z.string().optional(),
  stagingMount: z.string().optional(),
  stagingFreeBytes: z.number().optional(),
  /** The estimates preflight's space check adds up (docs/host-protocol.md). */
  mksysbExpectedBytes: z.number().optional(),
  savevgExpectedBytes: z.number().optional(),
  requiredBytes: z.number().optional(),
  tmpFreeBytes: z.number().nullable().optional(),
  tmpRequiredBytes: z.number().optional(),
  tmpExpand: z.boolean().optional(),
  onlineVolumeGroups: z.array(z.string()).default([]),
  lock: z.string().optional(),
  other,
});
export type PreflightOutput = z.infer<typeof PreflightOutputSchema>;

export const BackupOutputSchema = z.object({
  ...CommonShape,
  ...ImageFactsSchema.shape,
  step: z.literal('backup'),
  lock: z.string().optional(),
  excludeRootvg: z.enum(['present', 'absent']).optional(),
  /** With the config's list: what became of the file it replaced (`kept` as /etc/exclude.rootvg.prev). */
  excludeRootvgPrevious: z.enum(['kept', 'unchanged', 'none']).optional(),
  /** The list mksysb ran with: the config's, the host's own file (-e in its flags), or none. */
  excludeListSource: z.enum(['config', 'host', 'none']).optional(),
  /** Lines of that list, and the first 200 of them in order (`exclude_list.<n>`). */
  excludeListLines: z.number().optional(),
  excludeListPatterns: z.array(z.string()).default([]),
  pruned: z.array(z.string()).default([]),
  savevg: z.array(SavevgResultSchema).default([]),
  /** A VIOS only: its viosbr archive; absent for an LPAR. */
  viosbr: ViosbrResultSchema.optional(),
  /** An ioscli-only VIOS: the relay's export it mounted (`relay:/dir`), where, and whether it was unmounted. */
  nfsMount: z.string().optional(),
  nfsMountPoint: z.string().optional(),
  nfsUnmount: z.enum(['ok', 'failed']).optional(),
  other,
});
export type BackupOutput = z.infer<typeof BackupOutputSchema>;

export const FailedPartSchema = z.object({ partNumber: z.number().int().positive(), reason: z.string() });
export const TransferOutputSchema = z.object({
  ...CommonShape,
  step: z.literal('transfer'),
  image: z.string().optional(),
  partsTotal: z.number().optional(),
  partsOk: z.number().optional(),
  partsFailed: z.number().optional(),
  partRetries: z.number().optional(),
  bytes: z.number().optional(),
  bytesTotal: z.number().optional(),
  /** At most 20 are listed; `moreFailedParts` counts the rest. */
  failedParts: z.array(FailedPartSchema).default([]),
  moreFailedParts: z.number().default(0),
  sidecarsOk: z.array(z.string()).default([]),
  sidecarsMissing: z.array(z.string()).default([]),
  sidecarsFailed: z.array(z.string()).default([]),
  transferReport: z.enum(['uploaded', 'failed', 'none']).optional(),
  seconds: z.number().optional(),
  other,
});
export type TransferOutput = z.infer<typeof TransferOutputSchema>;

export type HostOutput<S extends HostStep = HostStep> = S extends 'preflight'
  ? PreflightOutput
  : S extends 'backup'
    ? BackupOutput
    : TransferOutput;

const LINE = /^([a-z][a-z0-9_.-]*)=([^\n]*)$/;
const VG_KEY = /^vg\.([A-Za-z0-9][A-Za-z0-9._-]*?)\.([a-z0-9_]+)$/;
const VIOSBR_KEY = /^viosbr\.([a-z0-9_]+)$/;
const EXCLUDE_LINE_KEY = /^exclude_list\.([1-9][0-9]{0,2})$/;

interface Entry {
  readonly value: string;
  readonly line: number;
}

// Control characters other than the line feed: C0 (tab included), DEL and C1.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/**
 * A value with each control character written as `\xHH`: a carriage return a host printed (in an OS
 * level, a listing's line) stays data inside its line and can never pass for a line of its own.
 */
export function escapeControlCharacters(value: string): string {
  return value.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function splitLines(stdout: string, source: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  // Lines end at LF only. One CR just before the LF is dropped (nothing can follow it on the line);
  // any other CR is data.
  for (const [i, line] of stdout.split('\n').entries()) {
    const raw = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (raw.trim() === '') continue;
    const m = LINE.exec(raw);
    if (!m)
      throw new HostOutputError(
        `${source}: line ${i + 1} is not key=value: ${JSON.stringify(raw.slice(0, 80))}`,
      );
    // A key printed twice keeps its last value: the relay wrapper's status after a step cut short.
    entries.set(m[1] as string, { value: escapeControlCharacters(m[2] as string), line: i + 1 });
  }
  return entries;
}

function convert(
  key: string,
  entry: Entry,
  [field, schema]: readonly [string, z.ZodType],
  target: Record<string, unknown>,
  source: string,
): void {
  const r = schema.safeParse(entry.value);
  if (!r.success)
    throw new HostOutputError(
      `${source}: line ${entry.line}, field "${key}": ${r.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(entry.value.slice(0, 80))})`,
    );
  target[field] = r.data;
}

function failedParts(
  value: string,
  source: string,
): { parts: { partNumber: number; reason: string }[]; more: number } {
  const parts: { partNumber: number; reason: string }[] = [];
  let more = 0;
  for (const item of value.split(',').filter(Boolean)) {
    const m = /^(\d+):(.+)$/.exec(item);
    const extra = /^\+(\d+)_more$/.exec(item);
    if (m) parts.push({ partNumber: Number(m[1]), reason: m[2] as string });
    else if (extra) more = Number(extra[1]);
    else
      throw new HostOutputError(
        `${source}: field "failed_parts": item ${JSON.stringify(item)} is not <part>:<reason>`,
      );
  }
  return { parts, more };
}

/** Parses one step's stdout; throws HostOutputError naming the line and field that is wrong. */
export function parseHostOutput<S extends HostStep>(
  stdout: string,
  step: S,
  source = `${step} output`,
): HostOutput<S> {
  if (stdout.trim() === '') throw new HostOutputError(`${source}: is empty (the step printed nothing)`);
  const entries = splitLines(stdout, source);
  const stepEntry = entries.get('mksysb-vault.step');
  if (!stepEntry)
    throw new HostOutputError(`${source}: no "mksysb-vault.step=" line: not mksysb-vault output`);
  if (stepEntry.value !== step)
    throw new HostOutputError(
      `${source}: line ${stepEntry.line} says step "${stepEntry.value}", expected "${step}"`,
    );
  if (!entries.has('status'))
    throw new HostOutputError(
      `${source}: no "status=" line: the step ended before it finished (killed, or output cut)`,
    );

  const fields: FieldMap = {
    ...(step === 'preflight'
      ? PREFLIGHT_FIELDS
      : step === 'backup'
        ? { ...IMAGE_FIELDS, ...BACKUP_FIELDS }
        : TRANSFER_FIELDS),
    ...COMMON_FIELDS,
  };
  const result: Record<string, unknown> = { other: {} };
  const savevg = new Map<string, Record<string, unknown>>();
  const excludeLines = new Map<number, string>();
  for (const [key, entry] of entries) {
    const excludeLine = step === 'backup' ? EXCLUDE_LINE_KEY.exec(key) : null;
    if (excludeLine) {
      excludeLines.set(Number(excludeLine[1]), entry.value);
      continue;
    }
    const viosbr = step === 'backup' ? VIOSBR_KEY.exec(key) : null;
    if (viosbr) {
      const spec = VIOSBR_FIELDS[viosbr[1] as string];
      result.viosbr ??= {};
      if (spec) convert(key, entry, spec, result.viosbr as Record<string, unknown>, source);
      continue;
    }
    const vg = step === 'backup' ? VG_KEY.exec(key) : null;
    if (vg) {
      const [, name, sub] = vg as unknown as [string, string, string];
      const spec = IMAGE_FIELDS[sub];
      const target = savevg.get(name) ?? { volumeGroupName: name };
      savevg.set(name, target);
      if (spec) convert(key, entry, spec, target, source);
      continue;
    }
    const spec = fields[key];
    if (!spec) {
      (result.other as Record<string, string>)[key] = entry.value;
      continue;
    }
    if (key === 'failed_parts') {
      const { parts, more } = failedParts(entry.value, source);
      result.failedParts = parts;
      result.moreFailedParts = more;
      continue;
    }
    convert(key, entry, spec, result, source);
  }
  if (step === 'backup') {
    result.savevg = [...savevg.values()];
    result.excludeListPatterns = [...excludeLines].sort(([a], [b]) => a - b).map(([, line]) => line);
  }
  const schema =
    step === 'preflight'
      ? PreflightOutputSchema
      : step === 'backup'
        ? BackupOutputSchema
        : TransferOutputSchema;
  const parsed = schema.safeParse(result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HostOutputError(`${source}: field "${issue?.path.join('.')}": ${issue?.message}`);
  }
  return parsed.data as HostOutput<S>;
}
