// Lambda entry for prepare-upload: env parsed once, clients built once.
import { presignClient as makePresignClient, storeClient } from '../catalog/s3-client.js';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { prepareUpload } from './prepare-upload.js';
import { PrepareUploadEnvSchema } from './schema.js';

const env = parseWith(PrepareUploadEnvSchema, process.env, 'prepare-upload environment');
const s3 = storeClient();
const presignClient = makePresignClient();

export const handler = instrumented('prepare-upload', (event: unknown) =>
  prepareUpload(event, {
    s3,
    presignClient,
    bucket: env.BUCKET,
    partSizeBytes: env.PART_SIZE_BYTES,
    urlExpirySeconds: env.URL_EXPIRY_SECONDS,
    now: () => new Date(),
  }),
);
