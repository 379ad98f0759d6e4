// load-fleet's composition root, for the Lambda entry and the local runner alike
// (lambdas/adapters/handler-io.ts).
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import { parseWith } from '../adapters/validation.js';
import type { LoadFleetDeps } from './load-fleet.js';
import { LoadFleetEnvSchema } from './schema.js';

export function loadFleetDeps(
  env: HandlerEnv,
  io: Pick<HandlerIo, 's3' | 'ssm' | 'now'>,
  where = 'load-fleet environment',
): LoadFleetDeps {
  const e = parseWith(LoadFleetEnvSchema, env, where);
  return {
    ssm: io.ssm,
    s3: io.s3,
    bucket: e.BUCKET,
    fleetParameterPath: e.FLEET_PARAMETER_PATH,
    ...(e.FLEET_OBJECT_BUCKET && e.FLEET_OBJECT_KEY
      ? { fleetObject: { bucket: e.FLEET_OBJECT_BUCKET, key: e.FLEET_OBJECT_KEY } }
      : {}),
    timeZone: e.TIME_ZONE,
    now: io.now,
    claimTtlSeconds: e.CLAIM_TTL_SECONDS,
  };
}
