// Lambda entry for the daily freshness check: env parsed once, client built once.
import { storeClient } from '../catalog/s3-client.js';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { checkFreshness } from './freshness.js';
import { FreshnessEnvSchema } from './schema.js';

const env = parseWith(FreshnessEnvSchema, process.env, 'freshness environment');
const s3 = storeClient();

export const handler = instrumented('freshness', (event: unknown) =>
  checkFreshness(event, { s3, bucket: env.BUCKET, maxAgeDays: env.MAX_AGE_DAYS, now: () => new Date() }),
);
