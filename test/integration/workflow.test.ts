// The synthesized state machines executed locally (lib/local/workflow-runner.ts): every Lambda task is
// the real handler logic against the local S3 server, every SSM task the real host documents against
// simulated LPARs. Five hosts, one unreachable and one whose mksysb comes out tiny: both are alerted,
// the other three PASS, the run report in the store says so, and a re-run of the week repeats nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunReportSchema } from '../../lambdas/core/run-summary.js';
import { parseDeployConfig } from '../../lib/config.js';
import { LocalSns } from '../../lib/local/local-sns.js';
import { synthesizeLocalStack } from '../../lib/local/pipeline.js';
import { type LocalRunResult, LocalWorkflow, type WeeklyOutput } from '../../lib/local/workflow-runner.js';
import { createSimulatedFleet } from '../../lib/sim-lpar/index.js';
import { startTestStore, type TestStore } from '../support/local-store.js';

const MiB = 1024 * 1024;
const DATE = '2026-11-23T02:01:00.000Z';
let store: TestStore;
let dir: string;
let workflow: LocalWorkflow;
let sns: LocalSns;
let first: LocalRunResult<WeeklyOutput>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-workflow-'));
  const sim = createSimulatedFleet(dir, [
    { host: 'aixprd01', sizeBytes: 24 * MiB, volumeGroups: ['rootvg', 'datavg'] },
    { host: 'aixprd02', sizeBytes: 20 * MiB },
    { host: 'aixapp01', sizeBytes: 20 * MiB, faults: ['unreachable'] },
    { host: 'dbqa09', sizeBytes: 24 * MiB, faults: ['tiny_image'] },
    { host: 'aixdev01', sizeBytes: 18 * MiB },
  ]);
  const fleet = sim.hosts.map((host) => ({
    host,
    managedNodeId: 'mi-0123456789abcdef0',
    knownHostsPath: sim.knownHostsPath,
    expectedSizeBytes: sim.profile(host).sizeBytes,
    volumeGroups: sim.profile(host).volumeGroups.filter((vg) => vg !== 'rootvg'),
  }));
  const config = parseDeployConfig(
    {
      fleet,
      verification: { absoluteFloorBytes: 8 * MiB, sizeMismatchSlackBytes: 4 * MiB },
      transfer: { partSizeMiB: 8, retryDelaySeconds: 0 },
      alerts: { minSeverity: 'warn' },
    },
    'workflow test config',
  );
  store = await startTestStore();
  sns = new LocalSns();
  workflow = new LocalWorkflow({
    template: synthesizeLocalStack(config),
    store,
    simFleetDir: dir,
    fleet,
    sns,
  });
  first = await workflow.runWeekly({ date: DATE });
}, 60_000);

afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const alertsOf = (host: string) => first.alerts.filter((m) => m.attributes.host === host);

async function readJson(key: string): Promise<unknown> {
  const object = await store.client().send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
  return JSON.parse((await object.Body?.transformToString('utf8')) ?? '');
}

describe('the weekly workflow, executed locally from the synthesized template', () => {
  it('alerts the unreachable host with HOST_UNREACHABLE in the subject and the attributes', () => {
    const [alert] = alertsOf('aixapp01');
    expect(alert?.subject).toMatch(/^\[mksysb-vault\] FAIL aixapp01 HOST_UNREACHABLE /);
    expect(alert?.attributes).toEqual({
      severity: 'fail',
      host: 'aixapp01',
      code: 'HOST_UNREACHABLE',
      kind: 'anomaly',
    });
  });

  it('alerts the tiny image with TINY_IMAGE and its size in the subject', () => {
    const tiny = alertsOf('dbqa09').find((m) => m.attributes.code === 'TINY_IMAGE');
    expect(tiny?.subject).toMatch(/^\[mksysb-vault\] FAIL dbqa09 TINY_IMAGE 4\.0 MB /);
    expect(tiny?.subject.length).toBeLessThanOrEqual(100);
  });

  it('sends no anomaly alert for the three healthy hosts', () => {
    expect(['aixprd01', 'aixprd02', 'aixdev01'].flatMap(alertsOf)).toEqual([]);
  });

  it('ends each host with its result line: three PASS, the two failures FAIL with their codes', () => {
    expect([...first.output.results].sort()).toEqual([
      'aixapp01|FAIL|unreachable|0|HOST_UNREACHABLE',
      'aixdev01|PASS|verified|18874368|',
      'aixprd01|PASS|verified|25165824|',
      'aixprd02|PASS|verified|20971520|',
      expect.stringMatching(/^dbqa09\|FAIL\|verified\|4194304\|.*TINY_IMAGE/),
    ]);
  });

  it("stamps what the run stored with the run's simulated time, not the wall clock (retention's stray grace reads it)", async () => {
    const listed = await store
      .client()
      .send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: 'images/aixprd02/' }));
    const stamps = (listed.Contents ?? []).map((o) => o.LastModified?.getTime() ?? 0);
    expect(stamps.length).toBeGreaterThan(2);
    for (const at of stamps) {
      expect(at).toBeGreaterThanOrEqual(Date.parse(first.execution.startedAt) - 1000);
      expect(at).toBeLessThanOrEqual(Date.parse(first.execution.endedAt));
    }
  });

  it('writes the run report to the store, saying 3 PASS and 2 FAIL', async () => {
    const report = RunReportSchema.parse(await readJson(first.output.report.reportKey));
    expect(first.output.report.reportKey).toBe(`runs/2026-11-23/${first.output.runId}.json`);
    expect(report.counts).toEqual({ hosts: 5, PASS: 3, WARN: 0, FAIL: 2, SKIP: 0 });
    expect(report.results.filter((r) => r.verdict === 'FAIL').map((r) => r.host)).toEqual([
      'aixapp01',
      'dbqa09',
    ]);
  });

  it('publishes one digest of the run', () => {
    const digests = first.alerts.filter((m) => m.attributes.kind === 'digest');
    expect(digests.map((m) => m.subject)).toEqual([
      '[mksysb-vault] RUN 2026-11-23: 3 PASS, 0 WARN, 2 FAIL of 5 hosts',
    ]);
  });

  it('uploads and verifies the savevg image of a host with a volume group beside its mksysb', async () => {
    const listed = await store
      .client()
      .send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: 'images/aixprd01/' }));
    const records = (listed.Contents ?? []).map((o) => o.Key).filter((k) => k?.endsWith('.record.json'));
    expect(records.sort()).toEqual([
      'images/aixprd01/aixprd01_mksysb_2026-11-23.record.json',
      'images/aixprd01/aixprd01_savevg_datavg_2026-11-23.record.json',
    ]);
  });

  it("keeps in each record what the run's preflight measured of the staging filesystem", async () => {
    const record = (await readJson('images/aixprd02/aixprd02_mksysb_2026-11-23.record.json')) as {
      staging: { freeBytes: number; requiredBytes: number; mksysbExpectedBytes: number } | null;
    };
    expect(record.staging).toMatchObject({ mksysbExpectedBytes: 20 * MiB });
    expect(record.staging?.freeBytes).toBeGreaterThan(record.staging?.requiredBytes ?? Number.NaN);
  });

  it('records the unreachable host as a failure in the run area', async () => {
    const failure = (await readJson(`runs/2026-11-23/${first.output.runId}/failures/aixapp01.json`)) as {
      outcome: string;
      step: string;
    };
    expect({ outcome: failure.outcome, step: failure.step }).toEqual({
      outcome: 'unreachable',
      step: 'preflight',
    });
  });

  it('runs every host as a child execution that succeeds, even when the host failed', () => {
    expect(Object.values(first.hosts).map((h) => [h.name, h.status])).toEqual(
      expect.arrayContaining([
        ['aixapp01-2026-11-23', 'SUCCEEDED'],
        ['dbqa09-2026-11-23', 'SUCCEEDED'],
      ]),
    );
    expect(Object.keys(first.hosts)).toHaveLength(5);
  });

  it('re-runs of the same week start no host again and make no second image', async () => {
    const before = sns.messages.length;
    const again = await workflow.runWeekly({
      date: '2026-11-25T09:00:00.000Z',
      executionName: 'manual-rerun',
    });
    expect(again.output.results.map((line) => line.split('|').slice(1, 3).join('|'))).toEqual(
      Array(5).fill('SKIP|already_ran'),
    );
    expect(Object.keys(again.hosts)).toEqual([]);
    expect(sns.messages.slice(before).filter((m) => m.attributes.kind === 'anomaly')).toEqual([]);
  });
});
