// Load (issue 7): one weekly run of 200 simulated hosts through the synthesized state machines
// executed locally (real handlers, real host documents against simulated LPARs, the local S3 store in
// this process). It must complete with every host verified, with bounded memory (peak RSS of this
// process, which holds the state machines, the handlers and the store), and with never more than
// workflow.maxConcurrency hosts at once. The concurrency signal is LocalWorkflow's onEvent: a host's
// child execution runs from `execution-started` to `execution-finished`, and is in backup from
// entering its Backup state (SSM SendCommand of the backup document, whose process starts right
// then) until it enters a state outside the Backup send/wait/poll loop. Both are counted in real time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, expect, it } from 'vitest';
import { RunReportSchema } from '../../lambdas/core/run-summary.js';
import { parseDeployConfig } from '../../lib/config.js';
import { synthesizeLocalStack } from '../../lib/local/pipeline.js';
import { LocalWorkflow, type LocalWorkflowEvent } from '../../lib/local/workflow-runner.js';
import { createSimulatedFleet } from '../../lib/sim-lpar/index.js';
import { startTestStore, type TestStore } from '../support/local-store.js';
import { recordOutcome } from './outcomes.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const HOSTS = 200;
const MAX_CONCURRENCY = 10;
/** A behaviour bound, not a measurement target: the run must not grow with the fleet. */
const RSS_BOUND = 1.5 * GiB;
const BACKUP_STATES = new Set(['Backup', 'BackupWait', 'BackupPoll', 'BackupDone']);

let store: TestStore | undefined;
let dir: string | undefined;
afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it(`runs a weekly backup of ${HOSTS} hosts to the end with bounded memory and at most ${MAX_CONCURRENCY} hosts at once`, async () => {
  dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-load-'));
  const names = Array.from({ length: HOSTS }, (_, i) => `aixload${String(i + 1).padStart(3, '0')}`);
  const sim = createSimulatedFleet(
    dir,
    names.map((host, i) => ({ host, sizeBytes: MiB + (i % 4) * 256 * 1024, files: 50 })),
  );
  const fleet = names.map((host) => ({
    host,
    managedNodeId: 'mi-0123456789abcdef0',
    knownHostsPath: sim.knownHostsPath,
    expectedSizeBytes: sim.profile(host).sizeBytes,
  }));
  const config = parseDeployConfig(
    {
      fleet,
      verification: { absoluteFloorBytes: 512 * 1024, sizeMismatchSlackBytes: 4 * MiB },
      transfer: { partSizeMiB: 8, retryDelaySeconds: 0 },
      workflow: { maxConcurrency: MAX_CONCURRENCY },
    },
    'load test config',
  );
  store = await startTestStore();

  let running = 0;
  let maxRunning = 0;
  const inBackup = new Set<string>();
  let maxInBackup = 0;
  let backupsStarted = 0;
  const onEvent = (event: LocalWorkflowEvent) => {
    if (event.type === 'execution-started' && event.machine === 'host') {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
    } else if (event.type === 'execution-finished' && event.stats.machine === 'host') {
      running -= 1;
      inBackup.delete(event.stats.name);
    } else if (event.type === 'state-entered' && event.machine === 'host') {
      if (event.state === 'Backup') {
        backupsStarted += 1;
        inBackup.add(event.name);
        maxInBackup = Math.max(maxInBackup, inBackup.size);
      } else if (!BACKUP_STATES.has(event.state)) inBackup.delete(event.name);
    }
  };

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const started = Date.now();
  const workflow = new LocalWorkflow({
    template: synthesizeLocalStack(config),
    store,
    simFleetDir: dir,
    fleet,
    onEvent,
  });
  let run: Awaited<ReturnType<LocalWorkflow['runWeekly']>>;
  try {
    run = await workflow.runWeekly({ date: '2026-11-23T02:01:00.000Z' });
  } finally {
    clearInterval(sampler);
  }
  const seconds = (Date.now() - started) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);

  // Completed: every host started, verified and PASS; the report in the store says so.
  expect(run.output.notStarted).toEqual([]);
  expect(run.output.results).toHaveLength(HOSTS);
  const notPass = run.output.results.filter((line) => !/^aixload\d{3}\|PASS\|verified\|\d+\|$/.test(line));
  expect(notPass).toEqual([]);
  expect(Object.keys(run.hosts)).toHaveLength(HOSTS);
  const report = RunReportSchema.parse(
    JSON.parse(
      (await (
        await store.client().send(
          new GetObjectCommand({
            Bucket: store.bucket,
            Key: run.output.report.reportKey,
          }),
        )
      ).Body?.transformToString('utf8')) ?? '',
    ),
  );
  expect(report.counts).toEqual({ hosts: HOSTS, PASS: HOSTS, WARN: 0, FAIL: 0, SKIP: 0 });

  // Concurrency: the limit was reached (the test can tell) and never exceeded.
  expect(backupsStarted).toBe(HOSTS);
  expect(maxRunning).toBe(MAX_CONCURRENCY);
  expect(maxInBackup).toBeGreaterThan(1);
  expect(maxInBackup).toBeLessThanOrEqual(MAX_CONCURRENCY);
  expect(workflow.ssm.commands.filter((c) => c.step === 'backup')).toHaveLength(HOSTS);

  expect(peakRss).toBeLessThan(RSS_BOUND);
  const mib = (b: number) => `${Math.round(b / MiB)} MiB`;
  recordOutcome({
    fault: `load: weekly run of ${HOSTS} hosts, maxConcurrency ${MAX_CONCURRENCY}`,
    expected: `all complete; peak RSS < ${mib(RSS_BOUND)}; ≤ ${MAX_CONCURRENCY} hosts at once`,
    observed: `${report.counts.PASS}/${HOSTS} PASS in ${seconds.toFixed(0)} s; peak RSS ${mib(peakRss)}; max ${maxRunning} host executions, ${maxInBackup} in backup at once; largest payload ${run.execution.maxPayloadBytes} B`,
    imagesLost: 0,
    ok: true,
  });
});
