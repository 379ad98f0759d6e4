// Lambda entry for record-failure: env parsed once, client built once.
import { storeClient } from '../catalog/s3-client.js';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { recordFailure } from './record-failure.js';
import { RecordFailureEnvSchema } from './schema.js';

const env = parseWith(RecordFailureEnvSchema, process.env, 'record-failure environment');
const s3 = storeClient();

export const handler = instrumented('record-failure', (event: unknown) =>
  recordFailure(event, { s3, bucket: env.BUCKET, now: () => new Date() }),
);
