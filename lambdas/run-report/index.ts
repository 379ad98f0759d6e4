// Lambda entry for run-report: env parsed once, clients built once.
import { SNSClient } from '@aws-sdk/client-sns';
import { storeClient } from '../catalog/s3-client.js';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { writeRunReport } from './run-report.js';
import { RunReportEnvSchema } from './schema.js';

const env = parseWith(RunReportEnvSchema, process.env, 'run-report environment');
const s3 = storeClient();
const sns = new SNSClient({});

export const handler = instrumented('run-report', (event: unknown) =>
  writeRunReport(event, { s3, sns, bucket: env.BUCKET, topicArn: env.TOPIC_ARN, now: () => new Date() }),
);
