// complete-upload's composition root, for the Lambda entry and the local runner alike
// (lambdas/adapters/handler-io.ts).
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import { parseWith } from '../adapters/validation.js';
import type { CompleteUploadDeps } from './complete-upload.js';
import { CompleteUploadEnvSchema } from './schema.js';

export function completeUploadDeps(
  env: HandlerEnv,
  io: Pick<HandlerIo, 's3'>,
  where = 'complete-upload environment',
): CompleteUploadDeps {
  const e = parseWith(CompleteUploadEnvSchema, env, where);
  return { s3: io.s3, bucket: e.BUCKET };
}
