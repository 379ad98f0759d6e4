// Lambda entry for load-fleet: env parsed once, clients built once.
import { SSMClient } from '@aws-sdk/client-ssm';
import { storeClient } from '../catalog/s3-client.js';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { loadFleet } from './load-fleet.js';
import { LoadFleetEnvSchema } from './schema.js';

const env = parseWith(LoadFleetEnvSchema, process.env, 'load-fleet environment');
const ssm = new SSMClient({});
const s3 = storeClient();

export const handler = instrumented('load-fleet', (event: unknown) =>
  loadFleet(event, {
    ssm,
    s3,
    bucket: env.BUCKET,
    fleetParameterPath: env.FLEET_PARAMETER_PATH,
    timeZone: env.TIME_ZONE,
    now: () => new Date(),
    claimTtlSeconds: env.CLAIM_TTL_SECONDS,
  }),
);
