// Lambda entry for notify: clients built and the environment read once (deps.ts, which the local
// runner uses too).
import { SNSClient } from '@aws-sdk/client-sns';
import { storeClient } from '../adapters/s3-client.js';
import { instrumented } from '../logging/instrumented.js';
import { notifyDeps } from './deps.js';
import { notify } from './notify.js';

const deps = notifyDeps(process.env, { sns: new SNSClient({}), s3: storeClient(), now: () => new Date() });

export const handler = instrumented('notify', (event: unknown) => notify(event, deps));
