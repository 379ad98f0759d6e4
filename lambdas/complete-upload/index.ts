// Lambda entry for complete-upload (and its `abort` action): env parsed once, client built once.
import { storeClient } from '../catalog/s3-client.js';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { completeUpload } from './complete-upload.js';
import { CompleteUploadEnvSchema } from './schema.js';

const env = parseWith(CompleteUploadEnvSchema, process.env, 'complete-upload environment');
const s3 = storeClient();

export const handler = instrumented('complete-upload', (event: unknown) =>
  completeUpload(event, { s3, bucket: env.BUCKET }),
);
