// Parsers for `lsmksysb -lf` (the image's header and logical-volume table) and `lsmksysb -L`
// (installed filesets). Lenient about layout — AIX 5.3 to 7.3 differ in spacing, blank lines and
// which header fields exist — and strict about what verification needs: a listing without its
// volume group, backup date or logical-volume table is unusable, and the result says exactly why.
import { z } from 'zod';

export const LogicalVolumeSchema = z.object({
  name: z.string(),
  type: z.string(),
  lps: z.number().int().nonnegative(),
  pps: z.number().int().nonnegative(),
  pvs: z.number().int().nonnegative(),
  state: z.string(),
  /** `null` where AIX prints `N/A` (boot, paging, log and dump logical volumes). */
  mountPoint: z.string().nullable(),
});
export type LogicalVolume = z.infer<typeof LogicalVolumeSchema>;

export const LsmksysbReportSchema = z.object({
  /** Null only in a listing that failed to parse (see `found`): a usable listing always names it. */
  volumeGroup: z.string().nullable(),
  /** ISO 8601; with an offset when the listing's zone is known, else local time without one. */
  backupDate: z.string().nullable(),
  backupDateRaw: z.string().nullable(),
  uname: z.string().nullable(),
  osLevel: z.string().nullable(),
  maintenanceLevel: z.string().nullable(),
  backupSizeMB: z.number().nullable(),
  shrinkSizeMB: z.number().nullable(),
  vgDataOnly: z.boolean().nullable(),
  logicalVolumes: z.array(LogicalVolumeSchema),
  /** Lines the parser did not understand, kept so a new AIX format is noticed rather than lost. */
  unrecognisedLines: z.array(z.string()),
});
export type LsmksysbReport = z.infer<typeof LsmksysbReportSchema>;

export type LsmksysbParseResult =
  | { ok: true; report: LsmksysbReport }
  | {
      ok: false;
      problems: string[];
      /**
       * Every field the listing does show (null where it shows none, no LVs without a table), so
       * a listing cut short still tells its OS level, date and sizes; null when it shows nothing.
       */
      found: LsmksysbReport | null;
    };

const HEADER_FIELDS = {
  'VOLUME GROUP': 'volumeGroup',
  'BACKUP DATE/TIME': 'backupDateRaw',
  'UNAME INFO': 'uname',
  'BACKUP OSLEVEL': 'osLevel',
  'MAINTENANCE LEVEL': 'maintenanceLevel',
  'BACKUP SIZE (MB)': 'backupSizeMB',
  'SHRINK SIZE (MB)': 'shrinkSizeMB',
  'VG DATA ONLY': 'vgDataOnly',
} as const;
type HeaderLabel = keyof typeof HEADER_FIELDS;

/** Any byte that is neither printable nor ordinary white space: the file is not a listing. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control bytes is the point.
const BINARY = /[\u0000-\u0008\u000e-\u001f\u007f]/;

/** A scalable volume group holds at most 4,096 logical volumes: a longer table is not a listing. */
export const MAX_LOGICAL_VOLUMES = 4096;
/** Unrecognised lines kept (then one line saying how many more): a junk file must not make a huge record. */
export const MAX_UNRECOGNISED_LINES = 100;

export function parseLsmksysb(text: string, source = 'lsmksysb output'): LsmksysbParseResult {
  if (text.trim() === '') return { ok: false, problems: [`${source}: is empty`], found: null };
  if (BINARY.test(text.slice(0, 65_536)))
    return {
      ok: false,
      problems: [`${source}: contains binary data, not lsmksysb text`],
      found: null,
    };

  const header: Record<string, string> = {};
  const logicalVolumes: LogicalVolume[] = [];
  const unrecognisedLines: string[] = [];
  const problems: string[] = [];
  let tableSeen = false;
  let lvRows = 0;
  let unrecognised = 0;
  const unrecognisedLine = (line: string) => {
    unrecognised += 1;
    if (unrecognised <= MAX_UNRECOGNISED_LINES) unrecognisedLines.push(line.slice(0, 300));
  };
  const lines = text.replace(/\r\n?/g, '\n').split('\n');

  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const headerMatch = /^([A-Z][A-Z /()]*?[A-Z)])\s*:\s*(.*)$/.exec(line);
    if (headerMatch?.[1] && headerMatch[1] in HEADER_FIELDS) {
      header[HEADER_FIELDS[headerMatch[1] as HeaderLabel]] = (headerMatch[2] ?? '').trim();
      continue;
    }
    if (/^LV NAME\s+TYPE\s+LPs\s+PPs\s+PVs\s+LV STATE\s+MOUNT POINT$/i.test(line)) {
      tableSeen = true;
      continue;
    }
    if (/^[\w.-]+:$/.test(line)) continue; // the `rootvg:` line above the table
    if (tableSeen) {
      const lv = parseLvLine(line);
      if (lv) {
        lvRows += 1;
        if (lvRows <= MAX_LOGICAL_VOLUMES) logicalVolumes.push(lv);
      } else if (index === lastNonBlank(lines))
        problems.push(`${source}: the listing is cut off: "${line.slice(0, 300)}"`);
      else unrecognisedLine(line);
      continue;
    }
    unrecognisedLine(line);
  }
  if (unrecognised > MAX_UNRECOGNISED_LINES)
    unrecognisedLines.push(`… and ${unrecognised - MAX_UNRECOGNISED_LINES} more unrecognised lines`);

  const backupDateRaw = header.backupDateRaw || null;
  const partial: Partial<LsmksysbReport> = {
    volumeGroup: header.volumeGroup || undefined,
    backupDate: backupDateRaw ? aixDateToIso(backupDateRaw) : null,
    backupDateRaw,
    uname: header.uname || null,
    osLevel: header.osLevel || null,
    maintenanceLevel: header.maintenanceLevel || null,
    backupSizeMB: numberOrNull(header.backupSizeMB),
    shrinkSizeMB: numberOrNull(header.shrinkSizeMB),
    vgDataOnly: yesNo(header.vgDataOnly),
    logicalVolumes,
    unrecognisedLines,
  };

  if (!header.volumeGroup) problems.push(`${source}: no "VOLUME GROUP:" line`);
  if (!backupDateRaw) problems.push(`${source}: no "BACKUP DATE/TIME:" line`);
  else if (partial.backupDate === null)
    problems.push(`${source}: BACKUP DATE/TIME "${backupDateRaw}" is not a date lsmksysb prints`);
  if (header.backupSizeMB !== undefined && partial.backupSizeMB === null)
    problems.push(`${source}: BACKUP SIZE (MB) "${header.backupSizeMB}" is not a number`);
  if (!tableSeen)
    problems.push(`${source}: no logical-volume table (no "LV NAME … MOUNT POINT" header line)`);
  else if (logicalVolumes.length === 0) problems.push(`${source}: the logical-volume table has no rows`);
  else if (lvRows > MAX_LOGICAL_VOLUMES)
    problems.push(
      `${source}: the logical-volume table has ${lvRows} rows; a volume group holds at most ${MAX_LOGICAL_VOLUMES}`,
    );

  if (problems.length > 0) {
    const anyField = Object.keys(header).length > 0 || logicalVolumes.length > 0;
    const found = anyField
      ? LsmksysbReportSchema.parse({ ...partial, volumeGroup: partial.volumeGroup ?? null })
      : null;
    return { ok: false, problems, found };
  }
  return { ok: true, report: LsmksysbReportSchema.parse(partial) };
}

function lastNonBlank(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i -= 1) if ((lines[i] ?? '').trim() !== '') return i;
  return -1;
}

function parseLvLine(line: string): LogicalVolume | null {
  // name type LPs PPs PVs state mount-point (the mount point may, rarely, contain spaces)
  const m = /^(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S.*)$/.exec(line);
  if (!m) return null;
  const mount = (m[7] ?? '').trim();
  return {
    name: m[1] ?? '',
    type: m[2] ?? '',
    lps: Number(m[3]),
    pps: Number(m[4]),
    pvs: Number(m[5]),
    state: m[6] ?? '',
    mountPoint: mount === 'N/A' ? null : mount,
  };
}

function numberOrNull(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value.trim().replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
}

function yesNo(value: string | undefined): boolean | null {
  if (value === undefined) return null;
  if (/^(yes|y|true)$/i.test(value.trim())) return true;
  if (/^(no|n|false)$/i.test(value.trim())) return false;
  return null;
}

// Zone abbreviations `date` prints on AIX installations seen in the field; an unknown one gives a
// local timestamp without offset rather than a guess.
const ZONE_OFFSETS: Record<string, string> = {
  UTC: '+00:00',
  GMT: '+00:00',
  WET: '+00:00',
  BST: '+01:00',
  CET: '+01:00',
  MET: '+01:00',
  CEST: '+02:00',
  MEST: '+02:00',
  EET: '+02:00',
  EEST: '+03:00',
  MSK: '+03:00',
  IST: '+05:30',
  SGT: '+08:00',
  AWST: '+08:00',
  JST: '+09:00',
  KST: '+09:00',
  AEST: '+10:00',
  AEDT: '+11:00',
  NZST: '+12:00',
  NZDT: '+13:00',
  EST: '-05:00',
  EDT: '-04:00',
  CST: '-06:00',
  CDT: '-05:00',
  MST: '-07:00',
  MDT: '-06:00',
  PST: '-08:00',
  PDT: '-07:00',
  AKST: '-09:00',
  AKDT: '-08:00',
  HST: '-10:00',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * `Tue Jun 13 10:52:22 CDT 2017` (the `date` format lsmksysb prints; the zone may be missing or
 * written as an offset like `GMT+01:00`) to ISO 8601. Null when it is not such a date.
 */
export function aixDateToIso(raw: string): string | null {
  const m =
    /^(?:[A-Za-z]{3}\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\s+([A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?))?\s+(\d{4})$/.exec(
      raw.trim(),
    );
  if (!m) return null;
  const month = MONTHS.indexOf((m[1] ?? '').toLowerCase());
  if (month < 0) return null;
  const pad = (v: string | number) => String(v).padStart(2, '0');
  const local = `${m[7]}-${pad(month + 1)}-${pad(m[2] ?? '')}T${pad(m[3] ?? '')}:${m[4]}:${m[5]}`;
  const check = new Date(`${local}Z`);
  if (Number.isNaN(check.getTime()) || check.getUTCDate() !== Number(m[2])) return null;
  return `${local}${zoneOffset(m[6])}`;
}

function zoneOffset(zone: string | undefined): string {
  if (!zone) return '';
  const explicit = /^(?:GMT|UTC)([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(zone);
  if (explicit) return `${explicit[1]}${(explicit[2] ?? '').padStart(2, '0')}:${explicit[3] ?? '00'}`;
  return ZONE_OFFSETS[zone.toUpperCase()] ?? '';
}

export const FilesetSchema = z.object({
  name: z.string(),
  level: z.string(),
  /** lslpp state letter (C committed, A applied, B broken, …) when the listing has it. */
  state: z.string().nullable(),
  type: z.string().nullable(),
  description: z.string().nullable(),
});
export type Fileset = z.infer<typeof FilesetSchema>;

/**
 * `lsmksysb -L` prints the image's installed software the way `lslpp -L` does:
 * `  bos.rte     7.2.5.0    C     F    Base Operating System Runtime`. Header, separator and
 * legend lines are skipped; duplicate filesets (the same name in usr and root parts) collapse.
 */
export function parseFilesetList(text: string): Fileset[] {
  const seen = new Map<string, Fileset>();
  // lslpp prints a name too long for its column alone on its line, and its level on the next.
  let pending: string | null = null;
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const alone = /^\s*([A-Za-z0-9][\w.+-]*\.[\w.+-]*)\s*$/.exec(raw);
    if (alone) {
      pending = alone[1] ?? null;
      continue;
    }
    const line: string = pending !== null && /^\s+\d/.test(raw) ? `${pending} ${raw.trim()}` : raw;
    pending = null;
    const m =
      /^\s*([A-Za-z0-9][\w.+-]*)\s+(\d+\.\d+\.\d+\.\d+|\d[\w.-]*)\s+(?:([A-Z?])\s+)?(?:([A-Z])\s+)?(.*)$/.exec(
        line,
      );
    if (!m || !/[.]/.test(m[1] ?? '') || /^Fileset$/i.test(m[1] ?? '')) continue;
    const name = m[1] ?? '';
    if (!seen.has(name))
      seen.set(name, {
        name,
        level: m[2] ?? '',
        state: m[3] ?? null,
        type: m[4] ?? null,
        description: (m[5] ?? '').trim() || null,
      });
  }
  return [...seen.values()];
}
