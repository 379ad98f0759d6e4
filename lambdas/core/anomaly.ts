// Anomalies and verdicts: the vocabulary every part of mksysb-vault (verify, alerts, reports, CLI)
// uses to say what is wrong with an image. The anomaly codes are defined here; the verdicts in
// vocabulary.ts, re-exported here for the modules that judge images.
import { z } from 'zod';
import type { Verdict } from './vocabulary.js';

export const SeveritySchema = z.enum(['info', 'warn', 'fail']);
export type Severity = z.infer<typeof SeveritySchema>;

export { type Verdict, VerdictSchema } from './vocabulary.js';

export const ANOMALY_CODES = [
  'TINY_IMAGE',
  'EMPTY_IMAGE',
  'SIZE_DROP',
  'SIZE_JUMP',
  'SIZE_MISMATCH',
  'FIRST_RUN',
  'NOT_ROOTVG',
  'WRONG_VOLUME_GROUP',
  'NOT_BOOTABLE',
  'VG_DATA_ONLY',
  'BACKUP_DATE_MISMATCH',
  'RUN_FAILED',
  'RUN_WARNING',
  'LOG_MISSING',
  'LSMKSYSB_UNPARSABLE',
  'OSLEVEL_CHANGED',
  'OSLEVEL_REGRESSED',
  'FILE_COUNT_MISMATCH',
  'HISTORY_UNREADABLE',
  // Raised by the content check, from the bytes S3 holds (lambdas/core/bff/).
  'CHECKSUM_MISMATCH',
  'ARCHIVE_TRUNCATED',
  'ARCHIVE_CORRUPT',
  'CONTENT_MISMATCH',
  'BOOT_FILES_MISSING',
  'CONTENT_UNVERIFIED',
  // A VIOS's viosbr archive beside its mksysb (viosbr.ts): viosbr failed or nothing stored; stored but
  // not a readable tar.gz with its XML, or not what the VIOS hashed.
  'VIOSBR_MISSING',
  'VIOSBR_INVALID',
  // An ioscli-only VIOS whose backup could not unmount the relay's export (await-command): the image
  // is good, the export is left mounted on the VIOS.
  'NFS_UNMOUNT_FAILED',
  // Raised outside the verdict, by the workflow and the freshness check.
  'HOST_UNREACHABLE',
  'AUTH_FAILED',
  'PREFLIGHT_REFUSED',
  'BACKUP_FAILED',
  'TRANSFER_FAILED',
  'UPLOAD_MISMATCH',
  'HOST_BUSY',
  'HOST_MISSED',
  'STALE',
  'FLEET_PARAMETER_INVALID',
  // Raised by the freshness check from the forecast (forecast.ts): a warning, never a page.
  'STAGING_FULL_SOON',
  // Raised by the restore-test run (a test that failed) and the freshness check (no passing test
  // within restoreTests.windowDays), lambdas/core/restore-test.ts.
  'RESTORE_FAILED',
  'RESTORE_TEST_OVERDUE',
] as const;
export const AnomalyCodeSchema = z.enum(ANOMALY_CODES);
export type AnomalyCode = z.infer<typeof AnomalyCodeSchema>;

export const AnomalySchema = z.object({
  code: AnomalyCodeSchema,
  severity: SeveritySchema,
  /** One line a person understands at a glance: what, with the numbers. */
  message: z.string(),
  /** The numbers and lines the message is based on, for the record and the alert. */
  evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type Anomaly = z.infer<typeof AnomalySchema>;

export function anomaly(
  code: AnomalyCode,
  severity: Severity,
  message: string,
  evidence: Anomaly['evidence'] = {},
): Anomaly {
  return { code, severity, message, evidence };
}

/** The verdict that a list of anomalies adds up to: any fail is FAIL, any warn is WARN. */
export function verdictOf(anomalies: readonly Anomaly[]): Verdict {
  if (anomalies.some((a) => a.severity === 'fail')) return 'FAIL';
  if (anomalies.some((a) => a.severity === 'warn')) return 'WARN';
  return 'PASS';
}

/** Human-readable byte counts as AIX people say them (MB/GB, powers of 1024). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}
