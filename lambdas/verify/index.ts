// Lambda entry for verify: env (bucket, history depth, policy) parsed once, client built once.
import { storeClient } from '../catalog/s3-client.js';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { VerifyEnvSchema } from './schema.js';
import { verifyImage } from './verify.js';

const env = parseWith(VerifyEnvSchema, process.env, 'verify environment');
const s3 = storeClient();

export const handler = instrumented('verify', (event: unknown) =>
  verifyImage(event, {
    s3,
    bucket: env.BUCKET,
    policy: env.VERIFICATION_POLICY,
    historyLimit: env.HISTORY_LIMIT,
    now: () => new Date(),
  }),
);
