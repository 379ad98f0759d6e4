// The whole pipeline on one machine (`npm start` = `mksysb-vault run --local`): the CDK app's stack
// synthesized in-process (Lambda bundling skipped), its state machines executed by the local workflow
// (lib/local/workflow-runner.ts: the real handler logic, the real SSM documents against simulated
// LPARs, a virtual clock) against the local S3 store in the data directory, so history accumulates
// from run to run. The bundled scenario changes the simulated hosts week by week. Each weekly run is
// followed by the daily freshness check of the next morning. The run state (the next scheduled run,
// the clock, the fleet, the scenario week and the execution names used) is kept in state.json, which
// the other CLI commands read. The synthesized template is held to CloudFormation's and SSM's size
// quotas (lambdas/core/aws-limits.ts) before anything runs: a stack AWS would refuse never runs here.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readRunReport } from '../../lambdas/adapters/catalog.js';
import {
  type AwsLimit,
  jsonBytes,
  limitExceeded,
  SSM_DOCUMENT_LIMIT,
  TEMPLATE_BODY_LIMIT,
} from '../../lambdas/core/aws-limits.js';
import type { FleetHost } from '../../lambdas/core/fleet.js';
import { nextCronRun } from '../../lambdas/core/next-run.js';
import { decodeHostResult, type HostResult, type RunReport } from '../../lambdas/core/run-summary.js';
import { type DeployConfig, parseDeployConfig } from '../config.js';
import { MksysbVaultStack } from '../mksysb-vault-stack.js';
import { createSimulatedFleet, openSimulatedFleet, setHostProfile, treesBytes } from '../sim-lpar/index.js';
import {
  abortOpenUploads,
  diskFullMessage,
  diskFullStandIn,
  freeBytesOf,
  isNoSpace,
  LOW_SPACE_BYTES,
  LocalDiskFullError,
} from './disk-full.js';
import { LocalSns, type SnsMessage } from './local-sns.js';
import {
  LOCAL_BUCKET,
  type LocalPaths,
  type LocalState,
  localPaths,
  REMEMBERED_EXECUTIONS,
  readLocalState,
} from './paths.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, type TemplateJson } from './resolve-template.js';
import { type FailureInjector, type LocalS3, localS3Client, startLocalS3 } from './s3-server.js';
import {
  eventsOfWeek,
  loadScenario,
  type Scenario,
  type ScenarioEvent,
  scenarioFleet,
  scenarioRestoreTargets,
} from './scenario.js';
import { LocalWorkflow } from './workflow-runner.js';

export class LocalPipelineError extends Error {
  override name = 'LocalPipelineError';
}

export type PipelineEvent =
  | {
      readonly type: 'started';
      readonly hosts: number;
      /** How many of the hosts are Virtual I/O Servers. */
      readonly vios: number;
      readonly scenario: string;
      readonly store: string;
    }
  | { readonly type: 'synthesized'; readonly resources: number; readonly seconds: number }
  | {
      readonly type: 'week-started';
      readonly index: number;
      readonly of: number;
      readonly scenarioWeek: number;
      readonly date: string;
      readonly events: readonly ScenarioEvent[];
    }
  | {
      readonly type: 'host-done';
      readonly done: number;
      readonly of: number;
      readonly result: HostResult;
      readonly bytesSoFar: number;
    }
  | { readonly type: 'alert'; readonly message: SnsMessage }
  | { readonly type: 'week-done'; readonly week: WeekResult };

export interface WeekResult {
  readonly scenarioWeek: number;
  readonly date: string;
  readonly runId: string;
  readonly week: string;
  readonly results: readonly HostResult[];
  readonly notStarted: readonly { host: string; reason: string }[];
  readonly report: RunReport | null;
  readonly reportKey: string;
  /** Retention's figures from the run report (null when it did not run). */
  readonly retention: RunReport['retention'];
  /** Hosts the freshness check found without a recent verified image. */
  readonly stale: readonly string[];
  /** The restore tests run after this week's run (restoreTests.cron, before the next weekly run). */
  readonly restoreTests: readonly RestoreTestOutcome[];
  readonly alerts: readonly SnsMessage[];
  /** Bytes of the mksysb images verified this run. */
  readonly imageBytes: number;
  /** Wall-clock seconds the run took on this machine. */
  readonly seconds: number;
}

/** One restore test of a local run: the image's host, PASS or FAIL, why, the RTO. */
export interface RestoreTestOutcome {
  readonly host: string;
  readonly result: string;
  readonly reason: string | null;
  readonly rtoSeconds: number | null;
}

export interface LocalPipelineOptions {
  /** The data directory (store, simulated LPARs, alerts, state). */
  readonly dataDir: string;
  readonly cwd?: string;
  readonly scenarioPath: string;
  /** Weekly runs to make, one after the other on the simulated clock. @default 1 */
  readonly weeks?: number;
  /** Start from an empty store. */
  readonly reset?: boolean;
  /** On a new store, the first weekly run is the first scheduled after this (ISO). @default weeks before now */
  readonly start?: string;
  /**
   * A full-disk stand-in: the local store takes this many bytes of writes, then refuses as a full
   * s3rver does (`MKSYSB_VAULT_LOCAL_DISK_BYTES`; lib/local/disk-full.ts). For tests and demonstrations.
   */
  readonly diskBytes?: number;
  /**
   * `run-now`: one weekly run at the simulated "now" instead of the next scheduled run, narrowed to
   * these hosts when given, with `attempt` for a second attempt at the same week.
   */
  readonly now?: { readonly hosts?: readonly string[]; readonly attempt?: number };
  readonly onEvent?: (event: PipelineEvent) => void;
}

export interface LocalPipelineResult {
  readonly paths: LocalPaths;
  readonly config: DeployConfig;
  readonly weeks: readonly WeekResult[];
  readonly nextRunDate: string;
}

/** The deploy config of the local run: the scenario's fleet (relay mode to the simulated hosts) and its overrides. */
export function localDeployConfig(
  scenario: Scenario,
  scenarioPath: string,
  knownHostsPath: string,
): DeployConfig {
  // The scenario's test LPARs are the restore tests' targets: restore tests are on when it has any.
  const targets = scenarioRestoreTargets(scenario, knownHostsPath);
  const restoreTests =
    targets.length === 0
      ? {}
      : {
          restoreTests: {
            enabled: true,
            ...(scenario.config.restoreTests as Record<string, unknown> | undefined),
            targets,
          },
        };
  return parseDeployConfig(
    {
      stackName: 'MksysbVaultLocal',
      ...scenario.config,
      ...restoreTests,
      fleet: scenarioFleet(scenario, knownHostsPath),
    },
    `${scenarioPath} (config)`,
  );
}

/** The size quotas a synthesized stack is held to. */
export interface StackLimits {
  /** @default TEMPLATE_BODY_LIMIT */
  readonly template?: AwsLimit;
  /** Each SSM document's content. @default SSM_DOCUMENT_LIMIT */
  readonly document?: AwsLimit;
}

/**
 * The template's bytes as `cdk deploy` uploads it: the file `cdk synth` writes, JSON indented by one
 * space (aws-cdk-lib's Stack._synthesizeTemplate; the stack does not set suppressTemplateIndentation).
 */
export function templateBodyBytes(template: TemplateJson): number {
  return Buffer.byteLength(JSON.stringify(template, undefined, 1), 'utf8');
}

/** Each SSM document's content bytes, by logical ID: compact JSON, as CloudFormation submits it. */
export function documentBytes(template: TemplateJson): Record<string, number> {
  return Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::SSM::Document')
      .map(([id, r]) => [id, jsonBytes(r.Properties?.Content)]),
  );
}

/** Throws the AwsLimitError of the first size quota the template exceeds: its body, then each document. */
export function checkStackLimits(template: TemplateJson, stackName: string, limits: StackLimits = {}): void {
  const over = [
    limitExceeded(
      limits.template ?? TEMPLATE_BODY_LIMIT,
      templateBodyBytes(template),
      `the template of stack ${stackName}`,
    ),
    ...Object.entries(documentBytes(template)).map(([id, bytes]) =>
      limitExceeded(
        limits.document ?? SSM_DOCUMENT_LIMIT,
        bytes,
        `the SSM document ${id} of stack ${stackName}`,
      ),
    ),
  ].find((error) => error !== undefined);
  if (over) throw over;
}

/**
 * The stack the CDK app deploys, synthesized in-process without bundling the Lambdas, and held to the
 * size quotas (checkStackLimits; `limits` lowers them for a test).
 */
export function synthesizeLocalStack(config: DeployConfig, limits: StackLimits = {}): TemplateJson {
  // CloudFormation's template linter (a WebAssembly engine, seconds per synthesis) runs on `cdk synth`;
  // the local run executes the template and needs no lint.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = new MksysbVaultStack(app, config.stackName, {
    config,
    env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION },
  });
  const template = Template.fromStack(stack).toJSON() as TemplateJson;
  checkStackLimits(template, config.stackName, limits);
  return template;
}

const DAY_MS = 86_400_000;

/**
 * --reset empties the data directory, but only one that is a mksysb-vault data directory (it has a
 * state.json or a store/) or is empty: a mistyped --data never deletes someone's files.
 */
function resetDataDir(paths: LocalPaths): void {
  if (!existsSync(paths.root)) return;
  const ours = existsSync(paths.state) || existsSync(paths.store) || readdirSync(paths.root).length === 0;
  if (!ours)
    throw new LocalPipelineError(
      `--reset: ${paths.root} is not a mksysb-vault data directory (no state.json, no store/): not deleting it`,
    );
  // Moved aside at once (a rename) and deleted by a detached `rm -rf` the run does not wait for: a
  // store of many weeks is thousands of files, seconds of unlinking that held the run's start. A copy
  // aside that an earlier rm did not finish (the machine stopped) goes with it.
  const parent = dirname(paths.root);
  const asidePrefix = `${basename(paths.root)}.deleting-`;
  const aside = join(parent, `${asidePrefix}${process.pid}-${Date.now()}`);
  try {
    renameSync(paths.root, aside);
  } catch {
    rmSync(paths.root, { recursive: true, force: true });
    return;
  }
  const leftovers = readdirSync(parent)
    .filter((name) => name.startsWith(asidePrefix))
    .map((name) => join(parent, name));
  const rm = spawn('rm', ['-rf', '--', ...leftovers], { detached: true, stdio: 'ignore' });
  rm.on('error', () => {
    for (const dir of leftovers) rmSync(dir, { recursive: true, force: true });
  });
  rm.unref();
}

function scheduledAfter(config: DeployConfig, after: Date, what: string): Date {
  const next = nextCronRun(config.schedule.cron, config.schedule.timeZone, after);
  if (!next) throw new LocalPipelineError(`${what}: the schedule ${config.schedule.cron} never fires`);
  return next;
}

/** About what a weekly run of the fleet writes under the data directory: each image in staging and in the store. */
function weeklyBytes(dir: string): number {
  if (!existsSync(join(dir, 'fleet.json'))) return 0;
  const sim = openSimulatedFleet(dir);
  return sim.hosts.reduce((sum, host) => {
    const p = sim.profile(host);
    const images = p.sizeBytes + Math.max(0, p.growthBytesPerRun) + treesBytes(p);
    return sum + 2 * (images + (p.volumeGroups.length - 1) * p.savevgSizeBytes);
  }, 0);
}

/**
 * Runs the pipeline (below); a run that fails on a full data directory (ENOSPC, or any error while
 * the filesystem is nearly full) aborts the multipart uploads left open in the local store and ends
 * with one LocalDiskFullError that names the directory and the space needed.
 */
export async function runLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipelineResult> {
  const paths = localPaths(options.dataDir, options.cwd);
  const standIn = options.diskBytes === undefined ? undefined : diskFullStandIn(options.diskBytes);
  const free = () =>
    standIn ? standIn.free() : freeBytesOf(existsSync(paths.root) ? paths.root : dirname(paths.root));
  let s3: LocalS3 | undefined;
  try {
    return await runPipeline(options, paths, standIn?.injector, (started) => {
      s3 = started;
    });
  } catch (error) {
    const left = free();
    if (!isNoSpace(error) && (left === null || left >= LOW_SPACE_BYTES)) throw error;
    const store =
      s3 ?? (await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET }).catch(() => undefined));
    if (store) {
      const client = store.client();
      try {
        await abortOpenUploads(client, paths.store, LOCAL_BUCKET);
      } finally {
        client.destroy();
        if (!s3) await store.close();
      }
    }
    throw new LocalDiskFullError(diskFullMessage(paths.root, left, weeklyBytes(paths.lpars)), {
      cause: error,
    });
  } finally {
    await s3?.close();
  }
}

async function runPipeline(
  options: LocalPipelineOptions,
  paths: LocalPaths,
  storeFailures: FailureInjector | undefined,
  onStore: (s3: LocalS3) => void,
): Promise<LocalPipelineResult> {
  const weeks = options.weeks ?? 1;
  if (options.reset) resetDataDir(paths);
  const scenario = loadScenario(options.scenarioPath, options.cwd);
  const state = readLocalState(paths.state);
  if (state?.scenario && state.scenario !== options.scenarioPath)
    throw new LocalPipelineError(
      `${paths.root} was made with the scenario ${state.scenario}, not ${options.scenarioPath}; add --reset to start a new store with it`,
    );

  const sim = existsSync(`${paths.lpars}/fleet.json`)
    ? openSimulatedFleet(paths.lpars)
    : createSimulatedFleet(paths.lpars, scenario.hosts);
  const config = localDeployConfig(scenario, options.scenarioPath, sim.knownHostsPath);
  const hostsAsked = options.now?.hosts ?? [];
  for (const host of hostsAsked)
    if (!config.fleet.some((h) => h.host === host))
      throw new LocalPipelineError(
        `--hosts: ${host} is not in the fleet of ${options.scenarioPath} (hosts: ${config.fleet.map((h) => h.host).join(', ')})`,
      );

  const emit = options.onEvent ?? (() => undefined);
  emit({
    type: 'started',
    hosts: config.fleet.length,
    vios: config.fleet.filter((h) => h.kind === 'vios').length,
    scenario: options.scenarioPath,
    store: paths.root,
  });
  const synthStart = performance.now();
  const template = synthesizeLocalStack(config);
  emit({
    type: 'synthesized',
    resources: Object.keys(template.Resources ?? {}).length,
    seconds: (performance.now() - synthStart) / 1000,
  });

  const s3 = await startLocalS3({
    directory: paths.store,
    bucket: LOCAL_BUCKET,
    ...(storeFailures ? { injectFailures: storeFailures } : {}),
  });
  // Closed by runLocalPipeline, after the uploads a full disk left open are aborted.
  onStore(s3);
  return await runWeeks(options, { paths, scenario, state, config, template, s3, weeks, emit });
}

interface RunContext {
  readonly paths: LocalPaths;
  readonly scenario: Scenario;
  readonly state: LocalState | null;
  readonly config: DeployConfig;
  readonly template: TemplateJson;
  readonly s3: LocalS3;
  readonly weeks: number;
  readonly emit: (event: PipelineEvent) => void;
}

async function runWeeks(options: LocalPipelineOptions, ctx: RunContext): Promise<LocalPipelineResult> {
  const { paths, scenario, state, config, emit } = ctx;
  const sns = new LocalSns({ file: paths.alerts });
  let onHostFinished: (line: unknown) => void = () => undefined;
  const workflow = new LocalWorkflow({
    template: ctx.template,
    store: { endpoint: ctx.s3.endpoint, bucket: ctx.s3.bucket },
    simFleetDir: paths.lpars,
    fleet: config.fleet as FleetHost[],
    sns,
    onEvent: (event) => {
      if (event.type === 'execution-finished' && event.stats.machine === 'host')
        onHostFinished((event.stats.output as { line?: unknown } | null)?.line);
    },
  });
  const hostMachine = workflow.resolved.machines.host.arn;
  workflow.executionNames.set(hostMachine, new Set(state?.executions ?? []));

  const now = new Date();
  let next = state
    ? new Date(state.nextRunDate)
    : scheduledAfter(
        config,
        options.start ? new Date(options.start) : new Date(now.getTime() - ctx.weeks * 7 * DAY_MS),
        'first run',
      );
  let clock = new Date(state?.clock ?? next.toISOString());
  let scenarioWeeks = state?.scenarioWeeks ?? 0;
  const results: WeekResult[] = [];
  const runs = options.now ? 1 : ctx.weeks;

  for (let index = 1; index <= runs; index += 1) {
    const started = performance.now();
    const date = options.now ? new Date(Math.max(now.getTime(), clock.getTime() + 60_000)) : next;
    // A scheduled run is the next week of the scenario; run-now repeats the current one.
    const scenarioWeek = options.now ? Math.max(1, scenarioWeeks) : scenarioWeeks + 1;
    const events = options.now ? [] : eventsOfWeek(scenario, scenarioWeek);
    for (const event of events) setHostProfile(paths.lpars, event.host, event.profile);
    emit({ type: 'week-started', index, of: runs, scenarioWeek, date: date.toISOString(), events });

    const alertsBefore = sns.messages.length;
    let done = 0;
    let bytesSoFar = 0;
    const hostCount = options.now?.hosts?.length || config.fleet.filter((h) => h.enabled).length;
    const input: Record<string, unknown> = {};
    if (options.now?.hosts?.length) input.hosts = [...options.now.hosts];
    if (options.now?.attempt) input.attempt = options.now.attempt;
    onHostFinished = (line: unknown) => {
      if (typeof line !== 'string') return;
      const result = decodeHostResult(line);
      done += 1;
      if (result.outcome === 'verified') bytesSoFar += result.sizeBytes;
      emit({ type: 'host-done', done, of: hostCount, result, bytesSoFar });
    };
    const printed = sns.messages.length;
    const weekly = await workflow.runWeekly({
      date: date.toISOString(),
      executionName: `${options.now ? 'run-now' : 'weekly'}-${date.toISOString().replace(/[:.]/g, '-')}`,
      input,
    });
    for (const message of sns.messages.slice(printed)) emit({ type: 'alert', message });

    // The freshness check at its next daily run after the weekly run ended.
    const endedAt = new Date(weekly.execution.endedAt);
    const freshnessDate =
      nextCronRun(config.schedule.freshnessCron, config.schedule.timeZone, endedAt) ??
      new Date(endedAt.getTime() + 60_000);
    const alertsBeforeFreshness = sns.messages.length;
    const fresh = await workflow.runFreshness({
      date: freshnessDate.toISOString(),
      executionName: `freshness-${date.toISOString().slice(0, 10)}${options.now ? '-now' : ''}`,
    });
    for (const message of sns.messages.slice(alertsBeforeFreshness)) emit({ type: 'alert', message });
    const stale = staleHosts(fresh.output);

    for (const event of events.filter((e) => e.damageStoredImage))
      await damageNewestImage(ctx.s3, event.host);

    // The restore tests, at their schedule's next run after the freshness check, when that comes
    // before the next weekly run (a run-now has none).
    let restoreTests: RestoreTestOutcome[] = [];
    let restoreEndedAt = 0;
    const restoreDate =
      config.restoreTests.enabled && config.restoreTests.targets.length > 0 && !options.now
        ? nextCronRun(config.restoreTests.cron, config.schedule.timeZone, new Date(fresh.execution.endedAt))
        : null;
    if (restoreDate && restoreDate < scheduledAfter(config, new Date(next.getTime() + 60_000), 'next run')) {
      const alertsBeforeRestore = sns.messages.length;
      const restore = await workflow.runRestoreTests({
        date: restoreDate.toISOString(),
        executionName: `restore-tests-${restoreDate.toISOString().slice(0, 10)}`,
      });
      for (const message of sns.messages.slice(alertsBeforeRestore)) emit({ type: 'alert', message });
      restoreTests = Array.isArray(restore.output) ? (restore.output as RestoreTestOutcome[]) : [];
      restoreEndedAt = Date.parse(restore.execution.endedAt);
    }

    const { output } = weekly;
    const report = await readReport(ctx.s3, output.report.reportKey);
    const week: WeekResult = {
      scenarioWeek,
      date: output.date,
      runId: output.runId,
      week: output.week,
      results: output.results.map(decodeHostResult).sort((a, b) => a.host.localeCompare(b.host)),
      notStarted: output.notStarted,
      report,
      reportKey: output.report.reportKey,
      retention: report?.retention ?? null,
      stale,
      restoreTests,
      alerts: sns.messages.slice(alertsBefore),
      imageBytes: bytesSoFar,
      seconds: (performance.now() - started) / 1000,
    };
    results.push(week);
    emit({ type: 'week-done', week });

    clock = new Date(Math.max(endedAt.getTime(), Date.parse(fresh.execution.endedAt), restoreEndedAt));
    if (!options.now) {
      scenarioWeeks = scenarioWeek;
      next = scheduledAfter(config, new Date(next.getTime() + 60_000), 'next run');
    }
    // A run-now ahead of the schedule moves the schedule on: the clock never runs backwards.
    if (next < clock) next = scheduledAfter(config, clock, 'next run');
    // Saved after every week: an interrupted --weeks 8 keeps the weeks it finished.
    saveState(paths.state, {
      nextRunDate: next.toISOString(),
      clock: clock.toISOString(),
      fleet: config.fleet,
      scenario: options.scenarioPath,
      scenarioWeeks,
      executions: [...(workflow.executionNames.get(hostMachine) ?? [])].slice(-REMEMBERED_EXECUTIONS),
    });
  }
  return { paths, config, weeks: results, nextRunDate: next.toISOString() };
}

/**
 * A scenario's damageStoredImage: 64 KiB in the middle of the host's newest mksysb image in the store
 * zeroed (a new object version, as a bad copy or bit rot leaves it); its record still says PASS.
 */
async function damageNewestImage(s3: LocalS3, host: string): Promise<void> {
  const client = localS3Client(s3.endpoint);
  const listed = await client.send(
    new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `images/${host}/` }),
  );
  const key = (listed.Contents ?? [])
    .map((o) => o.Key ?? '')
    .filter((k) => /_mksysb_\d{4}-\d{2}-\d{2}$/.test(k))
    .sort()
    .at(-1);
  if (!key) return;
  const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
  const middle = Math.floor(bytes.length / 2);
  bytes.fill(0, middle, Math.min(bytes.length, middle + 65_536));
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: bytes }));
}

function staleHosts(output: unknown): string[] {
  const findings = (output as { freshness?: { findings?: unknown } } | null)?.freshness?.findings;
  if (!Array.isArray(findings)) return [];
  // A staging filesystem filling up is a forecast, not a host without a recent image.
  return findings
    .filter((f) => (f as { finding?: unknown }).finding !== 'STAGING_FULL_SOON')
    .map((f) => (f as { host?: unknown }).host)
    .filter((h): h is string => typeof h === 'string')
    .sort();
}

async function readReport(s3: LocalS3, key: string): Promise<RunReport | null> {
  const client = s3.client();
  try {
    return (await readRunReport({ client, bucket: s3.bucket }, key)).report ?? null;
  } finally {
    client.destroy();
  }
}

function saveState(path: string, state: LocalState): void {
  const temp = `${path}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  // Renamed into place: an interrupted write never leaves a half state.json.
  renameSync(temp, path);
}
