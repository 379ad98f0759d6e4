// Lambda entry for record-failure: client built and the environment read once (deps.ts, which the
// local runner uses too).
import { storeClient } from '../adapters/s3-client.js';
import { instrumented } from '../logging/instrumented.js';
import { recordFailureDeps } from './deps.js';
import { recordFailure } from './record-failure.js';

const deps = recordFailureDeps(process.env, { s3: storeClient(), now: () => new Date() });

export const handler = instrumented('record-failure', (event: unknown) => recordFailure(event, deps));
