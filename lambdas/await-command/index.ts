// Lambda entry for await-command: the SSM client built once.
import { SSMClient } from '@aws-sdk/client-ssm';
import { instrumented } from '../logging/instrumented.js';
import { awaitCommand } from './await-command.js';

const ssm = new SSMClient({});

export const handler = instrumented('await-command', (event: unknown) =>
  awaitCommand(event, { ssm, now: () => new Date() }),
);
