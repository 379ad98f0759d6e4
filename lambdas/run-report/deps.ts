// run-report's composition root, for the Lambda entry and the local runner alike
// (lambdas/adapters/handler-io.ts).
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import { parseWith } from '../adapters/validation.js';
import type { RunReportDeps } from './run-report.js';
import { RunReportEnvSchema } from './schema.js';

export function runReportDeps(
  env: HandlerEnv,
  io: Pick<HandlerIo, 's3' | 'sns' | 'now' | 'log'>,
  where = 'run-report environment',
): RunReportDeps {
  const e = parseWith(RunReportEnvSchema, env, where);
  return {
    s3: io.s3,
    sns: io.sns,
    bucket: e.BUCKET,
    topicArn: e.TOPIC_ARN,
    now: io.now,
    ...(io.log ? { log: io.log } : {}),
  };
}
