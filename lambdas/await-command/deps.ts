// await-command's composition root, for the Lambda entry and the local runner alike
// (lambdas/adapters/handler-io.ts). It reads no environment.
import type { HandlerEnv, HandlerIo } from '../adapters/handler-io.js';
import type { AwaitCommandDeps } from './await-command.js';

export function awaitCommandDeps(_env: HandlerEnv, io: Pick<HandlerIo, 'ssm' | 'now'>): AwaitCommandDeps {
  return { ssm: io.ssm, now: io.now };
}
