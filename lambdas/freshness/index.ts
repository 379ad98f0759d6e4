// Lambda entry for the daily freshness check: client built and the environment read once (deps.ts,
// which the local runner uses too).
import { storeClient } from '../adapters/s3-client.js';
import { instrumented } from '../logging/instrumented.js';
import { freshnessDeps } from './deps.js';
import { checkFreshness } from './freshness.js';

const deps = freshnessDeps(process.env, { s3: storeClient(), now: () => new Date() });

export const handler = instrumented('freshness', (event: unknown) => checkFreshness(event, deps));
