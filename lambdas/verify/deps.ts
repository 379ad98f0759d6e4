// verify's composition root: its environment read and its dependencies assembled, for the Lambda entry
// (index.ts) and the local runner alike (lambdas/adapters/handler-io.ts).
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import { parseWith } from '../adapters/validation.js';
import { VerifyEnvSchema } from './schema.js';
import type { VerifyDeps } from './verify.js';

export function verifyDeps(
  env: HandlerEnv,
  io: Pick<HandlerIo, 's3' | 'now'>,
  where = 'verify environment',
): VerifyDeps {
  const e = parseWith(VerifyEnvSchema, env, where);
  return {
    s3: io.s3,
    bucket: e.BUCKET,
    policy: e.VERIFICATION_POLICY,
    historyLimit: e.HISTORY_LIMIT,
    now: io.now,
  };
}
