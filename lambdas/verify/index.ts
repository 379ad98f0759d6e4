// Lambda entry for verify: clients built and the environment read once (deps.ts, which the local
// runner uses too).
import { storeClient } from '../adapters/s3-client.js';
import { instrumented } from '../logging/instrumented.js';
import { verifyDeps } from './deps.js';
import { verifyImage } from './verify.js';

const deps = verifyDeps(process.env, { s3: storeClient(), now: () => new Date() });

export const handler = instrumented('verify', (event: unknown) => verifyImage(event, deps));
