// record-failure's composition root, for the Lambda entry and the local runner alike
// (lambdas/adapters/handler-io.ts).
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import { parseWith } from '../adapters/validation.js';
import type { RecordFailureDeps } from './record-failure.js';
import { RecordFailureEnvSchema } from './schema.js';

export function recordFailureDeps(
  env: HandlerEnv,
  io: Pick<HandlerIo, 's3' | 'now'>,
  where = 'record-failure environment',
): RecordFailureDeps {
  const e = parseWith(RecordFailureEnvSchema, env, where);
  return { s3: io.s3, bucket: e.BUCKET, now: io.now };
}
