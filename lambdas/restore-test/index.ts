// Lambda entry for restore-test: clients built and the environment read once (deps.ts, which the
// local runner uses too).
import { SNSClient } from '@aws-sdk/client-sns';
import { presignClient, storeClient } from '../adapters/s3-client.js';
import { instrumented } from '../logging/instrumented.js';
import { restoreTestDeps } from './deps.js';
import { restoreTest } from './restore-test.js';

const deps = restoreTestDeps(process.env, {
  s3: storeClient(),
  presign: presignClient(),
  sns: new SNSClient({}),
  now: () => new Date(),
});

export const handler = instrumented('restore-test', (event: unknown) => restoreTest(event, deps));
