// Restore tests through the local pipeline (issue 17 item 2): one weekly run backs up three hosts,
// then the restore-test state machine tests each newest PASS image on a test LPAR (the real
// restore-test.sh over the simulated relay, the stand-in alt_disk_mksysb reading the real archive).
// Three test LPARs, one test each: tlpar01 restores and passes; tlpar02's only "spare" disk belongs to
// a volume group (refused, nothing touched); tlpar03 is unreachable (FAIL with the reason, no image
// touched). A month later an image corrupted in the store after its verification fails its test
// (RESTORE_FAILED). Every result is in the image record; no image is lost or changed by a test.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImageRecord, parseImageRecord } from '../../lambdas/core/image-record.js';
import type { RestoreTestResult } from '../../lambdas/core/restore-test.js';
import { readFleet } from '../../lib/cli/fleet-view.js';
import { hostStatus } from '../../lib/cli/status.js';
import { type DeployConfig, parseDeployConfig } from '../../lib/config.js';
import { LocalSns } from '../../lib/local/local-sns.js';
import { synthesizeLocalStack } from '../../lib/local/pipeline.js';
import { LocalWorkflow } from '../../lib/local/workflow-runner.js';
import { createSimulatedFleet, type SimulatedFleet, setHostProfile } from '../../lib/sim-lpar/index.js';
import { startTestStore, type TestStore } from '../support/local-store.js';
import { recordOutcome } from './outcomes.js';
import { openRigStore } from './support.js';

const MiB = 1024 * 1024;
const NODE = 'mi-0123456789abcdef0';
const HOSTS = ['aixprd01', 'aixprd02', 'aixprd03'];
let dir: string;
let sim: SimulatedFleet;
let store: TestStore;
let sns: LocalSns;
let config: DeployConfig;
let workflow: LocalWorkflow;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-faults-restore-'));
  sim = createSimulatedFleet(dir, [
    ...HOSTS.map((host) => ({ host, sizeBytes: 12 * MiB, files: 300 })),
    { host: 'tlpar01', spareDisks: 1 },
    { host: 'tlpar02', volumeGroups: ['rootvg', 'datavg'] },
    { host: 'tlpar03', spareDisks: 1, faults: ['unreachable'] },
  ]);
  const target = (host: string) => ({
    host,
    managedNodeId: NODE,
    knownHostsPath: sim.knownHostsPath,
    disks: ['hdisk1'],
  });
  config = parseDeployConfig(
    {
      fleet: HOSTS.map((host) => ({
        host,
        managedNodeId: NODE,
        knownHostsPath: sim.knownHostsPath,
        expectedSizeBytes: 12 * MiB,
      })),
      verification: { absoluteFloorBytes: 4 * MiB, sizeMismatchSlackBytes: 4 * MiB },
      transfer: { partSizeMiB: 8, retryDelaySeconds: 0, partRetries: 3 },
      alerts: { minSeverity: 'warn' },
      restoreTests: {
        enabled: true,
        maxTestsPerTargetPerRun: 1,
        targets: [target('tlpar01'), target('tlpar02'), target('tlpar03')],
      },
    },
    'restore-test fault rig',
  );
  store = await startTestStore();
  sns = new LocalSns();
  workflow = new LocalWorkflow({
    template: synthesizeLocalStack(config),
    store,
    simFleetDir: dir,
    fleet: config.fleet,
    sns,
  });
  const week = await workflow.runWeekly({ date: '2026-11-02T02:00:00.000Z' });
  expect(week.output.results.map((l) => l.split('|').slice(0, 2).join('|')).sort()).toEqual(
    HOSTS.map((h) => `${h}|PASS`),
  );
}, 180_000);

afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function readRecord(host: string): Promise<ImageRecord & { restoreTests?: RestoreTestResult[] }> {
  const key = `images/${host}/${host}_mksysb_2026-11-02.record.json`;
  const answer = await store.client().send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
  const parsed = parseImageRecord(await (answer.Body?.transformToString() ?? ''), key);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.record;
}

function nothingTouched(host: string): void {
  const root = sim.hostRoot(host);
  expect(readdirSync(join(root, 'restoretest'))).toEqual([]);
  expect(readdirSync(join(root, 'state')).filter((f) => f.startsWith('altinst'))).toEqual([]);
}

describe('restore tests through the local pipeline', () => {
  let results: { host: string; result: string; reason: string | null; rtoSeconds: number | null }[];
  let alerts: string[];

  beforeAll(async () => {
    const run = await workflow.runRestoreTests({ date: '2026-11-07T10:00:00.000Z' });
    results = run.output as typeof results;
    alerts = run.alerts.map((a) => a.subject);
  }, 180_000);

  it('restores the newest PASS image on the test LPAR and records PASS with the RTO in the image record', async () => {
    const pass = results.find((r) => r.host === 'aixprd01');
    expect(pass).toMatchObject({ result: 'PASS', reason: null });
    const record = await readRecord('aixprd01');
    expect(record.restoreTests).toHaveLength(1);
    expect(record.restoreTests?.[0]).toMatchObject({
      result: 'PASS',
      target: { host: 'tlpar01', disk: 'hdisk1' },
      checks: expect.arrayContaining([expect.objectContaining({ name: 'oslevel', ok: true })]),
    });
    expect(record.verdict).toBe('PASS');
    nothingTouched('tlpar01');
    recordOutcome({
      fault: 'none (restore test of aixprd01 on tlpar01 hdisk1)',
      expected: 'PASS recorded in the image record, the alternate rootvg removed',
      observed: `${pass?.result}, rto ${pass?.rtoSeconds} s`,
      imagesLost: 0,
      ok: true,
    });
  });

  it('refuses a target disk that is in a volume group: FAIL naming it, nothing touched on the test LPAR', async () => {
    const refused = results.find((r) => r.host === 'aixprd02');
    expect(refused?.result).toBe('FAIL');
    expect(refused?.reason).toBe('disk_free: hdisk1 is in volume group datavg');
    nothingTouched('tlpar02');
    expect(alerts.some((s) => s.includes('aixprd02') && s.includes('RESTORE_FAILED'))).toBe(true);
    recordOutcome({
      fault: 'restore-test target disk in use (tlpar02 hdisk1 in datavg)',
      expected: 'refused before anything is touched, FAIL with the reason, RESTORE_FAILED',
      observed: `${refused?.result}: ${refused?.reason}`,
      imagesLost: 0,
      ok: true,
    });
  });

  it('an unreachable test LPAR: FAIL with the reason, the image and its record otherwise as they were', async () => {
    const lost = results.find((r) => r.host === 'aixprd03');
    expect(lost?.result).toBe('FAIL');
    expect(lost?.reason).toMatch(/^target_reachable: HostUnreachable/);
    const record = await readRecord('aixprd03');
    expect(record.verdict).toBe('PASS');
    expect(record.restoreTests?.[0]?.checks).toEqual([
      expect.objectContaining({ name: 'target_reachable', ok: false }),
    ]);
    recordOutcome({
      fault: 'test LPAR unreachable (tlpar03)',
      expected: 'FAIL with the reason, no image touched, RESTORE_FAILED',
      observed: `${lost?.result}: ${lost?.reason?.slice(0, 80)}`,
      imagesLost: 0,
      ok: true,
    });
  });

  it('an image damaged in the store after its verification fails its next test: RESTORE_FAILED', async () => {
    setHostProfile(dir, 'tlpar03', { faults: [] });
    const key = 'images/aixprd01/aixprd01_mksysb_2026-11-02';
    const answer = await store.client().send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    const bytes = Buffer.from(await (answer.Body?.transformToByteArray() ?? new Uint8Array()));
    bytes.fill(0, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 65536);
    await store.client().send(new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: bytes }));
    const run = await workflow.runRestoreTests({ date: '2026-12-07T10:00:00.000Z' });
    const damaged = (run.output as typeof results).find((r) => r.host === 'aixprd01');
    expect(damaged?.result).toBe('FAIL');
    expect(damaged?.reason).toMatch(/^sha256: /);
    expect(
      run.alerts.some((a) => a.subject.includes('aixprd01') && a.subject.includes('RESTORE_FAILED')),
    ).toBe(true);
    expect((await readRecord('aixprd01')).restoreTests?.map((t) => t.result)).toEqual(['PASS', 'FAIL']);
    nothingTouched('tlpar01');
    // status, from the catalog index the test wrote: the host has no image known to restore. The
    // unreachable test LPAR's FAIL (aixprd03) proved nothing about its image.
    const now = '2026-12-07T12:00:00.000Z';
    const views = (await readFleet(openRigStore(store, config, now), ['aixprd01', 'aixprd03'])).hosts;
    const states = views.map((v) => {
      const s = hostStatus(v, new Date(now), 45);
      return `${v.host} ${s.state} ${s.findings.join(' ')}`.trim();
    });
    expect(states).toEqual(['aixprd01 fail RESTORE_FAILED', 'aixprd03 ok']);
    recordOutcome({
      fault: 'image damaged in the store after verification (aixprd01)',
      expected:
        'its restore test FAILs, RESTORE_FAILED, both tests kept in the record; status FAIL until a newer image',
      observed: `${damaged?.result}: ${damaged?.reason?.slice(0, 60)}; status ${states.join(', ')}`,
      imagesLost: 0,
      ok: true,
    });
  }, 180_000);
});
