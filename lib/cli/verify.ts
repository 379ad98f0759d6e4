// `mksysb-vault verify`: judge one image offline from its `lsmksysb -lf` listing, its log, its size
// and the host's earlier images — the same verification core the verify Lambda runs.
import { z } from 'zod';
import { formatBytes } from '../../lambdas/core/anomaly.js';
import { IsoDateSchema } from '../../lambdas/core/iso-date.js';
import { aixDateToIso } from '../../lambdas/core/lsmksysb.js';
import {
  DEFAULT_VERIFICATION_POLICY,
  type VerificationPolicy,
  VerificationPolicySchema,
} from '../../lambdas/core/policy.js';
import type { HistoryEntry } from '../../lambdas/core/size-history.js';
import { type ImageJudgement, judgeImage } from '../../lambdas/core/verdict.js';
import { VerdictSchema } from '../../lambdas/core/vocabulary.js';
import {
  type CliIo,
  type Command,
  dateOption,
  EXIT,
  parseOptions,
  readUserFile,
  UsageError,
  VERDICT_EXIT,
} from './command.js';

const HELP = `Usage: mksysb-vault verify --lsmksysb FILE [options]

Judges one mksysb (or savevg) image offline: parses its \`lsmksysb -lf\` listing, classifies its
run log, compares its size with the host's earlier images, and prints PASS, WARN or FAIL with
every anomaly and its evidence. Never reads the image itself.

Options:
  --lsmksysb FILE    \`lsmksysb -lf\` output of the image (required)
  --log FILE         the mksysb / savevg output of the run
  --size BYTES       the image's size in bytes (without it, size is not judged)
  --history FILE     JSON array of the host's earlier images: [{"date","sizeBytes","verdict"}, ...]
                     (optional "osLevel"); verdict is PASS, WARN or FAIL
  --date ISO         the run's date (default: the listing's BACKUP DATE/TIME)
  --kind KIND        mksysb (default) or savevg
  --vg NAME          the volume group a savevg image must hold
  --toc-files N      files in the image's table of contents (restore -Tqf), checked against the log
  --oslevel LEVEL    \`oslevel -s\` of the host at backup time
  --policy FILE      JSON thresholds overriding the defaults (see README, "Verification policy")
  --json             print one JSON object instead of text
  -h, --help         show this help

Exit status: 0 PASS, 1 WARN, 2 FAIL, 64 usage error or unreadable file, 70 internal error.`;

const HistoryFileSchema = z.array(
  z
    .object({
      date: IsoDateSchema,
      sizeBytes: z.number().int().nonnegative(),
      verdict: VerdictSchema,
      osLevel: z.string().nullable().optional(),
    })
    .passthrough(),
);

export const verifyCommand: Command = {
  name: 'verify',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseOptions('verify', argv, {
      lsmksysb: { type: 'string' },
      log: { type: 'string' },
      size: { type: 'string' },
      history: { type: 'string' },
      date: { type: 'string' },
      kind: { type: 'string', default: 'mksysb' },
      vg: { type: 'string' },
      'toc-files': { type: 'string' },
      oslevel: { type: 'string' },
      policy: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    if (!values.lsmksysb)
      throw new UsageError('--lsmksysb FILE is required (see "mksysb-vault verify --help")');
    const kind = values.kind;
    if (kind !== 'mksysb' && kind !== 'savevg')
      throw new UsageError(`--kind must be mksysb or savevg, not "${kind}"`);
    if (kind === 'savevg' && !values.vg) throw new UsageError('--kind savevg needs --vg NAME');
    if (values.date !== undefined) dateOption('--date', values.date);

    const lsmksysbText = readUserFile('--lsmksysb', values.lsmksysb);
    const logText = values.log ? readUserFile('--log', values.log) : null;
    const sizeBytes = values.size === undefined ? null : wholeNumber('--size', values.size);
    const tocFileCount =
      values['toc-files'] === undefined ? null : wholeNumber('--toc-files', values['toc-files']);
    const history = values.history ? readHistory(values.history) : [];
    const policy = values.policy ? readPolicy(values.policy) : DEFAULT_VERIFICATION_POLICY;

    const date = values.date ?? listingDate(lsmksysbText) ?? io.now().toISOString();
    const judgement = judgeImage(
      {
        host: hostFromListing(lsmksysbText) ?? 'the host',
        kind,
        volumeGroup: kind === 'mksysb' ? 'rootvg' : (values.vg as string),
        date,
        sizeBytes,
        lsmksysbText,
        logText,
        tocFileCount,
        osLevel: values.oslevel ?? null,
      },
      history,
      policy,
    );
    io.out(values.json ? JSON.stringify(toJson(judgement), null, 2) : renderHuman(judgement, sizeBytes));
    return VERDICT_EXIT[judgement.verdict];
  },
};

function wholeNumber(option: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${option} "${text}" is not a whole number of bytes`);
  return Number(text);
}

function readJson(option: string, path: string): unknown {
  const text = readUserFile(option, path);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} ${path}: not JSON (${(error as Error).message})`);
  }
}

function readHistory(path: string): HistoryEntry[] {
  const parsed = HistoryFileSchema.safeParse(readJson('--history', path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `[${issue.path.join('].')}` : '';
    throw new UsageError(
      `--history ${path}: ${where.replace(/\]\.?$/, ']')} ${issue?.message ?? 'invalid'}`.trim(),
    );
  }
  return parsed.data;
}

function readPolicy(path: string): VerificationPolicy {
  const parsed = VerificationPolicySchema.safeParse(readJson('--policy', path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--policy ${path}: ${issue?.path.join('.') || '(top level)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** The listing's BACKUP DATE/TIME as an instant; a zone-less one is taken as UTC. */
function listingDate(text: string): string | null {
  const raw = /BACKUP DATE\/TIME:\s*(.+)/.exec(text)?.[1];
  const iso = raw ? aixDateToIso(raw.trim()) : null;
  if (!iso) return null;
  return /[+-]\d{2}:\d{2}$/.test(iso) ? iso : `${iso}Z`;
}

function hostFromListing(text: string): string | null {
  const m = /UNAME INFO:\s*AIX\s+(\S+)/.exec(text);
  return m?.[1] ?? null;
}

function toJson(j: ImageJudgement) {
  const l = j.lsmksysb;
  return {
    verdict: j.verdict,
    anomalies: j.anomalies,
    lsmksysb: l
      ? {
          volumeGroup: l.volumeGroup,
          backupDate: l.backupDate,
          backupDateRaw: l.backupDateRaw,
          uname: l.uname,
          osLevel: l.osLevel,
          maintenanceLevel: l.maintenanceLevel,
          backupSizeMB: l.backupSizeMB,
          shrinkSizeMB: l.shrinkSizeMB,
          vgDataOnly: l.vgDataOnly,
          logicalVolumes: l.logicalVolumes,
        }
      : null,
    log: j.log
      ? {
          outcome: j.log.outcome,
          command: j.log.command,
          completed: j.log.completed,
          codes: j.log.codes,
          filesToBackUp: j.log.filesToBackUp,
          filesBackedUp: j.log.filesBackedUp,
          outOfSpace: j.log.outOfSpace,
          reasons: j.log.reasons,
        }
      : null,
    size: j.baseline
      ? {
          expectedBytes: j.baseline.expectedBytes,
          medianBytes: j.baseline.medianBytes,
          samples: j.baseline.samples,
          spreadPercent: j.baseline.spreadPercent,
          trendPercentPerWeek: j.baseline.trendPercentPerWeek,
        }
      : null,
    firstRun: j.firstRun,
    osLevel: j.osLevel,
  };
}

/** Names shown on the logical-volume line: a rootvg has a few dozen; a junk table thousands. */
const LV_NAMES_SHOWN = 40;

function lvNames(lvs: readonly { name: string }[]): string {
  const names = lvs.slice(0, LV_NAMES_SHOWN).map((lv) => lv.name);
  if (lvs.length > LV_NAMES_SHOWN) names.push(`… and ${lvs.length - LV_NAMES_SHOWN} more`);
  return names.join(' ');
}

function renderHuman(j: ImageJudgement, sizeBytes: number | null): string {
  const lines = [`${j.verdict}`];
  for (const a of j.anomalies)
    lines.push(`  ${a.severity.toUpperCase().padEnd(4)}  ${a.code.padEnd(20)}  ${a.message}`);
  const l = j.lsmksysb;
  if (l) {
    lines.push('');
    lines.push(`  volume group       ${l.volumeGroup ?? '-'}`);
    lines.push(`  backup date        ${l.backupDateRaw ?? '-'}`);
    lines.push(`  uname              ${l.uname ?? '-'}`);
    lines.push(`  OS level           ${l.osLevel ?? '-'}  (maintenance level ${l.maintenanceLevel ?? '-'})`);
    lines.push(`  backup size        ${l.backupSizeMB ?? '-'} MB, shrink size ${l.shrinkSizeMB ?? '-'} MB`);
    lines.push(`  logical volumes    ${l.logicalVolumes.length} (${lvNames(l.logicalVolumes)})`);
  }
  if (j.log)
    lines.push(
      `  run log            ${j.log.outcome}${j.log.codes.length ? ` (${j.log.codes.join(' ')})` : ''}`,
    );
  if (sizeBytes !== null)
    lines.push(
      `  image size         ${formatBytes(sizeBytes)}${j.baseline ? ` (expected ${formatBytes(j.baseline.expectedBytes)} from ${j.baseline.samples} earlier images)` : ''}`,
    );
  else lines.push('  image size         not given (--size): size not judged');
  return lines.join('\n');
}
