// Lambda entry for retention: client built and the environment (bucket, GFS counts, Object Lock) read
// once (deps.ts, which the local runner uses too).
import { storeClient } from '../adapters/s3-client.js';
import { instrumented } from '../logging/instrumented.js';
import { retentionDeps } from './deps.js';
import { applyRetention } from './retention.js';

const deps = retentionDeps(process.env, { s3: storeClient(), now: () => new Date() });

export const handler = instrumented('retention', (event: unknown) => applyRetention(event, deps));
