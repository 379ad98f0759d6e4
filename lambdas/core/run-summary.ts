// One host's result in a weekly run, and the run report built from all of them. The per-host result
// travels through the weekly Map as one short line (`dbqa09|FAIL|verified|4194304|TINY_IMAGE`), so
// 1,000 hosts' results stay far below Step Functions' payload limit; the report written to S3 and the
// digest sent to SNS are built from those lines here. Pure: no AWS SDK.
import { z } from 'zod';
import { type AnomalyCode, AnomalyCodeSchema, formatBytes, type Severity } from './anomaly.js';
import { HostNameSchema } from './catalog-keys.js';
import { type HostVerdict, HostVerdictSchema } from './vocabulary.js';

/** How a host's week ended. */
export const HOST_OUTCOMES = [
  /** Its images were uploaded and verified (their verdict says how good they are). */
  'verified',
  /** This host-week's execution existed already, or its day has a verified image: not repeated. */
  'already_ran',
  /** Another run holds the host-day (lambdas/adapters/host-claim.ts): this run did not start. */
  'busy',
  'unreachable',
  'auth_failed',
  'refused',
  'backup_failed',
  'transfer_failed',
  /** The workflow itself failed for the host (a Lambda error, a timeout). */
  'error',
] as const;
export const HostOutcomeSchema = z.enum(HOST_OUTCOMES);
export type HostOutcome = z.infer<typeof HostOutcomeSchema>;

export const HostResultSchema = z.object({
  host: HostNameSchema,
  verdict: HostVerdictSchema,
  outcome: HostOutcomeSchema,
  /** Bytes of the host's mksysb image; 0 when there is none. */
  sizeBytes: z.number().int().nonnegative(),
  codes: z.array(AnomalyCodeSchema),
  /**
   * Codes of `codes` an operator acknowledged (`mksysb-vault ack`): not alerted this time, recorded
   * here instead. Absent in reports written before acknowledgements.
   */
  acknowledged: z.array(AnomalyCodeSchema).default([]),
});
export type HostResult = z.infer<typeof HostResultSchema>;

export class RunSummaryError extends Error {
  override name = 'RunSummaryError';
}

/**
 * `host|verdict|outcome|sizeBytes|code,code[|acknowledged,codes]`: host names cannot hold '|'. The
 * acknowledged field is written only when there is one, so other lines stay as they were.
 */
export function encodeHostResult(result: z.input<typeof HostResultSchema>): string {
  const fields = [
    result.host,
    result.verdict,
    result.outcome,
    String(result.sizeBytes),
    result.codes.join(','),
  ];
  if (result.acknowledged?.length) fields.push(result.acknowledged.join(','));
  return fields.join('|');
}

/**
 * The line of a host whose name the state machine fills in: the template for Step Functions'
 * States.Format, `{}` standing for the host (the other fields hold no brace nor backslash).
 */
export function hostResultTemplate(result: Omit<z.input<typeof HostResultSchema>, 'host'>): string {
  const line = encodeHostResult({ ...result, host: '{}' });
  if (/[{}\\]/.test(line.slice(2)))
    throw new RunSummaryError(`host result template ${line} has a brace or backslash`);
  return line;
}

export function decodeHostResult(line: string): HostResult {
  const [host, verdict, outcome, size, codes, acknowledged, ...rest] = line.split('|');
  const parsed = HostResultSchema.safeParse({
    host,
    verdict,
    outcome,
    sizeBytes: size === '' || size === undefined ? 0 : Number(size),
    codes: codes ? codes.split(',') : [],
    acknowledged: acknowledged ? acknowledged.split(',') : [],
  });
  if (!parsed.success || rest.length > 0)
    throw new RunSummaryError(
      `host result ${JSON.stringify(line.slice(0, 120))} is not host|verdict|outcome|size|codes[|acknowledged]${parsed.success ? '' : `: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`}`,
    );
  return parsed.data;
}

/** The verdict of a host from its images' verdicts and the anomalies raised outside them. */
export function hostVerdict(outcome: HostOutcome, imageVerdicts: readonly string[]): HostVerdict {
  if (outcome === 'already_ran' || outcome === 'busy') return 'SKIP';
  if (outcome !== 'verified') return 'FAIL';
  if (imageVerdicts.includes('FAIL')) return 'FAIL';
  if (imageVerdicts.includes('WARN')) return 'WARN';
  return 'PASS';
}

export const RUN_REPORT_SCHEMA_VERSION = 1;

export const RetentionSummarySchema = z.object({
  deletedObjects: z.number().int().nonnegative(),
  keep: z.number().int().nonnegative(),
  delete: z.number().int().nonnegative(),
  problems: z.number().int().nonnegative(),
});
export type RetentionSummary = z.infer<typeof RetentionSummarySchema>;

export const RunReportSchema = z.object({
  schemaVersion: z.literal(RUN_REPORT_SCHEMA_VERSION),
  runId: z.string(),
  /** When the run started (ISO). */
  date: z.string(),
  /** The week it belongs to (YYYY-MM-DD, the Monday). */
  week: z.string(),
  counts: z.object({
    hosts: z.number().int().nonnegative(),
    PASS: z.number().int().nonnegative(),
    WARN: z.number().int().nonnegative(),
    FAIL: z.number().int().nonnegative(),
    SKIP: z.number().int().nonnegative(),
  }),
  results: z.array(HostResultSchema),
  /** Hosts in the inventory the run could not start (and why). */
  notStarted: z.array(z.object({ host: z.string(), reason: z.string() })),
  /** What retention did, or why it did not run. */
  retention: RetentionSummarySchema.or(z.object({ error: z.string() })).nullable(),
  writtenAt: z.string(),
});
export type RunReport = z.infer<typeof RunReportSchema>;

export interface RunMeta {
  readonly runId: string;
  readonly date: string;
  readonly week: string;
  readonly notStarted: readonly { host: string; reason: string }[];
  readonly retention: RunReport['retention'];
  readonly writtenAt: string;
}

export function buildRunReport(lines: readonly string[], meta: RunMeta): RunReport {
  const results = lines.map(decodeHostResult).sort((a, b) => a.host.localeCompare(b.host));
  const count = (v: HostVerdict) => results.filter((r) => r.verdict === v).length;
  return {
    schemaVersion: RUN_REPORT_SCHEMA_VERSION,
    runId: meta.runId,
    date: meta.date,
    week: meta.week,
    counts: {
      hosts: results.length + meta.notStarted.length,
      PASS: count('PASS'),
      WARN: count('WARN'),
      FAIL: count('FAIL') + meta.notStarted.length,
      SKIP: count('SKIP'),
    },
    results,
    notStarted: [...meta.notStarted],
    retention: meta.retention,
    writtenAt: meta.writtenAt,
  };
}

/** The worst severity in the run: a FAIL host makes the digest a `fail` message. */
export function worstSeverity(report: RunReport): Severity {
  if (report.counts.FAIL > 0) return 'fail';
  if (report.counts.WARN > 0) return 'warn';
  return 'info';
}

/** Subject detail and body of the run's digest. */
/**
 * The most bytes of a digest's body: SNS takes 262,144 (lambdas/core/aws-limits.ts SNS_MESSAGE_LIMIT),
 * and the report's key is added after it. A fleet whose host lines pass it keeps the lines that fit
 * (FAIL, WARN, SKIP first, then PASS) and says how many more the run report holds.
 */
export const DIGEST_BODY_BYTES = 200_000;

export function runDigest(report: RunReport, maxBytes = DIGEST_BODY_BYTES): { detail: string; body: string } {
  const c = report.counts;
  const detail = `${report.week}: ${c.PASS} PASS, ${c.WARN} WARN, ${c.FAIL} FAIL${c.SKIP ? `, ${c.SKIP} SKIP` : ''} of ${c.hosts} hosts`;
  const line = (r: HostResult) =>
    `  ${r.verdict.padEnd(4)} ${r.host.padEnd(16)} ${r.outcome.padEnd(15)} ${r.sizeBytes ? formatBytes(r.sizeBytes).padStart(8) : '       -'}  ${r.codes.join(' ')}${r.acknowledged.length ? ` (acknowledged, not alerted: ${r.acknowledged.join(' ')})` : ''}`;
  const sections = (['FAIL', 'WARN', 'SKIP', 'PASS'] as const).flatMap((v) => {
    const rows = report.results.filter((r) => r.verdict === v);
    return rows.length === 0 ? [] : ['', `${v} (${rows.length})`, ...rows.map(line)];
  });
  const retention =
    report.retention === null
      ? 'not run'
      : 'error' in report.retention
        ? `FAILED: ${report.retention.error}`
        : `${report.retention.delete} image(s) deleted (${report.retention.deletedObjects} objects), ${report.retention.keep} kept${report.retention.problems ? `, ${report.retention.problems} problem(s) left alone (unreadable records, stray keys, Object Locks not extended; the retention step's output names each)` : ''}`;
  const head = [
    `mksysb-vault weekly run ${report.runId}`,
    `week ${report.week}, started ${report.date}`,
    '',
    detail,
  ];
  const rows = [
    ...sections,
    ...(report.notStarted.length
      ? [
          '',
          `NOT STARTED (${report.notStarted.length})`,
          ...report.notStarted.map((n) => `  ${n.host}: ${n.reason}`),
        ]
      : []),
  ];
  const tail = ['', `retention: ${retention}`];
  const bytes = (lines: readonly string[]) => Buffer.byteLength(lines.join('\n'), 'utf8') + 1;
  let budget = maxBytes - bytes(head) - bytes(tail) - 100;
  let kept = 0;
  for (const row of rows) {
    budget -= bytes([row]);
    if (budget < 0) break;
    kept += 1;
  }
  const cut =
    kept < rows.length
      ? [
          '',
          `… ${rows.length - kept} more line(s) left out to stay within an SNS message: the run report lists every host`,
        ]
      : [];
  return { detail, body: [...head, ...rows.slice(0, kept), ...cut, ...tail].join('\n') };
}

/** The codes a failed host's result carries for its outcome. */
export const OUTCOME_CODE: Readonly<Record<Exclude<HostOutcome, 'verified' | 'already_ran'>, AnomalyCode>> = {
  busy: 'HOST_BUSY',
  unreachable: 'HOST_UNREACHABLE',
  auth_failed: 'AUTH_FAILED',
  refused: 'PREFLIGHT_REFUSED',
  backup_failed: 'BACKUP_FAILED',
  transfer_failed: 'TRANSFER_FAILED',
  error: 'BACKUP_FAILED',
};
