// Lambda entry for run-report: clients built and the environment read once (deps.ts, which the local
// runner uses too).
import { SNSClient } from '@aws-sdk/client-sns';
import { storeClient } from '../adapters/s3-client.js';
import { instrumented } from '../logging/instrumented.js';
import { runReportDeps } from './deps.js';
import { writeRunReport } from './run-report.js';

const deps = runReportDeps(process.env, { s3: storeClient(), sns: new SNSClient({}), now: () => new Date() });

export const handler = instrumented('run-report', (event: unknown) => writeRunReport(event, deps));
