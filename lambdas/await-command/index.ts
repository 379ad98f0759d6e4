// Lambda entry for await-command: the SSM client built once (deps.ts, which the local runner uses too).
import { SSMClient } from '@aws-sdk/client-ssm';
import { instrumented } from '../logging/instrumented.js';
import { awaitCommand } from './await-command.js';
import { awaitCommandDeps } from './deps.js';

const deps = awaitCommandDeps(process.env, { ssm: new SSMClient({}), now: () => new Date() });

export const handler = instrumented('await-command', (event: unknown) => awaitCommand(event, deps));
