// freshness's composition root, for the Lambda entry and the local runner alike
// (lambdas/adapters/handler-io.ts).
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import { parseWith } from '../adapters/validation.js';
import type { FreshnessDeps } from './freshness.js';
import { FreshnessEnvSchema } from './schema.js';

export function freshnessDeps(
  env: HandlerEnv,
  io: Pick<HandlerIo, 's3' | 'now'>,
  where = 'freshness environment',
): FreshnessDeps {
  const e = parseWith(FreshnessEnvSchema, env, where);
  return {
    s3: io.s3,
    bucket: e.BUCKET,
    maxAgeDays: e.MAX_AGE_DAYS,
    stagingSizeFactor: e.STAGING_SIZE_FACTOR,
    stagingWarnWeeks: e.STAGING_WARN_WEEKS,
    restoreWindowDays: e.RESTORE_WINDOW_DAYS > 0 ? e.RESTORE_WINDOW_DAYS : undefined,
    now: io.now,
  };
}
