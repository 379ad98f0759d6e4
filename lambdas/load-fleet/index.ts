// Lambda entry for load-fleet: clients built and the environment read once (deps.ts, which the local
// runner uses too).
import { SSMClient } from '@aws-sdk/client-ssm';
import { storeClient } from '../adapters/s3-client.js';
import { instrumented } from '../logging/instrumented.js';
import { loadFleetDeps } from './deps.js';
import { loadFleet } from './load-fleet.js';

const deps = loadFleetDeps(process.env, { ssm: new SSMClient({}), s3: storeClient(), now: () => new Date() });

export const handler = instrumented('load-fleet', (event: unknown) => loadFleet(event, deps));
