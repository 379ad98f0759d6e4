// inspect-image's composition root, for the Lambda entry and the local runner alike
// (lambdas/adapters/handler-io.ts).
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import { parseWith } from '../adapters/validation.js';
import type { InspectImageDeps } from './inspect-image.js';
import { InspectImageEnvSchema } from './schema.js';

export function inspectImageDeps(
  env: HandlerEnv,
  io: Pick<HandlerIo, 's3' | 'now' | 'remainingMs'>,
  where = 'inspect-image environment',
): InspectImageDeps {
  const e = parseWith(InspectImageEnvSchema, env, where);
  return {
    s3: io.s3,
    bucket: e.BUCKET,
    rangeBytes: e.RANGE_BYTES,
    rangesInFlight: e.RANGES_IN_FLIGHT,
    now: io.now,
    remainingMs: io.remainingMs,
  };
}
