// Lambda entry for prepare-upload: env parsed once, clients built once.
import { S3Client } from '@aws-sdk/client-s3';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { prepareUpload } from './prepare-upload.js';
import { PrepareUploadEnvSchema } from './schema.js';

const env = parseWith(PrepareUploadEnvSchema, process.env, 'prepare-upload environment');
const s3 = new S3Client({});
const presignClient = new S3Client({
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

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
