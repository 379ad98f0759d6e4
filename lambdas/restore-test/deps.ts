// restore-test's composition root, for the Lambda entry and the local runner alike
// (lambdas/adapters/handler-io.ts).
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import { parseWith } from '../adapters/validation.js';
import type { RestoreTestDeps } from './restore-test.js';
import { RestoreTestEnvSchema } from './schema.js';

export function restoreTestDeps(
  env: HandlerEnv,
  io: Pick<HandlerIo, 's3' | 'presign' | 'sns' | 'now'>,
  where = 'restore-test environment',
): RestoreTestDeps {
  const e = parseWith(RestoreTestEnvSchema, env, where);
  return {
    s3: io.s3,
    presign: io.presign,
    sns: io.sns,
    bucket: e.BUCKET,
    topicArn: e.TOPIC_ARN,
    settings: e.RESTORE_TESTS,
    urlExpirySeconds: e.URL_EXPIRY_SECONDS,
    now: io.now,
  };
}
