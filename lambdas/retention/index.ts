// Lambda entry for retention: env (bucket, GFS counts, Object Lock) parsed once, client built once.
import { storeClient } from '../catalog/s3-client.js';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { RetentionPolicySchema } from '../shared/retention-plan.js';
import { applyRetention } from './retention.js';
import { RetentionEnvSchema } from './schema.js';

const env = parseWith(RetentionEnvSchema, process.env, 'retention environment');
const policy = RetentionPolicySchema.parse({
  weekly: env.KEEP_WEEKLY,
  monthly: env.KEEP_MONTHLY,
  failedKeepDays: env.FAILED_KEEP_DAYS,
  strayGraceDays: env.STRAY_GRACE_DAYS,
});
const s3 = storeClient();

export const handler = instrumented('retention', (event: unknown) =>
  applyRetention(event, {
    s3,
    bucket: env.BUCKET,
    policy,
    objectLock: env.OBJECT_LOCK,
    lockMode: env.OBJECT_LOCK_MODE,
    now: () => new Date(),
  }),
);
