// restore-test: the Lambda side of the scheduled restore tests (lambdas/core/restore-test.ts decides,
// lib/host-scripts/restore-test.sh runs on the test LPAR). `plan` reads each inventoried host's newest
// mksysb records (its newest PASS image whose object is in the store, its last test) and deals the
// due hosts over the test LPARs' disks. `prepare` presigns the image's GET URL right before its test
// (a test that waits for the one before it must not find its URL expired) and gives the SSM command
// its parameters. `record` judges how the command ended, writes the result into the image record
// with a conditional update (no other field is ever lost) and publishes RESTORE_FAILED for a FAIL.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { inBatches, listHostRecords } from '../adapters/catalog.js';
import { indexRecord, readIndex } from '../adapters/catalog-index.js';
import { publishAlert } from '../adapters/publish-alert.js';
import { updateRecord } from '../adapters/record-update.js';
import { parseWith } from '../adapters/validation.js';
import { anomalyAlert } from '../core/alert-message.js';
import { anomaly } from '../core/anomaly.js';
import { recordKey } from '../core/catalog-keys.js';
import {
  judgeRestoreTest,
  lastRestoreTest,
  lastRestoreTestWithIndex,
  planRestoreTests,
  type RestoreTestHost,
  type RestoreTestResult,
  type RestoreTestSettings,
  unreachableChecks,
  withRestoreTest,
} from '../core/restore-test.js';
import { type PlannedTest, RestoreCommandPlanSchema, RestoreTestInputSchema } from './schema.js';

export interface RestoreTestDeps {
  readonly s3: S3Client;
  readonly presign: S3Client;
  readonly sns: SNSClient;
  readonly bucket: string;
  readonly topicArn: string;
  readonly settings: RestoreTestSettings;
  readonly urlExpirySeconds: number;
  readonly now: () => Date;
}

/** A host's newest mksysb records read to find its image to test and its last test: a quarter of weekly runs. */
const RECORDS_READ = 13;

export async function restoreTest(event: unknown, deps: RestoreTestDeps): Promise<unknown> {
  const input = parseWith(RestoreTestInputSchema, event, 'restore-test input');
  switch (input.action) {
    case 'plan':
      return plan(input.hosts, input.executionName, deps);
    case 'prepare':
      return prepare(input.test, deps);
    case 'record':
      return record(input, deps);
  }
}

async function plan(hosts: readonly string[], executionName: string, deps: RestoreTestDeps) {
  const store = { client: deps.s3, bucket: deps.bucket };
  const targets = new Set(deps.settings.targets.map((t) => t.host));
  const tested: RestoreTestHost[] = [];
  await inBatches([...new Set(hosts)], 8, async (host) => {
    const { records, missingImages } = await listHostRecords(store, host, {
      kind: 'mksysb',
      newest: RECORDS_READ,
    });
    const missing = new Set(missingImages);
    // The index remembers the tests of images retention has deleted since (an absent or unreadable
    // index: the records alone).
    const index = await readIndex(store, host);
    const entries = index.state === 'ok' ? index.index.entries : [];
    const pass = records.find((r) => r.verdict === 'PASS' && !missing.has(r.key));
    tested.push({
      host,
      candidate: pass
        ? {
            host,
            key: pass.key,
            date: pass.date,
            sha256: pass.sha256,
            osLevel: pass.osLevel,
            sizeBytes: pass.sizeBytes,
          }
        : null,
      last: lastRestoreTestWithIndex(
        lastRestoreTest(records.map((r) => ({ key: r.key, restoreTests: restoreTestsOf(r) }))),
        entries,
      ),
    });
  });
  tested.sort((a, b) => (a.host < b.host ? -1 : 1));
  const planned = planRestoreTests(tested, deps.settings, deps.now());
  const tests: PlannedTest[] = planned.tests.map((t) => ({
    imageHost: t.candidate.host,
    key: t.candidate.key,
    sha256: t.candidate.sha256,
    osLevel: t.candidate.osLevel,
    targetHost: t.target.host,
    disk: t.disk,
    why: t.why,
  }));
  return {
    runId: executionName,
    // The Map's items: the SSM command's host is the test LPAR.
    tests: tests.map((test) => ({ host: test.targetHost, runId: executionName, test })),
    deferred: planned.deferred,
    nothingToTest: planned.nothingToTest,
    testLpars: [...targets].sort(),
  };
}

function restoreTestsOf(record: object): readonly RestoreTestResult[] {
  return 'restoreTests' in record
    ? ((record as { restoreTests?: RestoreTestResult[] }).restoreTests ?? [])
    : [];
}

async function prepare(test: PlannedTest, deps: RestoreTestDeps) {
  const target = deps.settings.targets.find((t) => t.host === test.targetHost);
  if (!target)
    throw new Error(
      `restore test of ${test.key}: test LPAR ${test.targetHost} is not in restoreTests.targets`,
    );
  const imageUrl = await getSignedUrl(
    deps.presign,
    new GetObjectCommand({ Bucket: deps.bucket, Key: test.key }),
    {
      expiresIn: deps.urlExpirySeconds,
    },
  );
  return parseWith(
    RestoreCommandPlanSchema,
    {
      mode: target.mode,
      managedNodeId: target.managedNodeId,
      address: target.address ?? target.host,
      sshUser: target.sshUser,
      sshKeyPath: target.sshKeyPath,
      knownHostsPath: target.knownHostsPath,
      viosShell: '',
      disk: test.disk,
      imageUrl,
      sha256: test.sha256 ?? '',
      osLevel: test.osLevel ?? '',
      workDir: target.workDir,
      startedAt: deps.now().toISOString(),
    },
    'restore-test plan',
  );
}

/** Why a test ended before its script reported: the error's name and the message in its Cause. */
function errorReason(error: { Error?: string; Cause?: string } | undefined): string {
  if (!error) return 'the test ended without a result';
  let message = error.Cause ?? '';
  try {
    const cause = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof cause.errorMessage === 'string') message = cause.errorMessage;
  } catch {
    // a plain-text Cause is the message
  }
  return `${error.Error ?? 'Error'}${message ? `: ${message}` : ''}`.slice(0, 500);
}

async function record(
  input: Extract<ReturnType<typeof RestoreTestInputSchema.parse>, { action: 'record' }>,
  deps: RestoreTestDeps,
) {
  const { test } = input;
  const finishedAt = deps.now().toISOString();
  const facts = input.poll?.restore;
  const judged = facts
    ? judgeRestoreTest(facts, { sha256: test.sha256, osLevel: test.osLevel })
    : (() => {
        const reason = `target_reachable: ${errorReason(input.error)}`;
        return { result: 'FAIL' as const, reason, checks: unreachableChecks(reason) };
      })();
  const result: RestoreTestResult = {
    result: judged.result,
    reason: judged.reason,
    startedAt: input.startedAt || finishedAt,
    finishedAt,
    rtoSeconds: judged.result === 'PASS' && facts?.restoreSeconds !== undefined ? facts.restoreSeconds : null,
    target: { host: test.targetHost, disk: test.disk },
    runId: input.runId,
    checks: judged.checks,
  };
  const store = { client: deps.s3, bucket: deps.bucket };
  const update = await updateRecord(store, recordKey(test.key), test.imageHost, (r) => ({
    ...r,
    restoreTests: withRestoreTest(r.restoreTests, result),
  }));
  // The host's catalog index carries each image's newest test (status, the report, the evidence read
  // it): updated after the record; a failure is only logged, the next writer or a rebuild repairs it.
  const indexProblem = update.written ? await indexRecord(store, update.record) : null;
  if (indexProblem) console.warn(indexProblem);
  if (result.result === 'FAIL')
    await publishAlert(
      deps.sns,
      deps.topicArn,
      anomalyAlert(
        anomaly(
          'RESTORE_FAILED',
          'fail',
          `restore test on ${test.targetHost} ${test.disk} failed: ${result.reason}`,
          {
            testLpar: test.targetHost,
            disk: test.disk,
            reason: result.reason,
          },
        ),
        { host: test.imageHost, runId: input.runId, date: finishedAt, key: test.key },
      ),
    );
  return {
    host: test.imageHost,
    key: test.key,
    result: result.result,
    reason: result.reason,
    rtoSeconds: result.rtoSeconds,
    recorded: update.written,
    ...(update.written ? {} : { notRecorded: update.reason }),
  };
}
