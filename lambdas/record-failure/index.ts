// Lambda entry for record-failure: env parsed once, client built once.
import { S3Client } from '@aws-sdk/client-s3';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { recordFailure } from './record-failure.js';
import { RecordFailureEnvSchema } from './schema.js';

const env = parseWith(RecordFailureEnvSchema, process.env, 'record-failure environment');
const s3 = new S3Client({});

export const handler = instrumented('record-failure', (event: unknown) =>
  recordFailure(event, { s3, bucket: env.BUCKET, now: () => new Date() }),
);
