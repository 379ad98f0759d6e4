// The freshness check: for every host in the inventory, is there a PASS mksysb image younger than
// the allowed age? A host that never had one is HOST_MISSED; one whose newest PASS is too old is
// STALE. Only mksysb images count: a savevg image cannot rebuild a host. The same daily look also
// warns, STAGING_FULL_SOON, of a staging filesystem the forecast says preflight will soon refuse. Pure.
import { z } from 'zod';
import { type AlertMessage, subjectLine } from './alert-message.js';
import { AnomalyCodeSchema, type Severity } from './anomaly.js';
import type { StagingForecast } from './forecast.js';
import type { RestoreOverdue } from './restore-test.js';

export const FreshnessFindingSchema = z.object({
  /** The host; for FLEET_PARAMETER_INVALID without a valid host name, the parameter's name. */
  host: z.string(),
  /** FLEET_PARAMETER_INVALID: a fleet parameter entry was skipped, so its host is not checked. */
  finding: AnomalyCodeSchema.extract([
    'HOST_MISSED',
    'STALE',
    'FLEET_PARAMETER_INVALID',
    'STAGING_FULL_SOON',
    'RESTORE_TEST_OVERDUE',
  ]),
  /** Date of the newest PASS image; null when there never was one. */
  lastPassDate: z.string().nullable(),
  /** Key of that image, so the alert names the image it is about (absent in older findings). */
  lastPassKey: z.string().nullable().optional(),
  /** Whole days since that image; null when there never was one. */
  ageDays: z.number().int().nullable(),
  /** What is wrong with the fleet parameter (FLEET_PARAMETER_INVALID only). */
  problem: z.string().optional(),
  /** STAGING_FULL_SOON: whole weeks until preflight refuses (0: it would now), and the forecast's numbers. */
  weeksUntilFull: z.number().int().nonnegative().optional(),
  forecast: z.string().optional(),
  /** RESTORE_TEST_OVERDUE: the newest PASS restore test (null: never passed one) and the window. */
  lastRestorePassAt: z.string().nullable().optional(),
  restoreWindowDays: z.number().int().positive().optional(),
});
export type FreshnessFinding = z.infer<typeof FreshnessFindingSchema>;

const DAY_MS = 86_400_000;

export function assessFreshness(
  inventory: readonly string[],
  lastPassByHost: ReadonlyMap<string, string | null>,
  now: Date,
  maxAgeDays = 8,
): FreshnessFinding[] {
  const findings: FreshnessFinding[] = [];
  for (const host of [...new Set(inventory)].sort()) {
    const last = lastPassByHost.get(host) ?? null;
    if (last === null) {
      findings.push({ host, finding: 'HOST_MISSED', lastPassDate: null, ageDays: null });
      continue;
    }
    const ageMs = now.getTime() - Date.parse(last);
    if (ageMs > maxAgeDays * DAY_MS)
      findings.push({ host, finding: 'STALE', lastPassDate: last, ageDays: Math.floor(ageMs / DAY_MS) });
  }
  return findings;
}

/**
 * STAGING_FULL_SOON for each host whose staging filesystem the forecast says preflight will refuse
 * within the warning (outlook soon), or would refuse now (full): weeks ahead, so the filesystem can
 * be grown (`chfs -a size=+…`) before a backup is missed.
 */
export function stagingFindings(forecasts: readonly StagingForecast[]): FreshnessFinding[] {
  return forecasts
    .filter((f) => f.outlook === 'soon' || f.outlook === 'full')
    .map((f) => ({
      host: f.host,
      finding: 'STAGING_FULL_SOON' as const,
      lastPassDate: null,
      ageDays: null,
      weeksUntilFull: f.weeksUntilFull ?? 0,
      forecast: f.summary,
    }))
    .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}

/**
 * RESTORE_TEST_OVERDUE for each host without a PASS restore test within the window
 * (lambdas/core/restore-test.ts overdueRestoreTests): a warning, as no backup is missing.
 */
export function restoreTestFindings(
  overdue: readonly RestoreOverdue[],
  windowDays: number,
): FreshnessFinding[] {
  return overdue.map((o) => ({
    host: o.host,
    finding: 'RESTORE_TEST_OVERDUE' as const,
    lastPassDate: null,
    ageDays: o.ageDays,
    lastRestorePassAt: o.lastPassAt,
    restoreWindowDays: windowDays,
  }));
}

/**
 * The check's findings as the store keeps them (`runs/<day>/<run>/findings.json`, beside the inventory
 * snapshot): at 10,000 hosts they are a megabyte, four times what a state may carry, so the state
 * holds their key and counts and notify reads them here.
 */
export const FreshnessFindingsFileSchema = z.object({
  schemaVersion: z.literal(1),
  checkedAt: z.string(),
  maxAgeDays: z.number().int().positive(),
  /** Hosts checked. */
  hosts: z.number().int().nonnegative(),
  findings: z.array(FreshnessFindingSchema),
});
export type FreshnessFindingsFile = z.infer<typeof FreshnessFindingsFileSchema>;

export type FreshnessCode = FreshnessFinding['finding'];

/** A missing or stale backup (or a fleet entry that is not backed up at all) pages; a forecast warns. */
export function findingSeverity(code: FreshnessCode): Severity {
  return code === 'STAGING_FULL_SOON' || code === 'RESTORE_TEST_OVERDUE' ? 'warn' : 'fail';
}

/** How many findings of each code, in the order codes first appear. Pure. */
export function countByFinding(findings: readonly { finding: FreshnessCode }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.finding] = (counts[f.finding] ?? 0) + 1;
  return counts;
}

/**
 * Alerts one by one of a day's findings: at most this many, the most severe first. A day the store is
 * unreachable makes every host a finding: 10,000 messages nobody reads. Past the cap, one summary.
 */
export const FRESHNESS_ALERT_CAP = 50;

/**
 * The findings to alert one by one (fail before warn, each in the check's order) and the rest, which
 * one summary message counts. Pure.
 */
export function capAlerts<T extends { finding: FreshnessCode }>(
  findings: readonly T[],
  cap = FRESHNESS_ALERT_CAP,
): { alerted: T[]; summarized: T[] } {
  const rank = (f: T) => (findingSeverity(f.finding) === 'fail' ? 0 : 1);
  const ordered = findings.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i);
  return {
    alerted: ordered.slice(0, cap).map((o) => o.f),
    summarized: ordered.slice(cap).map((o) => o.f),
  };
}

/** Hosts named per code in the summary: enough to start on, the full list is in the findings object. */
const SUMMARY_HOSTS_PER_CODE = 20;

/**
 * The one message for the findings past the cap: how many of each code were not alerted one by one
 * (with the first hosts of each), and where the full list is. Within SNS's 256 KB whatever the
 * fleet's size: counts and a bounded sample, the host names cut to fit. Pure.
 */
export function freshnessSummaryAlert(options: {
  readonly checkedAt: string;
  readonly hosts: number;
  readonly total: number;
  readonly alerted: number;
  readonly summarized: readonly FreshnessFinding[];
  /** Where the full list is: `s3://<bucket>/<key>`. */
  readonly where: string;
}): AlertMessage {
  const { summarized } = options;
  const counts = countByFinding(summarized);
  const worst: Severity = summarized.some((f) => findingSeverity(f.finding) === 'fail') ? 'fail' : 'warn';
  const codes = Object.keys(counts) as FreshnessCode[];
  const countText = codes.map((c) => `${(counts[c] ?? 0).toLocaleString('en-US')} ${c}`).join(', ');
  const lines = [
    `The freshness check of ${options.checkedAt} found ${options.total.toLocaleString('en-US')} findings over ${options.hosts.toLocaleString('en-US')} hosts.`,
    `The ${options.alerted} most severe were alerted one by one; these ${summarized.length.toLocaleString('en-US')} were not (one message instead of one each):`,
    '',
    ...codes.flatMap((code) => {
      const hosts = summarized.filter((f) => f.finding === code).map((f) => f.host);
      const shown = hosts.slice(0, SUMMARY_HOSTS_PER_CODE).map((h) => h.slice(0, 200));
      const more = hosts.length - shown.length;
      return [
        `${code} (${findingSeverity(code)}): ${hosts.length.toLocaleString('en-US')}`,
        `  ${shown.join(' ')}${more > 0 ? ` and ${more.toLocaleString('en-US')} more` : ''}`,
      ];
    }),
    '',
    `Full list (every finding, JSON): ${options.where}`,
    'Each host: mksysb-vault status; to hold back a known one: mksysb-vault ack.',
  ];
  // Bounded whatever the fleet: five codes × 20 names of at most 200 characters, under 25 KB.
  const message = lines.join('\n');
  return {
    subject: subjectLine(
      ['FRESHNESS', worst.toUpperCase()],
      `${summarized.length.toLocaleString('en-US')} more findings: ${countText}`,
    ),
    message,
    attributes: {
      severity: { DataType: 'String', StringValue: worst },
      kind: { DataType: 'String', StringValue: 'summary' },
    },
  };
}
