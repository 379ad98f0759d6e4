// notify's composition root, for the Lambda entry and the local runner alike
// (lambdas/adapters/handler-io.ts). The store is optional: without BUCKET, no acknowledgements are read.
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import { parseWith } from '../adapters/validation.js';
import type { NotifyDeps } from './notify.js';
import { NotifyEnvSchema } from './schema.js';

export function notifyDeps(
  env: HandlerEnv,
  io: Pick<HandlerIo, 's3' | 'sns' | 'now'>,
  where = 'notify environment',
): NotifyDeps {
  const e = parseWith(NotifyEnvSchema, env, where);
  return {
    sns: io.sns,
    topicArn: e.TOPIC_ARN,
    minSeverity: e.MIN_SEVERITY,
    ...(e.BUCKET ? { store: { client: io.s3, bucket: e.BUCKET } } : {}),
    now: io.now,
  };
}
