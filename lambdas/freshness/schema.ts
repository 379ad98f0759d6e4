// freshness's contract: the inventory in (load-fleet's snapshot in the store, or the hosts themselves for
// a small caller), HOST_MISSED / STALE / … findings out (written beside the snapshot, the state carrying
// their key and counts; inline for inline hosts), the env.
import { z } from 'zod';
import { HostNameSchema, RunIdSchema } from '../core/catalog-keys.js';
import { FleetParameterProblemSchema } from '../core/fleet.js';
import { FreshnessFindingSchema } from '../core/freshness.js';

export const InlineFreshnessInputSchema = z.object({
  hosts: z.array(HostNameSchema),
  /** Fleet parameter entries load-fleet skipped: each is a FLEET_PARAMETER_INVALID finding. */
  fleetProblems: z.array(FleetParameterProblemSchema).default([]),
});

/** load-fleet's `inventory` answer: the findings go to `runs/<day>/<runId>/findings.json`. */
export const SnapshotFreshnessInputSchema = z.object({
  runId: RunIdSchema,
  date: z.string().min(10),
  fleetKey: z.string().min(1),
  fleetProblemsKey: z.string().min(1),
});

export const FreshnessInputSchema = z.union([SnapshotFreshnessInputSchema, InlineFreshnessInputSchema]);
export type FreshnessInput = z.infer<typeof FreshnessInputSchema>;

export const FreshnessOutputSchema = z.object({
  checkedAt: z.string(),
  maxAgeDays: z.number().int().positive(),
  hosts: z.number().int().nonnegative(),
  /** Inline hosts in: the findings themselves. */
  findings: z.array(FreshnessFindingSchema).optional(),
  /** A snapshot in: where the findings are (FreshnessFindingsFile), how many, and of which codes. */
  findingsKey: z.string().optional(),
  findingCount: z.number().int().nonnegative(),
  counts: z.record(z.string(), z.number().int().nonnegative()),
});
export type FreshnessOutput = z.infer<typeof FreshnessOutputSchema>;

export const FreshnessEnvSchema = z.object({
  BUCKET: z.string().min(3),
  /** A weekly schedule plus a day of slack. */
  MAX_AGE_DAYS: z.coerce.number().int().positive().default(8),
  /** workflow.stagingSizeFactor: the factor preflight tests the staging space with. */
  STAGING_SIZE_FACTOR: z.coerce.number().min(1).max(10).default(1.5),
  /** forecast.stagingWarnWeeks: STAGING_FULL_SOON this many weeks before preflight would refuse. */
  STAGING_WARN_WEEKS: z.coerce.number().int().min(1).max(52).default(4),
  /** restoreTests.windowDays while restore tests are on: RESTORE_TEST_OVERDUE; 0: off. */
  RESTORE_WINDOW_DAYS: z.coerce.number().int().min(0).max(3660).default(0),
});
