// prepare-upload's composition root, for the Lambda entry and the local runner alike
// (lambdas/adapters/handler-io.ts).
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import { parseWith } from '../adapters/validation.js';
import type { PrepareUploadDeps } from './prepare-upload.js';
import { PrepareUploadEnvSchema } from './schema.js';

export function prepareUploadDeps(
  env: HandlerEnv,
  io: Pick<HandlerIo, 's3' | 'presign' | 'now'>,
  where = 'prepare-upload environment',
): PrepareUploadDeps {
  const e = parseWith(PrepareUploadEnvSchema, env, where);
  return {
    s3: io.s3,
    presignClient: io.presign,
    bucket: e.BUCKET,
    partSizeBytes: e.PART_SIZE_BYTES,
    urlExpirySeconds: e.URL_EXPIRY_SECONDS,
    now: io.now,
  };
}
