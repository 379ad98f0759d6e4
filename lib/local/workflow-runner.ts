// Executes the state machines the CDK app synthesizes, offline: aws-local-stepfunctions runs the
// resolved ASL (lib/local/resolve-template.ts); every Lambda task runs its real logic module against the
// local S3 store; SSM tasks run the real host documents against simulated LPARs (lib/local/local-ssm.ts);
// SNS goes to a LocalSns; `startExecution.sync:2` runs the per-host machine as a child execution and
// answers like the service (its Output, or ExecutionAlreadyExists for a name used before); a
// Distributed Map (the weekly run's hosts) is run by lib/local/distributed-map.ts, each item a map-run
// child execution counted like any other; the stack's fleet object is put in the local S3 as
// `cdk deploy` puts its file asset. Each execution has a virtual clock that the Wait states advance, so
// a one-hour mksysb costs the polls and transitions it would on AWS without waiting an hour. Transitions, history events and the largest
// state payload are counted from each execution's event log, and held to Step Functions' quotas
// (lambdas/core/aws-limits.ts): an execution that exceeds one fails as it would on AWS, and the run
// with it, naming the quota and the figure.
import './polyfills.js';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  type RunOptions as SfnRunOptions,
  StateMachine,
  type StateMachineDefinition,
  type StateMachineOptions,
} from 'aws-local-stepfunctions';
import type { HandlerEnv, HandlerIo } from '../../lambdas/adapters/handler-io.js';
import { awaitCommand } from '../../lambdas/await-command/await-command.js';
import { awaitCommandDeps } from '../../lambdas/await-command/deps.js';
import { completeUpload } from '../../lambdas/complete-upload/complete-upload.js';
import { completeUploadDeps } from '../../lambdas/complete-upload/deps.js';
import {
  type AwsLimit,
  type AwsLimitError,
  EXECUTION_HISTORY_LIMIT,
  jsonBytes,
  limitExceeded,
  STATE_PAYLOAD_LIMIT,
} from '../../lambdas/core/aws-limits.js';
import { type FleetHostInput, fleetParameterValues } from '../../lambdas/core/fleet.js';
import { FreshnessFindingsFileSchema } from '../../lambdas/core/freshness.js';
import { encodeHostResult, RunReportSchema } from '../../lambdas/core/run-summary.js';
import { freshnessDeps } from '../../lambdas/freshness/deps.js';
import { checkFreshness } from '../../lambdas/freshness/freshness.js';
import { inspectImageDeps } from '../../lambdas/inspect-image/deps.js';
import { inspectImage } from '../../lambdas/inspect-image/inspect-image.js';
import { loadFleetDeps } from '../../lambdas/load-fleet/deps.js';
import { loadFleet } from '../../lambdas/load-fleet/load-fleet.js';
import { notifyDeps } from '../../lambdas/notify/deps.js';
import { notify } from '../../lambdas/notify/notify.js';
import { prepareUploadDeps } from '../../lambdas/prepare-upload/deps.js';
import { prepareUpload } from '../../lambdas/prepare-upload/prepare-upload.js';
import { recordFailureDeps } from '../../lambdas/record-failure/deps.js';
import { recordFailure } from '../../lambdas/record-failure/record-failure.js';
import { restoreTestDeps } from '../../lambdas/restore-test/deps.js';
import { restoreTest } from '../../lambdas/restore-test/restore-test.js';
import { retentionDeps } from '../../lambdas/retention/deps.js';
import { applyRetention } from '../../lambdas/retention/retention.js';
import { runReportDeps } from '../../lambdas/run-report/deps.js';
import { writeRunReport } from '../../lambdas/run-report/run-report.js';
import { verifyDeps } from '../../lambdas/verify/deps.js';
import { verifyImage } from '../../lambdas/verify/verify.js';
import type { WorkflowKind } from '../constructs/backup-workflow.js';
import { fleetObjectBody, fleetPartName } from '../constructs/fleet-parameters.js';
import {
  DISTRIBUTED_MAP_EVENTS,
  type DistributedMapState,
  LOCAL_DISTRIBUTED_MAP_RESOURCE,
  type MapRunChild,
  runDistributedMap,
  withLocalDistributedMaps,
} from './distributed-map.js';
import { LocalSns } from './local-sns.js';
import { LocalSsm, type StepSeconds, VirtualClock } from './local-ssm.js';
import {
  forEachState,
  type LocalFunction,
  type ResolvedWorkflow,
  resolveWorkflow,
  type TemplateJson,
} from './resolve-template.js';
import { localPresignClient, localS3Client, type StoreClock } from './s3-server.js';

/** A state machine of the template, or the ItemProcessor of a Distributed Map (its map-run children). */
export type ExecutionKind = WorkflowKind | 'map-run';

/** What one execution cost, from its event log. */
export interface ExecutionStats {
  readonly machine: ExecutionKind;
  readonly name: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** States entered plus retries: what Step Functions bills. */
  readonly transitions: number;
  /** AWS history events this execution would have (entered/exited, scheduled/started/succeeded, map iterations). */
  readonly historyEvents: number;
  /** The largest state input or output, in UTF-8 bytes, and where it was. */
  readonly maxPayloadBytes: number;
  readonly maxPayloadState: string;
  /** The quota this execution exceeded, which failed it (its output says so too). */
  readonly limitError?: AwsLimitError;
  /** Virtual start and end. */
  readonly startedAt: string;
  readonly endedAt: string;
  readonly output: unknown;
}

export type LocalWorkflowEvent =
  | { readonly type: 'execution-started'; readonly machine: ExecutionKind; readonly name: string }
  | { readonly type: 'execution-finished'; readonly stats: ExecutionStats }
  | {
      readonly type: 'state-entered';
      readonly machine: ExecutionKind;
      readonly name: string;
      readonly state: string;
    };

export interface LocalWorkflowOptions {
  /** The synthesized template (Template.fromStack(stack).toJSON(), or a cdk.out *.template.json). */
  readonly template: TemplateJson;
  /**
   * The local S3 store (lib/local/s3-server.ts or test/support/local-store.ts). One that can be given
   * a clock stamps what it stores with the simulated time (LocalWorkflow.now).
   */
  readonly store: {
    readonly endpoint: string;
    readonly bucket: string;
    readonly stampWith?: (now: StoreClock) => unknown;
  };
  /** The simulated LPARs (lib/sim-lpar createSimulatedFleet). */
  readonly simFleetDir: string;
  /** The fleet served from the local Parameter Store (what load-fleet reads). */
  readonly fleet: readonly FleetHostInput[];
  /** Simulated duration of each host step. @default defaultStepSeconds(simFleetDir) */
  readonly stepSeconds?: StepSeconds;
  /** Where SNS messages go. @default a LocalSns that only keeps them */
  readonly sns?: LocalSns;
  /** The simulated LPARs' shell (relay mode). @default ksh */
  readonly lparShell?: string;
  /** Progress: executions started and finished, states entered. */
  readonly onEvent?: (event: LocalWorkflowEvent) => void;
  /** EMF metric lines the run report emits. @default dropped */
  readonly onMetric?: (line: string) => void;
  /**
   * Answer each per-host child execution with this output instead of running it (benchmarks of the
   * weekly machine at 1,000 hosts). @default undefined: children run for real
   */
  readonly stubHostExecution?: (input: { host: string; runId: string; date: string }) => unknown;
  /**
   * The Step Functions quotas each execution is held to. A test lowers one to reach it in a few
   * states. @default STATE_PAYLOAD_LIMIT and EXECUTION_HISTORY_LIMIT (lambdas/core/aws-limits.ts)
   */
  readonly limits?: { readonly payload?: AwsLimit; readonly history?: AwsLimit };
}

export interface RunOptions {
  /** When the execution starts on the virtual clock (ISO). */
  readonly date: string;
  /** @default `<machine>-<date>` */
  readonly executionName?: string;
  /** The execution input (`{}` from the schedule; `{ hosts, attempt }` for a manual weekly run). */
  readonly input?: Record<string, unknown>;
}

export interface WeeklyOutput {
  readonly runId: string;
  readonly date: string;
  readonly week: string;
  /**
   * One `host|verdict|outcome|sizeBytes|codes` line per host started (lambdas/core/run-summary.ts).
   * Not in the execution's output (the weekly state carries no per-host data): read back from the run
   * report it wrote, for the callers of runWeekly.
   */
  readonly results: string[];
  /** The hosts not started, from the run report too. */
  readonly notStarted: { host: string; reason: string }[];
  readonly report: { reportKey: string; counts: Record<string, number> };
}

/** The run's figures against Step Functions' quotas: the largest of its executions, top and children. */
export interface RunPeaks {
  /** The largest state input or output, in UTF-8 bytes, its state and execution. */
  readonly payload: { readonly bytes: number; readonly state: string; readonly execution: string };
  /** The most history events of one execution, and which. */
  readonly history: { readonly events: number; readonly execution: string };
}

export interface LocalRunResult<O = unknown> {
  readonly output: O;
  readonly execution: ExecutionStats;
  /** Per-host child executions of a weekly run, by host name. */
  readonly hosts: Readonly<Record<string, ExecutionStats>>;
  /** The map-run children of its Distributed Map (each starts one host's execution). */
  readonly mapRunChildren: readonly ExecutionStats[];
  readonly peaks: RunPeaks;
  /** SNS messages published during this run. */
  readonly alerts: LocalSns['messages'];
}

/** An error thrown by a local Lambda, shaped like the service's: Cause is `{errorType, errorMessage}` JSON. */
function lambdaError(error: unknown): Error {
  const e = error as { name?: unknown; message?: unknown };
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const failure = new Error(
    JSON.stringify({
      errorType: name,
      errorMessage: typeof e?.message === 'string' ? e.message : String(error),
    }),
  );
  failure.name = name;
  return failure;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

type Handler = (input: unknown) => Promise<unknown>;
type Overrides = NonNullable<SfnRunOptions['overrides']>;
type LocalHandlers = NonNullable<Overrides['taskResourceLocalHandlers']>;
type Payload = Parameters<LocalHandlers[string]>[0];
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** The executions one top-level run started, below it. */
interface RunRecord {
  readonly hosts: Record<string, ExecutionStats>;
  readonly mapRunChildren: ExecutionStats[];
}

/** The peaks of a run's executions (each counted by LocalWorkflow.count). */
export function runPeaks(executions: readonly ExecutionStats[]): RunPeaks {
  const payload = { bytes: 0, state: '', execution: '' };
  const history = { events: 0, execution: '' };
  for (const e of executions) {
    if (e.maxPayloadBytes > payload.bytes)
      Object.assign(payload, { bytes: e.maxPayloadBytes, state: e.maxPayloadState, execution: e.name });
    if (e.historyEvents > history.events)
      Object.assign(history, { events: e.historyEvents, execution: e.name });
  }
  return { payload, history };
}

/** The local workflow: one per store and fleet; runs weekly and freshness executions, many times. */
/** setTimeout's longest delay, in whole seconds (2,147,483 s, about 24.8 days). */
const LONGEST_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * `definition` with each Task that sets no timeout given the longest one a timer can keep.
 * aws-local-stepfunctions fails such a Task after 60 wall-clock seconds (the States Language spec's
 * default); Step Functions sets none: a Task waits for its resource, and a Lambda ends at its own
 * timeout, which this runner enforces. Here the weekly Distributed Map runs every host inside one Task,
 * and on a loaded machine that took over a minute: the run failed States.Timeout where AWS would not.
 */
export function withServiceTaskTimeouts(definition: StateMachineDefinition): StateMachineDefinition {
  const copy = structuredClone(definition);
  forEachState(copy as { States: Record<string, unknown> }, (_name, state) => {
    const task = state as { Type?: unknown; TimeoutSeconds?: unknown; TimeoutSecondsPath?: unknown };
    if (task.Type === 'Task' && task.TimeoutSeconds === undefined && task.TimeoutSecondsPath === undefined)
      task.TimeoutSeconds = LONGEST_TIMER_SECONDS;
  });
  return copy;
}

/**
 * A definition as local mode runs it: its Distributed Maps replaced by stand-in Tasks (distributed-map.ts),
 * and every Task, those stand-ins and the Maps' processors' included, waiting as on AWS.
 */
export function localDefinition(definition: StateMachineDefinition): {
  definition: StateMachineDefinition;
  maps: ReadonlyMap<string, DistributedMapState>;
} {
  const local = withLocalDistributedMaps(withServiceTaskTimeouts(definition));
  return { definition: withServiceTaskTimeouts(local.definition), maps: local.maps };
}

/** The definitions (as JSON) this process has validated. */
const VALIDATED_DEFINITIONS = new Set<string>();

/**
 * A StateMachine of `definition`, validated unless this process validated the same definition before
 * (`construct` is the library's constructor; a test passes one that records the options).
 */
export function buildStateMachine(
  definition: StateMachineDefinition,
  construct: (definition: StateMachineDefinition, options: StateMachineOptions) => StateMachine = (d, o) =>
    new StateMachine(d, o),
): StateMachine {
  const text = JSON.stringify(definition);
  const built = construct(definition, {
    validationOptions: VALIDATED_DEFINITIONS.has(text)
      ? { noValidate: true }
      : { checkPaths: true, checkArn: true },
  });
  // asl-validator writes each state's default QueryLanguage into the definition it checks: the
  // definition as given and as it is now are both known valid.
  VALIDATED_DEFINITIONS.add(text);
  VALIDATED_DEFINITIONS.add(JSON.stringify(definition));
  return built;
}

export class LocalWorkflow {
  public readonly resolved: ResolvedWorkflow;
  public readonly ssm: LocalSsm;
  public readonly sns: LocalSns;
  /** Execution names used so far, per state machine: a name used twice is ExecutionAlreadyExists. */
  public readonly executionNames = new Map<string, Set<string>>();
  private readonly s3;
  private readonly presign;
  private readonly stateMachines = new Map<string, StateMachine>();
  /** Each machine's definition as it runs here: its Distributed Maps stand-in Tasks (distributed-map.ts). */
  private readonly local = new Map<
    WorkflowKind,
    { definition: StateMachineDefinition; maps: ReadonlyMap<string, DistributedMapState> }
  >();
  /** The clocks of the executions running now (top-level and per-host children). */
  private readonly running = new Set<VirtualClock>();
  private lastEnded: Date | undefined;
  /** Where the stack's fleet object is (the CDK asset bucket and key load-fleet's environment names). */
  private readonly fleetObject: { bucket: string; key: string } | undefined;
  private fleetDeployed: Promise<void> | undefined;

  constructor(private readonly options: LocalWorkflowOptions) {
    this.resolved = resolveWorkflow(options.template, { bucket: options.store.bucket });
    for (const kind of Object.keys(this.resolved.machines) as WorkflowKind[])
      this.local.set(kind, localDefinition(this.resolved.machines[kind].definition));
    options.store.stampWith?.(() => this.now());
    const loadFleetFn = [...this.resolved.functions.values()].find((f) => f.handler === 'load-fleet');
    const path = loadFleetFn?.environment.FLEET_PARAMETER_PATH ?? '/mksysb-vault/fleet/';
    const { FLEET_OBJECT_BUCKET: bucket, FLEET_OBJECT_KEY: key } = loadFleetFn?.environment ?? {};
    this.fleetObject = bucket && key ? { bucket, key } : undefined;
    this.ssm = new LocalSsm({
      simFleetDir: options.simFleetDir,
      documents: this.resolved.documents,
      // The deploy config's fleet is the fleet object (deployFleet) when the stack has one, as the
      // deployed stack does; else (a template of before it) the part-NNNN parameters it wrote.
      parameters: this.fleetObject
        ? []
        : fleetParameterValues(options.fleet).map((value, i) => ({ name: fleetPartName(path, i), value })),
      stepSeconds: options.stepSeconds,
      lparShell: options.lparShell,
    });
    this.sns = options.sns ?? new LocalSns();
    this.s3 = localS3Client(options.store.endpoint);
    this.presign = localPresignClient(options.store.endpoint);
    if (this.resolved.documents.size === 0)
      throw new Error('the template has no SSM Command documents of the host steps (HostDocuments)');
  }

  /**
   * The simulated present: the latest time of the executions running (each has its own clock), else
   * the end of the last one; undefined before the first. What the store stamps on objects.
   */
  now(): Date | undefined {
    let latest = this.running.size > 0 ? undefined : this.lastEnded;
    for (const clock of this.running) if (!latest || clock.now() > latest) latest = clock.now();
    return latest;
  }

  async runWeekly(run: RunOptions): Promise<LocalRunResult<WeeklyOutput>> {
    const result = await this.runTop<WeeklyOutput>('weekly', run);
    // The execution's output holds the report's key, not the hosts: their lines are in the report.
    const key = (result.output as { report?: { reportKey?: unknown } } | null)?.report?.reportKey;
    if (typeof key !== 'string') return result;
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.options.store.bucket, Key: key }));
    const report = RunReportSchema.parse(JSON.parse((await object.Body?.transformToString('utf8')) ?? ''));
    return {
      ...result,
      output: {
        ...result.output,
        results: report.results.map(encodeHostResult),
        notStarted: report.notStarted,
      },
    };
  }

  /**
   * One freshness check. The execution's output holds the findings' key and counts, not the findings
   * (at 10,000 hosts they are past the state quota): for the callers of runFreshness they are read
   * back from the object the check wrote, into `freshness.findings`.
   */
  async runFreshness(run: RunOptions): Promise<LocalRunResult> {
    const result = await this.runTop('freshness', run);
    const output = result.output as { freshness?: { findingsKey?: unknown } } | null;
    const key = output?.freshness?.findingsKey;
    if (typeof key !== 'string') return result;
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.options.store.bucket, Key: key }));
    const file = FreshnessFindingsFileSchema.parse(
      JSON.parse((await object.Body?.transformToString('utf8')) ?? ''),
    );
    return { ...result, output: { ...output, freshness: { ...output?.freshness, findings: file.findings } } };
  }

  /** One run of the restore tests (restore-test-definition.ts): its output is one result per test. */
  async runRestoreTests(run: RunOptions): Promise<LocalRunResult> {
    return this.runTop('restore-test', run);
  }

  /**
   * What `cdk deploy` does with the fleet asset: its bucket (the bootstrap's, created here in the local
   * S3) and the object, written once per LocalWorkflow from the fleet it was given.
   */
  private deployFleet(): Promise<void> {
    const target = this.fleetObject;
    if (!target) return Promise.resolve();
    this.fleetDeployed ??= (async () => {
      await this.s3.send(new CreateBucketCommand({ Bucket: target.bucket })).catch((error: Error) => {
        if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(error.name)) throw error;
      });
      await this.s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: target.key,
          Body: fleetObjectBody(this.options.fleet),
          ContentType: 'application/json',
        }),
      );
    })();
    return this.fleetDeployed;
  }

  private async runTop<O>(machine: WorkflowKind, run: RunOptions): Promise<LocalRunResult<O>> {
    await this.deployFleet();
    const before = this.sns.messages.length;
    const record: RunRecord = { hosts: {}, mapRunChildren: [] };
    const { hosts } = record;
    const clock = new VirtualClock(run.date);
    const name = run.executionName ?? `${machine}-${run.date.replace(/[:.]/g, '-')}`;
    const execution = await this.execute(machine, name, run.input ?? {}, clock, record);
    const all = [execution, ...record.mapRunChildren, ...Object.values(hosts)];
    // A child over a quota fails on AWS too, and the parent's Catch would take it for a failed host:
    // locally the run stops there, so a design past a quota is never reported as a success.
    const overLimit = all.find((e) => e.limitError)?.limitError;
    if (overLimit) throw overLimit;
    if (execution.status !== 'SUCCEEDED')
      throw new Error(`local ${machine} execution ${name} failed: ${JSON.stringify(execution.output)}`);
    return {
      output: execution.output as O,
      execution,
      hosts,
      mapRunChildren: record.mapRunChildren,
      peaks: runPeaks(all),
      alerts: this.sns.messages.slice(before),
    };
  }

  private async execute(
    machine: WorkflowKind,
    name: string,
    input: Record<string, unknown>,
    clock: VirtualClock,
    record: RunRecord,
  ): Promise<ExecutionStats> {
    const { arn } = this.resolved.machines[machine];
    const local = this.local.get(machine);
    if (!local) throw new Error(`local workflow: no state machine ${machine}`);
    const used = this.executionNames.get(arn) ?? new Set<string>();
    this.executionNames.set(arn, used);
    if (used.has(name))
      throw namedError(
        'StepFunctions.ExecutionAlreadyExistsException',
        `Execution Already Exists: 'arn:aws:states:us-east-1:123456789012:execution:${machine}:${name}'`,
      );
    used.add(name);
    return this.executeRunning(clock, () =>
      this.executeOn({
        machine,
        name,
        executionArn: `${arn.replace(':stateMachine:', ':execution:')}:${name}`,
        stateMachineArn: arn,
        input,
        clock,
        record,
        definition: local.definition,
        maps: local.maps,
        stateMachine: this.stateMachine(machine, local.definition),
      }),
    );
  }

  /** `run` with `clock` among the running executions' clocks (what now() reads). */
  private async executeRunning<T>(clock: VirtualClock, run: () => Promise<T>): Promise<T> {
    this.running.add(clock);
    try {
      return await run();
    } finally {
      this.running.delete(clock);
      if (!this.lastEnded || clock.now() > this.lastEnded) this.lastEnded = clock.now();
    }
  }

  private async executeOn(e: {
    machine: ExecutionKind;
    name: string;
    executionArn: string;
    stateMachineArn: string;
    input: unknown;
    clock: VirtualClock;
    record: RunRecord;
    definition: StateMachineDefinition;
    maps: ReadonlyMap<string, DistributedMapState>;
    stateMachine: StateMachine;
  }): Promise<ExecutionStats> {
    const { machine, name, input, clock } = e;
    const startedAt = clock.now().toISOString();
    this.options.onEvent?.({ type: 'execution-started', machine, name });
    const context = {
      Execution: { Id: e.executionArn, Name: name, StartTime: startedAt, Input: input as Payload },
      StateMachine: { Id: e.stateMachineArn, Name: e.stateMachineArn.split(':').pop() },
    };
    const overrides = this.overrides(e.definition, clock, e.record, {
      maps: e.maps,
      context,
      stateMachineArn: e.stateMachineArn,
      executionName: name,
    });
    const execution = e.stateMachine.run(input as Payload, { overrides, context });
    const counting = this.count(machine, name, execution.eventLogs, execution.abort, e.maps);
    let output: unknown;
    let status: ExecutionStats['status'] = 'SUCCEEDED';
    try {
      output = await execution.result;
    } catch (error) {
      status = 'FAILED';
      output = { error: (error as Error).name, cause: (error as Error).message };
    }
    const counted = await counting;
    // The quota wins over whatever the execution did after it (it was aborted, or had already ended
    // before its events were counted).
    if (counted.limitError) {
      status = 'FAILED';
      output = {
        error: counted.limitError.limit.awsError ?? counted.limitError.name,
        cause: counted.limitError.message,
      };
    }
    const stats: ExecutionStats = {
      machine,
      name,
      status,
      ...counted,
      startedAt,
      endedAt: clock.now().toISOString(),
      output,
    };
    this.options.onEvent?.({ type: 'execution-finished', stats });
    return stats;
  }

  /**
   * One StateMachine per kind, built once: every execution of the kind runs on it. Its definition is
   * validated the first time this process sees it (asl-validator compiles its JSON schemas afresh on
   * each call: 0.2 to 0.7 s measured here), not once per LocalWorkflow: a test file or the fault rig
   * builds one per case, on the same synthesized definitions.
   */
  private stateMachine(key: string, definition: StateMachineDefinition): StateMachine {
    let built = this.stateMachines.get(key);
    if (!built) {
      built = buildStateMachine(definition);
      this.stateMachines.set(key, built);
    }
    return built;
  }

  /**
   * Counts an execution's transitions, history events and largest payload from its event log, and
   * holds them to the quotas: the first one exceeded is the execution's `limitError`, and the
   * execution is aborted there, as AWS fails it there.
   */
  private async count(
    machine: ExecutionKind,
    name: string,
    events: AsyncGenerator<EventLog>,
    abort: () => void,
    distributedMaps: ReadonlyMap<string, unknown>,
  ): Promise<
    Pick<
      ExecutionStats,
      'transitions' | 'historyEvents' | 'maxPayloadBytes' | 'maxPayloadState' | 'limitError'
    >
  > {
    const payloadLimit = this.options.limits?.payload ?? STATE_PAYLOAD_LIMIT;
    const historyLimit = this.options.limits?.history ?? EXECUTION_HISTORY_LIMIT;
    let transitions = 0;
    // ExecutionStarted, and the ExecutionSucceeded or ExecutionFailed that ends it.
    let historyEvents = 2;
    let maxPayloadBytes = 0;
    let maxPayloadState = '';
    let limitError: AwsLimitError | undefined;
    const exceeded = (error: AwsLimitError | undefined) => {
      if (!error || limitError) return;
      limitError = error;
      abort();
    };
    const payload = (state: string, what: string, value: unknown) => {
      const size = jsonBytes(value);
      if (size > maxPayloadBytes) {
        maxPayloadBytes = size;
        maxPayloadState = state;
      }
      exceeded(limitExceeded(payloadLimit, size, `${what} of execution ${name}`));
    };
    const history = (added: number) => {
      historyEvents += added;
      exceeded(limitExceeded(historyLimit, historyEvents, `the history of execution ${name}`));
    };
    for await (const event of events) {
      switch (event.type) {
        case 'ExecutionStarted':
          payload('(execution input)', 'the execution input', event.input);
          break;
        case 'StateEntered':
          transitions += 1;
          // <Type>StateEntered + <Type>StateExited; a task adds Scheduled, Started, Succeeded; a Map adds
          // Started, Succeeded; a Distributed Map (run by a stand-in Task) MapRunStarted, MapRunSucceeded.
          history(
            distributedMaps.has(event.state.name)
              ? DISTRIBUTED_MAP_EVENTS
              : 2 + (event.state.type === 'Task' ? 3 : event.state.type === 'Map' ? 2 : 0),
          );
          payload(event.state.name, `the state ${event.state.name} input`, event.state.input);
          this.options.onEvent?.({ type: 'state-entered', machine, name, state: event.state.name });
          break;
        case 'StateExited':
          payload(event.state.name, `the state ${event.state.name} output`, event.state.output);
          break;
        case 'StateRetried':
          transitions += 1;
          history(3);
          break;
        case 'MapIterationStarted':
          history(2);
          break;
        default:
          break;
      }
    }
    return { transitions, historyEvents, maxPayloadBytes, maxPayloadState, limitError };
  }

  private overrides(
    definition: StateMachineDefinition,
    clock: VirtualClock,
    record: RunRecord,
    parent: {
      maps: ReadonlyMap<string, DistributedMapState>;
      context: Record<string, unknown>;
      stateMachineArn: string;
      executionName: string;
    },
  ): Overrides {
    const taskResourceLocalHandlers: LocalHandlers = {};
    const waitTimeOverrides: Record<string, number> = {};
    const retryIntervalOverrides: Record<string, number> = {};
    forEachState(definition, (stateName, state) => {
      if (state.Retry) retryIntervalOverrides[stateName] = 0;
      if (state.Type === 'Wait') waitTimeOverrides[stateName] = 0;
      if (state.Type !== 'Task') return;
      const resource = String(state.Resource);
      const map = parent.maps.get(stateName);
      const handler =
        resource === LOCAL_DISTRIBUTED_MAP_RESOURCE && map
          ? (input: unknown) => this.distributedMap(map, input, clock, record, parent)
          : this.taskHandler(stateName, resource, clock, record.hosts);
      taskResourceLocalHandlers[stateName] = async (input) => (await handler(input)) as Payload;
    });
    return { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides };
  }

  private taskHandler(
    stateName: string,
    resource: string,
    clock: VirtualClock,
    hosts: Record<string, ExecutionStats>,
  ): Handler {
    const fn = this.resolved.functions.get(resource);
    if (fn) {
      const run = this.lambda(fn, clock);
      return async (input) => {
        try {
          return JSON.parse(JSON.stringify((await run(input)) ?? null));
        } catch (error) {
          throw lambdaError(error);
        }
      };
    }
    if (resource.endsWith(':states:::aws-sdk:ssm:sendCommand'))
      return async (input) => this.ssm.sendCommand(input as Record<string, unknown>, clock);
    if (resource.endsWith(':states:::sns:publish'))
      return async (input) => this.sns.publish(input as Record<string, unknown>, clock.now());
    if (/:states:::states:startExecution\.sync(:2)?$/.test(resource))
      return async (input) => {
        const request = input as { StateMachineArn: string; Name: string; Input: Record<string, unknown> };
        const kind = (Object.keys(this.resolved.machines) as WorkflowKind[]).find(
          (k) => this.resolved.machines[k].arn === request.StateMachineArn,
        );
        if (!kind)
          throw namedError('StepFunctions.StateMachineDoesNotExistException', request.StateMachineArn);
        const child = new VirtualClock(clock.now());
        const stub = this.options.stubHostExecution;
        const stats = stub
          ? this.stubbed(
              kind,
              request.Name,
              stub(request.Input as { host: string; runId: string; date: string }),
              child,
            )
          : await this.execute(kind, request.Name, request.Input, child, { hosts, mapRunChildren: [] });
        clock.advanceTo(child.now());
        const host = typeof request.Input.host === 'string' ? request.Input.host : request.Name;
        hosts[host] = stats;
        if (stats.status !== 'SUCCEEDED') throw namedError('States.TaskFailed', JSON.stringify(stats.output));
        return {
          ExecutionArn: `${request.StateMachineArn.replace(':stateMachine:', ':execution:')}:${request.Name}`,
          Name: request.Name,
          StartDate: stats.startedAt,
          StopDate: stats.endedAt,
          Status: 'SUCCEEDED',
          Output: stats.output,
        };
      };
    throw new Error(`local workflow: no local stand-in for state ${stateName} (resource ${resource})`);
  }

  /**
   * A Distributed Map run here (lib/local/distributed-map.ts): each item a map-run child execution of
   * the ItemProcessor on a clock of its own, counted and held to the quotas like any execution; the
   * parent's clock moves on to the last child's end.
   */
  private async distributedMap(
    map: DistributedMapState,
    input: unknown,
    clock: VirtualClock,
    record: RunRecord,
    parent: { context: Record<string, unknown>; stateMachineArn: string; executionName: string },
  ): Promise<unknown> {
    const key = `${parent.stateMachineArn}/${map.name}`;
    const processor = withLocalDistributedMaps(map.processor);
    const stateMachine = this.stateMachine(key, processor.definition);
    return runDistributedMap({
      state: map,
      input,
      context: parent.context,
      stateMachineArn: parent.stateMachineArn,
      executionName: parent.executionName,
      s3: this.s3,
      runChild: async (child): Promise<MapRunChild> => {
        const childClock = new VirtualClock(clock.now());
        const stats = await this.executeRunning(childClock, () =>
          this.executeOn({
            machine: 'map-run',
            name: child.name,
            executionArn: child.arn,
            stateMachineArn: `${parent.stateMachineArn}/${map.label}`,
            input: child.input,
            clock: childClock,
            record,
            definition: processor.definition,
            maps: processor.maps,
            stateMachine,
          }),
        );
        clock.advanceTo(childClock.now());
        record.mapRunChildren.push(stats);
        return {
          name: child.name,
          executionArn: child.arn,
          status: stats.status,
          input: child.input,
          output: stats.output,
          startedAt: stats.startedAt,
          endedAt: stats.endedAt,
        };
      },
    });
  }

  private stubbed(machine: WorkflowKind, name: string, output: unknown, clock: VirtualClock): ExecutionStats {
    const at = clock.now().toISOString();
    return {
      machine,
      name,
      status: 'SUCCEEDED',
      transitions: 0,
      historyEvents: 0,
      maxPayloadBytes: jsonBytes(output),
      maxPayloadState: '(stub)',
      startedAt: at,
      endedAt: at,
      output,
    };
  }

  /** A function's Timeout in the template (Lambda's default, 3 s, when it has none). */
  private functionTimeoutSeconds(fn: LocalFunction): number {
    const timeout = this.options.template.Resources[fn.logicalId]?.Properties?.Timeout;
    return typeof timeout === 'number' ? timeout : 3;
  }

  /**
   * The real logic module of a handler, with the local clients and the clock, its environment read
   * from the template by the function's own composition root (lambdas/<fn>/deps.ts), as its Lambda
   * entry reads it from process.env: what runs here is wired as it is deployed.
   */
  private lambda(fn: LocalFunction, clock: VirtualClock): Handler {
    const where = `${fn.handler} environment (${fn.logicalId})`;
    // The real deadline is the function's timeout, counted on the wall clock: reading bytes takes
    // real time, which the virtual clock does not see.
    const timeoutMs = this.functionTimeoutSeconds(fn) * 1000;
    return (event) => {
      // Per invocation, as Lambda's context is: a Map runs several images' inspections at once.
      const deadline = Date.now() + timeoutMs;
      const run = this.logic(fn.handler, fn.environment, this.handlerIo(clock, deadline), where);
      if (fn.handler === 'load-fleet')
        // aws-local-stepfunctions stamps $$.Execution.StartTime with the wall clock whatever the
        // context says: the run starts at the execution's virtual start instead.
        return run(withStartTime(event, clock.started));
      if (fn.handler === 'await-command') {
        // The Wait before this poll lasted `waitedSeconds`: that is when this poll happens.
        const waited = Number((event as { waitedSeconds?: unknown })?.waitedSeconds ?? 0);
        clock.advance(Number.isFinite(waited) ? waited : 0);
      }
      return run(event);
    };
  }

  /**
   * The local clients on an execution's clock. The SNS and SSM clients are made only when a
   * composition root asks for them (getters): most functions use neither.
   */
  private handlerIo(clock: VirtualClock, deadline: number): HandlerIo {
    const { sns, ssm } = this;
    return {
      s3: this.s3,
      presign: this.presign,
      get sns() {
        return sns.client(() => clock.now());
      },
      get ssm() {
        return ssm.client(clock);
      },
      now: () => clock.now(),
      remainingMs: () => deadline - Date.now(),
      log: this.options.onMetric ?? (() => undefined),
    };
  }

  /** A handler's logic module bound to the dependencies its composition root makes. */
  private logic(name: LocalFunction['handler'], env: HandlerEnv, io: HandlerIo, where: string): Handler {
    switch (name) {
      case 'load-fleet': {
        const deps = loadFleetDeps(env, io, where);
        return (event) => loadFleet(event, deps);
      }
      case 'await-command': {
        const deps = awaitCommandDeps(env, io);
        return (event) => awaitCommand(event, deps);
      }
      case 'prepare-upload': {
        const deps = prepareUploadDeps(env, io, where);
        return (event) => prepareUpload(event, deps);
      }
      case 'complete-upload': {
        const deps = completeUploadDeps(env, io, where);
        return (event) => completeUpload(event, deps);
      }
      case 'inspect-image': {
        const deps = inspectImageDeps(env, io, where);
        return (event) => inspectImage(event, deps);
      }
      case 'verify': {
        const deps = verifyDeps(env, io, where);
        return (event) => verifyImage(event, deps);
      }
      case 'record-failure': {
        const deps = recordFailureDeps(env, io, where);
        return (event) => recordFailure(event, deps);
      }
      case 'notify': {
        const deps = notifyDeps(env, io, where);
        return (event) => notify(event, deps);
      }
      case 'retention': {
        const deps = retentionDeps(env, io, where);
        return (event) => applyRetention(event, deps);
      }
      case 'run-report': {
        const deps = runReportDeps(env, io, where);
        return (event) => writeRunReport(event, deps);
      }
      case 'freshness': {
        const deps = freshnessDeps(env, io, where);
        return (event) => checkFreshness(event, deps);
      }
      case 'restore-test': {
        const deps = restoreTestDeps(env, io, where);
        return (event) => restoreTest(event, deps);
      }
    }
  }
}

function withStartTime(event: unknown, started: Date): unknown {
  return event && typeof event === 'object' && 'startTime' in event
    ? { ...event, startTime: started.toISOString() }
    : event;
}

/** One weekly run: `new LocalWorkflow(options).runWeekly({ date })`. */
export async function runWorkflowLocally(
  options: LocalWorkflowOptions & RunOptions,
): Promise<LocalRunResult<WeeklyOutput>> {
  return new LocalWorkflow(options).runWeekly(options);
}
