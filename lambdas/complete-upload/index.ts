// Lambda entry for complete-upload (and its `abort` action): client built and the environment read
// once (deps.ts, which the local runner uses too).
import { storeClient } from '../adapters/s3-client.js';
import { instrumented } from '../logging/instrumented.js';
import { completeUpload } from './complete-upload.js';
import { completeUploadDeps } from './deps.js';

const deps = completeUploadDeps(process.env, { s3: storeClient() });

export const handler = instrumented('complete-upload', (event: unknown) => completeUpload(event, deps));
