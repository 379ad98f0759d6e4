// retention's composition root, for the Lambda entry and the local runner alike
// (lambdas/adapters/handler-io.ts): the policy and the Object Lock mode come from the environment here
// and nowhere else.
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import { parseWith } from '../adapters/validation.js';
import { RetentionPolicySchema } from '../core/retention-plan.js';
import type { RetentionDeps } from './retention.js';
import { RetentionEnvSchema } from './schema.js';

export function retentionDeps(
  env: HandlerEnv,
  io: Pick<HandlerIo, 's3' | 'now'>,
  where = 'retention environment',
): RetentionDeps {
  const e = parseWith(RetentionEnvSchema, env, where);
  const policy = RetentionPolicySchema.parse({
    weekly: e.KEEP_WEEKLY,
    monthly: e.KEEP_MONTHLY,
    failedKeepDays: e.FAILED_KEEP_DAYS,
    strayGraceDays: e.STRAY_GRACE_DAYS,
  });
  return {
    s3: io.s3,
    bucket: e.BUCKET,
    policy,
    objectLock: e.OBJECT_LOCK,
    lockMode: e.OBJECT_LOCK_MODE,
    now: io.now,
  };
}
