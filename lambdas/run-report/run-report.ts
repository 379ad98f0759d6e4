// run-report: the end of a weekly run, its reducer. Builds the run report from the hosts' result lines
// (lambdas/core/run-summary.ts), read from the weekly Distributed Map's ResultWriter manifest and
// result files (lambdas/adapters/map-run.ts) or given inline, writes it to runs/<day>/<runId>.json, emits the run's CloudWatch
// metrics as EMF lines (no PutMetricData call or permission), and publishes the digest to SNS.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { readMapRunLines, readNotStarted } from '../adapters/map-run.js';
import { publishAlert } from '../adapters/publish-alert.js';
import { storeCall } from '../adapters/store-error.js';
import { parseWith } from '../adapters/validation.js';
import { digestAlert } from '../core/alert-message.js';
import { runReportKey } from '../core/catalog-keys.js';
import { emfLine, HOST_DIMENSION, METRICS } from '../core/metrics.js';
import { buildRunReport, type RunReport, runDigest, worstSeverity } from '../core/run-summary.js';
import { RunReportInputSchema, type RunReportOutput, RunReportOutputSchema } from './schema.js';

export interface RunReportDeps {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly bucket: string;
  readonly topicArn: string;
  readonly now: () => Date;
  /** Where EMF lines go: console.log on Lambda (the runtime ships them to CloudWatch Logs). */
  readonly log?: (line: string) => void;
}

/** The run's metrics as EMF lines: the run counts, then each host's image size. */
export function runMetricLines(report: RunReport, timestamp: number): string[] {
  const verified = report.results.filter((r) => r.outcome === 'verified').length;
  return [
    emfLine(
      {
        [METRICS.imagesVerified]: { value: verified, unit: 'Count' },
        [METRICS.hostsFailed]: { value: report.counts.FAIL, unit: 'Count' },
        [METRICS.imagesWarned]: { value: report.counts.WARN, unit: 'Count' },
      },
      {},
      timestamp,
    ),
    ...report.results
      .filter((r) => r.sizeBytes > 0)
      .map((r) =>
        emfLine(
          { [METRICS.imageSizeBytes]: { value: r.sizeBytes, unit: 'Bytes' } },
          { [HOST_DIMENSION]: r.host },
          timestamp,
        ),
      ),
  ];
}

export async function writeRunReport(event: unknown, deps: RunReportDeps): Promise<RunReportOutput> {
  const input = parseWith(RunReportInputSchema, event, 'run-report input');
  const now = deps.now();
  const retention =
    input.retention === null
      ? null
      : 'Error' in input.retention
        ? { error: `${input.retention.Error}: ${String(input.retention.Cause ?? '').slice(0, 500)}` }
        : input.retention;
  const store = { client: deps.s3, bucket: deps.bucket };
  // The weekly run's results are in the store, not the state (lambdas/core/map-run.ts): read back here.
  const results = input.results ?? (input.mapResults ? await readMapRunLines(deps.s3, input.mapResults) : []);
  const notStarted = input.notStartedKey
    ? await readNotStarted(store, input.notStartedKey)
    : input.notStarted;
  const report = buildRunReport(results, {
    runId: input.runId,
    date: input.date,
    week: input.week,
    notStarted,
    retention,
    writtenAt: now.toISOString(),
  });
  const key = runReportKey(input.date, input.runId);
  await storeCall({ action: 'writing the run report', key }, () =>
    deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: key,
        Body: `${JSON.stringify(report, null, 2)}\n`,
        ContentType: 'application/json',
      }),
    ),
  );
  for (const line of runMetricLines(report, now.getTime())) (deps.log ?? console.log)(line);
  const digest = runDigest(report);
  const message = digestAlert(
    digest.detail,
    `${digest.body}\n\nreport: s3://${deps.bucket}/${key}\n`,
    worstSeverity(report),
  );
  await publishAlert(deps.sns, deps.topicArn, message);
  return parseWith(RunReportOutputSchema, { reportKey: key, counts: report.counts }, 'run-report output');
}
