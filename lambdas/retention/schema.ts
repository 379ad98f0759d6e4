// retention's contract: which hosts (default all), dry run or not, the plan and what was deleted, the env.
// The input and output live beside applyRetention in lambdas/adapters/retention.ts, which parses them
// for the CLI's `retention` as well.
import { z } from 'zod';

export {
  type RetentionInput,
  RetentionInputSchema,
  type RetentionOutput,
  RetentionOutputSchema,
} from '../adapters/retention.js';

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
