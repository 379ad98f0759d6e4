// run-report as the weekly Distributed Map's reducer, against the local store: the hosts' lines come
// from the ResultWriter manifest and result files, the hosts not started from load-fleet's object.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { RunReportSchema } from '../../../lambdas/core/run-summary.js';
import { writeRunReport } from '../../../lambdas/run-report/run-report.js';
import { useTestStore } from '../../support/local-store.js';

const sns = mockClient(SNSClient);
afterAll(() => sns.restore());
const local = useTestStore();
const RUN = 'runs/2026-11-23/run-1';

async function put(key: string, value: unknown): Promise<void> {
  await local.client.send(
    new PutObjectCommand({ Bucket: local.store.bucket, Key: key, Body: JSON.stringify(value) }),
  );
}

const child = (host: string, extra: Record<string, unknown>) => ({
  ExecutionArn: `arn:aws:states:us-east-1:123456789012:execution:Weekly/Hosts:${host}`,
  Input: JSON.stringify({ host, runId: 'run-1', date: '2026-11-23T02:01:00Z', nameSuffix: '2026-11-23' }),
  Status: 'SUCCEEDED',
  ...extra,
});

describe('run-report reading the weekly Map run from the store', () => {
  it('reports every host of the result files, a failed child as its host FAIL, and the hosts not started', async () => {
    await put(`${RUN}/map/abc/SUCCEEDED_0.json`, [
      child('aixa', { Output: JSON.stringify('aixa|PASS|verified|8589934592|') }),
      child('aixb', { Output: JSON.stringify('aixb|FAIL|verified|4194304|TINY_IMAGE') }),
    ]);
    await put(`${RUN}/map/abc/FAILED_0.json`, [
      child('aixc', { Status: 'FAILED', Error: 'States.Timeout', Cause: '' }),
    ]);
    await put(`${RUN}/map/abc/manifest.json`, {
      DestinationBucket: local.store.bucket,
      MapRunArn: 'arn:aws:states:us-east-1:123456789012:mapRun:Weekly/Hosts:abc',
      ResultFiles: {
        SUCCEEDED: [{ Key: `${RUN}/map/abc/SUCCEEDED_0.json`, Size: 1 }],
        FAILED: [{ Key: `${RUN}/map/abc/FAILED_0.json`, Size: 1 }],
        PENDING: [],
      },
    });
    await put(`${RUN}/not-started.json`, [{ host: 'aixold', reason: 'disabled in the fleet' }]);
    const out = await writeRunReport(
      {
        runId: 'run-1',
        date: '2026-11-23T02:01:00Z',
        week: '2026-11-23',
        mapResults: { Bucket: local.store.bucket, Key: `${RUN}/map/abc/manifest.json` },
        notStartedKey: `${RUN}/not-started.json`,
        retention: null,
      },
      {
        s3: local.client,
        sns: new SNSClient({ region: 'us-east-1' }),
        bucket: local.store.bucket,
        topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
        now: () => new Date('2026-11-23T09:00:00Z'),
        log: () => undefined,
      },
    );
    // A host not started counts as a FAIL of the run (buildRunReport).
    expect(out.counts).toEqual({ hosts: 4, PASS: 1, WARN: 0, FAIL: 3, SKIP: 0 });
    const object = await local.client.send(
      new GetObjectCommand({ Bucket: local.store.bucket, Key: out.reportKey }),
    );
    const report = RunReportSchema.parse(JSON.parse((await object.Body?.transformToString()) ?? ''));
    expect(
      report.results.map((r) => `${r.host} ${r.verdict} ${r.outcome} ${r.codes.join(',')}`).sort(),
    ).toEqual(['aixa PASS verified ', 'aixb FAIL verified TINY_IMAGE', 'aixc FAIL error BACKUP_FAILED']);
    expect(report.notStarted).toEqual([{ host: 'aixold', reason: 'disabled in the fleet' }]);
  });

  it('refuses an input with both inline results and a Map run', async () => {
    const run = writeRunReport(
      {
        runId: 'run-1',
        date: '2026-11-23T02:01:00Z',
        week: '2026-11-23',
        results: [],
        mapResults: { Bucket: 'b', Key: 'k' },
      },
      {
        s3: local.client,
        sns: new SNSClient({ region: 'us-east-1' }),
        bucket: local.store.bucket,
        topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
        now: () => new Date('2026-11-23T09:00:00Z'),
      },
    );
    await expect(run).rejects.toThrow(/either results or mapResults/);
  });
});
