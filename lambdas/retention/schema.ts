// retention's contract: which hosts (default all), dry run or not, the plan and what was deleted, the env.
import { z } from 'zod';
import { HostNameSchema } from '../shared/catalog-keys.js';
import { KEEP_RULES } from '../shared/retention-plan.js';
import { VerdictSchema } from '../shared/vocabulary.js';

export const RetentionInputSchema = z
  .object({
    /** Only these hosts; every host in the store when absent. */
    hosts: z.array(HostNameSchema).optional(),
    /** Compute and return the plan, delete nothing. */
    dryRun: z.boolean().default(false),
  })
  .default({ dryRun: false });
export type RetentionInput = z.infer<typeof RetentionInputSchema>;

const DecisionSchema = z.object({
  key: z.string(),
  host: z.string(),
  series: z.string(),
  date: z.string(),
  verdict: VerdictSchema,
  action: z.enum(['keep', 'delete']),
  rules: z.array(z.enum(KEEP_RULES)),
  reason: z.string(),
  objects: z.array(z.string()),
  /** For a keep: until when the policy keeps it (its Object Lock is extended to that), or null. */
  keepUntil: z.string().nullable(),
});

export const RetentionOutputSchema = z.object({
  dryRun: z.boolean(),
  now: z.string(),
  hosts: z.number().int().nonnegative(),
  keep: z.array(DecisionSchema),
  delete: z.array(DecisionSchema),
  strays: z.array(z.object({ key: z.string(), reason: z.string() })),
  /** Objects removed (0 on a dry run). */
  deletedObjects: z.number().int().nonnegative(),
  /** Object Lock retain-until dates extended (image and record of each kept image), with Object Lock on. */
  locksExtended: z.array(z.object({ key: z.string(), until: z.string() })),
  /** Records that could not be read: their images are left alone and named here. */
  problems: z.array(z.string()),
});
export type RetentionOutput = z.infer<typeof RetentionOutputSchema>;

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const RetentionEnvSchema = z.object({
  BUCKET: z.string().min(3),
  KEEP_WEEKLY: z.coerce.number().int().min(1).default(3),
  KEEP_MONTHLY: z.coerce.number().int().min(0).default(6),
  FAILED_KEEP_DAYS: z.coerce.number().int().min(0).default(14),
  STRAY_GRACE_DAYS: z.coerce.number().int().min(1).default(2),
  /** The bucket has Object Lock: read each candidate's retain-until date before planning its delete. */
  OBJECT_LOCK: flag.default(false),
  /** The mode a kept image's lock is extended in when it has none yet (storage.objectLock.mode). */
  OBJECT_LOCK_MODE: z.enum(['GOVERNANCE', 'COMPLIANCE']).default('COMPLIANCE'),
});
