// Lambda entry for notify: env parsed once, client built once.
import { SNSClient } from '@aws-sdk/client-sns';
import { storeClient } from '../catalog/s3-client.js';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { notify } from './notify.js';
import { NotifyEnvSchema } from './schema.js';

const env = parseWith(NotifyEnvSchema, process.env, 'notify environment');
const sns = new SNSClient({});
const store = env.BUCKET ? { client: storeClient(), bucket: env.BUCKET } : undefined;

export const handler = instrumented('notify', (event: unknown) =>
  notify(event, {
    sns,
    topicArn: env.TOPIC_ARN,
    minSeverity: env.MIN_SEVERITY,
    store,
    now: () => new Date(),
  }),
);
