// The freshness check: for every host in the inventory, is there a PASS mksysb image younger than
// the allowed age? A host that never had one is HOST_MISSED; one whose newest PASS is too old is
// STALE. Only mksysb images count: a savevg image cannot rebuild a host. The same daily look also
// warns, STAGING_FULL_SOON, of a staging filesystem the forecast says preflight will soon refuse. Pure.
import { z } from 'zod';
import { AnomalyCodeSchema } from './anomaly.js';
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
