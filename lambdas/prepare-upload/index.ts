// Lambda entry for prepare-upload: clients built and the environment read once (deps.ts, which the
// local runner uses too).
import { presignClient, storeClient } from '../adapters/s3-client.js';
import { instrumented } from '../logging/instrumented.js';
import { prepareUploadDeps } from './deps.js';
import { prepareUpload } from './prepare-upload.js';

const deps = prepareUploadDeps(process.env, {
  s3: storeClient(),
  presign: presignClient(),
  now: () => new Date(),
});

export const handler = instrumented('prepare-upload', (event: unknown) => prepareUpload(event, deps));
