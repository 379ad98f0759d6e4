// The verdict on one image: everything learned about it — its `lsmksysb -lf` listing, its run log,
// its size against the host's history, its table of contents — turned into PASS / WARN / FAIL and a
// list of anomalies with evidence. Pure: it never reads image bytes, so its cost does not grow with
// the image.
import { type Anomaly, type AnomalyCode, anomaly, formatBytes, type Verdict, verdictOf } from './anomaly.js';
import type { ImageChanges } from './image-record.js';
import { type LsmksysbReport, parseLsmksysb } from './lsmksysb.js';
import { classifyMksysbLog, type MksysbLogReport } from './mksysb-log.js';
import { compareOsLevels } from './oslevel.js';
import type { VerificationPolicy } from './policy.js';
import { assessSize, type HistoryEntry, type SizeBaseline } from './size-history.js';

export type { HistoryEntry } from './size-history.js';

export interface ImageEvidence {
  readonly host: string;
  readonly kind: 'mksysb' | 'savevg';
  /** The volume group the image must hold: `rootvg` for mksysb, the declared VG for savevg. */
  readonly volumeGroup: string;
  /** The run's date (ISO). */
  readonly date: string;
  /** Bytes of the image; null when unknown (e.g. `verify` run on a listing alone): size not judged. */
  readonly sizeBytes: number | null;
  /** Raw `lsmksysb -lf` output, or null when the host produced none. */
  readonly lsmksysbText: string | null;
  /** Raw mksysb / savevg output, or null when the host produced none. */
  readonly logText: string | null;
  /** Files in the image's table of contents (`restore -Tqf`), when the host counted them. */
  readonly tocFileCount?: number | null;
  /** `oslevel -s` on the host at backup time, when known. */
  readonly osLevel?: string | null;
  /**
   * `none`: nobody could list the image (an ioscli VIOS's relay has no lsmksysb): no listing is not
   * an anomaly; the caller judges the stored archive's own image.data instead. @default 'host'
   */
  readonly listing?: 'host' | 'none';
}

/** rootvg's boot and root logical volumes: a mksysb without either cannot boot (NOT_BOOTABLE). */
export const ROOTVG_BOOT_LVS: readonly string[] = ['hd5', 'hd4'];

export interface ImageJudgement {
  readonly verdict: Verdict;
  readonly anomalies: Anomaly[];
  readonly lsmksysb: LsmksysbReport | null;
  readonly log: MksysbLogReport | null;
  readonly baseline: SizeBaseline | null;
  readonly firstRun: boolean;
  /** The OS level this image is recorded with (host `oslevel -s`, else the listing's). */
  readonly osLevel: string | null;
}

export interface JudgeOptions {
  /** Records of this host that exist but could not be read: the baseline may be missing images. */
  readonly historyProblems?: readonly string[];
}

const MB = 1024 * 1024;
const HOUR_MS = 3600 * 1000;

export function judgeImage(
  evidence: ImageEvidence,
  history: readonly HistoryEntry[],
  policy: VerificationPolicy,
  options: JudgeOptions = {},
): ImageJudgement {
  const anomalies: Anomaly[] = [];
  const listing = judgeListing(evidence, policy, anomalies);
  const log = judgeLog(evidence, policy, anomalies);

  if (options.historyProblems && options.historyProblems.length > 0)
    anomalies.push(
      anomaly(
        'HISTORY_UNREADABLE',
        'warn',
        `${options.historyProblems.length} earlier record(s) of ${evidence.host} could not be read: the size baseline may be incomplete`,
        { problems: options.historyProblems.slice(0, 5).join(' | ') },
      ),
    );

  const sizeBytes = evidence.sizeBytes;
  const size =
    sizeBytes === null
      ? { anomalies: [], baseline: null, firstRun: false }
      : assessSize({ kind: evidence.kind, date: evidence.date, sizeBytes }, history, policy);
  anomalies.push(...size.anomalies);
  if (listing && sizeBytes !== null) anomalies.push(...judgeReportedSize(sizeBytes, listing, policy));

  const osLevel = evidence.osLevel ?? listing?.maintenanceLevel ?? listing?.osLevel ?? null;
  anomalies.push(...judgeOsLevel(osLevel, evidence.date, history));

  return {
    verdict: verdictOf(anomalies),
    anomalies,
    lsmksysb: listing,
    log,
    baseline: size.baseline,
    firstRun: size.firstRun,
    osLevel,
  };
}

function judgeListing(
  evidence: ImageEvidence,
  policy: VerificationPolicy,
  out: Anomaly[],
): LsmksysbReport | null {
  if (evidence.lsmksysbText === null) {
    if (evidence.listing === 'none') return null;
    out.push(anomaly('LSMKSYSB_UNPARSABLE', 'fail', 'no lsmksysb output: the image was never listed', {}));
    return null;
  }
  const parsed = parseLsmksysb(evidence.lsmksysbText, `lsmksysb of ${evidence.host}`);
  if (!parsed.ok) {
    out.push(
      anomaly('LSMKSYSB_UNPARSABLE', 'fail', parsed.problems.join('; '), {
        problems: parsed.problems.length,
        first: parsed.problems[0] ?? null,
      }),
    );
    // Parse leniently, verify strictly: the image fails, but what the listing does show (OS level,
    // date, sizes) is kept and still judged, so the record says all that is known.
    if (parsed.found) judgeListingFields(evidence, parsed.found, policy, out);
    return parsed.found;
  }
  const report = parsed.report;
  if (evidence.kind === 'mksysb' && report.volumeGroup === 'rootvg') {
    const missing = ROOTVG_BOOT_LVS.filter((lv) => !report.logicalVolumes.some((l) => l.name === lv));
    const boot = report.logicalVolumes.some((l) => l.type === 'boot');
    if (missing.length > 0 || !boot)
      out.push(
        anomaly(
          'NOT_BOOTABLE',
          'fail',
          `rootvg listing lacks ${[...missing, ...(boot ? [] : ['a boot LV'])].join(', ')}: the image cannot boot (or the listing is cut off)`,
          { missing: missing.join(','), bootLv: boot },
        ),
      );
  }
  judgeListingFields(evidence, report, policy, out);
  return report;
}

/** The checks on the listing's header fields, which a listing without its LV table still has. */
function judgeListingFields(
  evidence: ImageEvidence,
  report: LsmksysbReport,
  policy: VerificationPolicy,
  out: Anomaly[],
): void {
  // A null volume group only comes with LSMKSYSB_UNPARSABLE, which already names the missing line.
  const vg = report.volumeGroup;
  if (vg !== null && evidence.kind === 'mksysb' && vg !== 'rootvg') {
    out.push(
      anomaly('NOT_ROOTVG', 'fail', `the mksysb image holds ${report.volumeGroup}, not rootvg`, {
        volumeGroup: report.volumeGroup,
      }),
    );
  } else if (vg !== null && evidence.kind === 'savevg' && vg !== evidence.volumeGroup) {
    out.push(
      anomaly(
        'WRONG_VOLUME_GROUP',
        'fail',
        `the savevg image holds ${report.volumeGroup}, expected ${evidence.volumeGroup}`,
        { volumeGroup: report.volumeGroup, expected: evidence.volumeGroup },
      ),
    );
  }
  if (report.vgDataOnly === true)
    out.push(
      anomaly(
        'VG_DATA_ONLY',
        'fail',
        'VG DATA ONLY: yes — the image holds the volume group structure, no files',
        {},
      ),
    );
  if (report.backupDate) {
    const hours = (Date.parse(evidence.date) - Date.parse(report.backupDate)) / HOUR_MS;
    if (Number.isFinite(hours) && Math.abs(hours) > policy.backupDateToleranceHours)
      out.push(
        anomaly(
          'BACKUP_DATE_MISMATCH',
          hours > 0 ? 'fail' : 'warn',
          hours > 0
            ? `the image was made ${Math.round(hours / 24)} day(s) before this run (${report.backupDateRaw}): a leftover, not this week's backup`
            : `the image's backup date ${report.backupDateRaw} is after the run date ${evidence.date}: a clock is wrong`,
          { backupDate: report.backupDate, runDate: evidence.date, hours: Math.round(hours) },
        ),
      );
  }
}

function judgeLog(
  evidence: ImageEvidence,
  policy: VerificationPolicy,
  out: Anomaly[],
): MksysbLogReport | null {
  if (evidence.logText === null || evidence.logText.trim() === '') {
    out.push(anomaly('LOG_MISSING', 'warn', `no ${evidence.kind} log: the run's own verdict is unknown`, {}));
    return evidence.logText === null ? null : classifyMksysbLog(evidence.logText);
  }
  const log = classifyMksysbLog(evidence.logText);
  const codes = log.codes.join(',') || null;
  if (log.outcome === 'failed')
    out.push(anomaly('RUN_FAILED', 'fail', log.reasons.join('; ') || `${evidence.kind} failed`, { codes }));
  else if (log.outcome === 'warning')
    out.push(anomaly('RUN_WARNING', 'warn', log.reasons.join('; '), { codes }));

  const toc = evidence.tocFileCount;
  if (toc !== undefined && toc !== null && log.filesBackedUp !== null && log.filesBackedUp > 0) {
    const diff = ((toc - log.filesBackedUp) / log.filesBackedUp) * 100;
    if (Math.abs(diff) > policy.fileCountTolerancePercent)
      out.push(
        anomaly(
          'FILE_COUNT_MISMATCH',
          diff < 0 ? 'fail' : 'warn',
          `the table of contents lists ${toc} files, the log says ${log.filesBackedUp} were backed up`,
          { tocFiles: toc, logFiles: log.filesBackedUp, differencePercent: Math.round(diff * 10) / 10 },
        ),
      );
  }
  return log;
}

/** The image's size against what lsmksysb says the volume group holds (BACKUP and SHRINK SIZE). */
export function judgeReportedSize(
  sizeBytes: number,
  listing: LsmksysbReport,
  policy: VerificationPolicy,
): Anomaly[] {
  if (sizeBytes === 0) return [];
  const out: Anomaly[] = [];
  if (listing.backupSizeMB !== null) {
    const ceiling =
      listing.backupSizeMB * MB * (1 + policy.backupSizeExcessPercent / 100) + policy.sizeMismatchSlackBytes;
    if (sizeBytes > ceiling)
      out.push(
        anomaly(
          'SIZE_MISMATCH',
          'fail',
          `${formatBytes(sizeBytes)} is more than the volume group's BACKUP SIZE of ${listing.backupSizeMB} MB: image and listing do not belong together`,
          { sizeBytes, backupSizeMB: listing.backupSizeMB },
        ),
      );
  }
  if (listing.shrinkSizeMB !== null && listing.shrinkSizeMB > 0) {
    const floor = listing.shrinkSizeMB * MB * policy.shrinkSizeMinFraction;
    if (sizeBytes < floor)
      out.push(
        anomaly(
          'SIZE_MISMATCH',
          'warn',
          `${formatBytes(sizeBytes)} is under ${Math.round(policy.shrinkSizeMinFraction * 100)}% of the ${listing.shrinkSizeMB} MB of data lsmksysb reports (SHRINK SIZE): truncated, or much excluded`,
          { sizeBytes, shrinkSizeMB: listing.shrinkSizeMB },
        ),
      );
  }
  return out;
}

function judgeOsLevel(osLevel: string | null, date: string, history: readonly HistoryEntry[]): Anomaly[] {
  if (!osLevel) return [];
  const previous = [...history]
    .filter((h) => h.osLevel && Date.parse(h.date) < Date.parse(date))
    .sort((a, b) => Date.parse(a.date) - Date.parse(b.date))
    .pop();
  if (!previous?.osLevel || previous.osLevel === osLevel) return [];
  const order = compareOsLevels(previous.osLevel, osLevel);
  if (order === null) return [];
  const evidence = { previous: previous.osLevel, current: osLevel, previousDate: previous.date };
  if (order > 0)
    return [
      anomaly('OSLEVEL_REGRESSED', 'warn', `went back from ${previous.osLevel} to ${osLevel}`, evidence),
    ];
  return [anomaly('OSLEVEL_CHANGED', 'info', `from ${previous.osLevel} to ${osLevel}`, evidence)];
}

/** Size findings that what changed in the image's content explains. */
const SIZE_CODES: ReadonlySet<AnomalyCode> = new Set<AnomalyCode>(['TINY_IMAGE', 'SIZE_DROP', 'SIZE_JUMP']);
/** OS level findings that the fileset listings explain. */
const OS_LEVEL_CODES: ReadonlySet<AnomalyCode> = new Set<AnomalyCode>([
  'OSLEVEL_CHANGED',
  'OSLEVEL_REGRESSED',
]);
/** Changes named in a message; the record's `changes` keeps up to 10 contributors and every fileset. */
export const EXPLAINED_CHANGES = 3;
/** A contributor line longer than this has its path shortened in the middle (AIX paths reach 1,023). */
const EXPLAINED_LINE_CHARS = 160;

/**
 * The anomalies with what explains them, from what changed since the earlier image (the record's
 * `changes`): a size finding (TINY_IMAGE, SIZE_DROP, SIZE_JUMP) gains the top contributors —
 * `…: -45%; since 2026-11-16: -9.6 GB /home/oracle (directory removed, 3 entries); +3.1 GB
 * /var/adm/ras/dump.1 (new)` — and an OS level finding the filesets that changed level. Evidence gains
 * `comparedWith` (the earlier image's key), or `changesUnavailable` when that part could not be
 * compared. Severity and code never change: an explanation is no verdict.
 */
export function explainAnomalies(anomalies: readonly Anomaly[], changes: ImageChanges | null): Anomaly[] {
  if (changes === null) return [...anomalies];
  const day = changes.comparedWith.date.slice(0, 10);
  return anomalies.map((a) => {
    const explanation = SIZE_CODES.has(a.code)
      ? contentExplanation(changes)
      : OS_LEVEL_CODES.has(a.code)
        ? filesetExplanation(changes, a.code === 'OSLEVEL_REGRESSED')
        : undefined;
    if (explanation === undefined) return a;
    if (explanation === null)
      return {
        ...a,
        evidence: {
          ...a.evidence,
          comparedWith: changes.comparedWith.key,
          changesUnavailable: changes.unavailable,
        },
      };
    return {
      ...a,
      message: `${a.message}; since ${day}: ${explanation}`,
      evidence: { ...a.evidence, comparedWith: changes.comparedWith.key },
    };
  });
}

function contentExplanation(changes: ImageChanges): string | null {
  const entries = changes.entries;
  if (entries === null) return null;
  if (entries.contributors.length === 0) return 'no file changed size';
  return entries.contributors
    .slice(0, EXPLAINED_CHANGES)
    .map((c) => shortenedLine(c.line, c.path))
    .join('; ');
}

function shortenedLine(line: string, path: string): string {
  const excess = line.length - EXPLAINED_LINE_CHARS;
  if (excess <= 0 || !line.includes(path)) return line;
  const keep = Math.max(20, path.length - excess - 1);
  const head = Math.ceil(keep / 3);
  return line.replace(path, `${path.slice(0, head)}…${path.slice(path.length - (keep - head))}`);
}

/** `bos.rte 7.2.5.0 → 7.3.2.0, bos.mp64 7.2.5.0 → 7.3.2.0, openssh.base.client 9.2.112.2401 (new) and 41 more`. */
function filesetExplanation(changes: ImageChanges, regressed: boolean): string | null {
  const f = changes.filesets;
  if (f === null) return null;
  const levels = (list: readonly { name: string; from: string; to: string }[]) =>
    bosRteFirst(list).map((c) => `${c.name} ${c.from} → ${c.to}`);
  const single = (list: readonly { name: string; level: string }[], what: string) =>
    bosRteFirst(list).map((c) => `${c.name} ${c.level} (${what})`);
  const upgraded = levels(f.upgraded);
  const downgraded = levels(f.downgraded);
  const added = single(f.added, 'new');
  const removed = single(f.removed, 'removed');
  // What the finding is about first: the upgrades of an upgrade, the downgrades of a regression.
  const ordered = regressed
    ? [...downgraded, ...removed, ...upgraded, ...added]
    : [...upgraded, ...added, ...downgraded, ...removed];
  if (ordered.length === 0) return 'no fileset changed level';
  const shown = ordered.slice(0, EXPLAINED_CHANGES).join(', ');
  const more = ordered.length - EXPLAINED_CHANGES;
  return more > 0 ? `${shown} and ${more.toLocaleString('en-US')} more` : shown;
}

/** bos.rte says most about an OS level: named first, the rest in their (name) order. */
function bosRteFirst<T extends { name: string }>(list: readonly T[]): T[] {
  return [...list.filter((f) => f.name === 'bos.rte'), ...list.filter((f) => f.name !== 'bos.rte')];
}
