// The local SSM: SendCommand starts the document's script for real (lib/local/ssm-run-command.ts)
// against a simulated LPAR (lib/sim-lpar), GetCommandInvocation answers on a simulated clock, and
// GetParametersByPath serves the fleet parameters. A step takes simulated time (a one-hour mksysb is
// InProgress until the run's clock has moved an hour), whatever it took on this machine, so polls and
// state transitions are counted as they would be on AWS; once its simulated time is up the real
// command's result is awaited and returned.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { HostStep } from '../host-scripts/index.js';
import { openSimulatedFleet, simEnv } from '../sim-lpar/index.js';
import { LOCAL_CLIENT_CONFIG } from './local-sns.js';
import { answerLocally, type LocalDocument } from './resolve-template.js';
import { type RunCommandResult, runCommandLocally } from './ssm-run-command.js';

export interface Clock {
  now(): Date;
}

/** A clock that moves only when told: each execution of the local workflow has one. */
export class VirtualClock implements Clock {
  /** When the execution that owns the clock started. */
  public readonly started: Date;
  private ms: number;
  constructor(start: Date | string) {
    this.started = new Date(start);
    this.ms = this.started.getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(seconds: number): void {
    this.ms += Math.max(0, seconds) * 1000;
  }
  /** Moves forward to `instant` if it is later. */
  advanceTo(instant: Date): void {
    this.ms = Math.max(this.ms, instant.getTime());
  }
}

/** How long each step takes on the simulated clock. */
export type StepSeconds = (host: string, step: HostStep) => number;

const MiB = 1024 * 1024;

/** Default simulated durations: a quick preflight; backup at 2.5 MiB/s and transfer at 20 MiB/s of the image. */
export function defaultStepSeconds(simFleetDir: string): StepSeconds {
  const fleet = openSimulatedFleet(simFleetDir);
  return (host, step) => {
    const p = fleet.profile(host);
    const bytes = p.sizeBytes + (p.volumeGroups.length - 1) * p.savevgSizeBytes;
    if (step === 'preflight') return 15;
    if (step === 'backup') return Math.max(20, Math.round(bytes / (2.5 * MiB)));
    // A download, alt_disk_mksysb and the checks: twenty minutes on the simulated clock.
    if (step === 'restore-test') return 1200;
    return Math.max(20, Math.round(p.sizeBytes / (20 * MiB)));
  };
}

export class LocalSsmError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Invocation {
  readonly commandId: string;
  readonly instanceId: string;
  readonly host: string;
  readonly step: HostStep;
  readonly startedMs: number;
  readonly simulatedSeconds: number;
  readonly timeoutSeconds: number;
  /** The relay is offline (sim fault relay_down): the command is never delivered; it times out after this. */
  readonly undeliveredSeconds: number | null;
  readonly result: Promise<RunCommandResult>;
  polls: number;
}

export interface LocalSsmOptions {
  readonly simFleetDir: string;
  /** The SSM documents by name (from the template: resolveWorkflow().documents). */
  readonly documents: ReadonlyMap<string, LocalDocument>;
  /** The fleet parameters GetParametersByPath serves. */
  readonly parameters: readonly { name: string; value: string }[];
  /** @default defaultStepSeconds(simFleetDir) */
  readonly stepSeconds?: StepSeconds;
  /** The shell of the simulated LPARs' /usr/bin/ksh (relay mode): ksh or dash. */
  readonly lparShell?: string;
}

export class LocalSsm {
  private readonly invocations = new Map<string, Invocation>();
  private readonly added = new Map<string, string>();
  private readonly stepSeconds: StepSeconds;

  constructor(private readonly options: LocalSsmOptions) {
    this.stepSeconds = options.stepSeconds ?? defaultStepSeconds(options.simFleetDir);
  }

  /** Every command sent so far (for reports and tests). */
  get commands(): readonly { host: string; step: HostStep; polls: number; simulatedSeconds: number }[] {
    return [...this.invocations.values()].map((i) => ({
      host: i.host,
      step: i.step,
      polls: i.polls,
      simulatedSeconds: i.simulatedSeconds,
    }));
  }

  /** SendCommand, as Step Functions' `aws-sdk:ssm:sendCommand` passes it (PascalCase fields). */
  sendCommand(input: Record<string, unknown>, clock: Clock): { Command: Record<string, unknown> } {
    const name = String(input.DocumentName ?? '');
    const document = this.options.documents.get(name);
    if (!document) throw new LocalSsmError('Ssm.InvalidDocument', `local SSM: no document named ${name}`);
    const instanceIds = (input.InstanceIds ?? []) as string[];
    if (instanceIds.length !== 1)
      throw new LocalSsmError('Ssm.InvalidInstanceId', 'local SSM: exactly one InstanceId is expected');
    const parameters: Record<string, string> = {};
    for (const [k, v] of Object.entries((input.Parameters ?? {}) as Record<string, unknown>))
      parameters[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
    const host = parameters.host;
    if (!host)
      throw new LocalSsmError('Ssm.InvalidParameters', 'local SSM: the command has no host parameter');
    const mode = parameters.mode === 'direct' ? 'direct' : 'relay';
    // The simulated LPAR's / is its directory in the fleet: its staging filesystem is under it.
    const root = openSimulatedFleet(this.options.simFleetDir).hostRoot(host);
    if (parameters.staging?.startsWith('/') && !parameters.staging.startsWith(`${root}/`))
      parameters.staging = join(root, parameters.staging);
    const timeoutSeconds = Number(
      parameters.timeoutSeconds ?? document.content.parameters.timeoutSeconds?.default ?? 3600,
    );
    const commandId = randomUUID();
    const fleet = openSimulatedFleet(this.options.simFleetDir);
    // An offline relay runs nothing: SSM keeps the invocation Delayed until the delivery timeout.
    const relayDown = fleet.profile(host).faults.includes('relay_down');
    const result = relayDown
      ? Promise.reject(new Error('never delivered'))
      : runCommandLocally({
          document: document.content,
          parameters,
          env: simEnv(this.options.simFleetDir, host, { mode, lparShell: this.options.lparShell }),
        });
    // A rejected run (a parameter SSM would refuse) is reported at the first poll, not as an unhandled rejection.
    result.catch(() => undefined);
    const instanceId = instanceIds[0] as string;
    this.invocations.set(commandId, {
      commandId,
      instanceId,
      host,
      step: document.step,
      startedMs: clock.now().getTime(),
      simulatedSeconds: this.stepSeconds(host, document.step),
      timeoutSeconds,
      undeliveredSeconds: relayDown ? Number(input.TimeoutSeconds ?? 600) : null,
      result,
      polls: 0,
    });
    return {
      Command: {
        CommandId: commandId,
        DocumentName: name,
        InstanceIds: instanceIds,
        Status: 'Pending',
        TimeoutSeconds: input.TimeoutSeconds,
      },
    };
  }

  /** GetCommandInvocation at the clock's time. */
  async getCommandInvocation(input: Record<string, unknown>, clock: Clock): Promise<Record<string, unknown>> {
    const invocation = this.invocations.get(String(input.CommandId));
    if (!invocation || invocation.instanceId !== input.InstanceId)
      throw new LocalSsmError(
        'InvocationDoesNotExist',
        `local SSM: no invocation ${String(input.CommandId)}`,
      );
    invocation.polls += 1;
    const iso = (ms: number) => new Date(ms).toISOString();
    const elapsed = (clock.now().getTime() - invocation.startedMs) / 1000;
    const base = {
      CommandId: invocation.commandId,
      InstanceId: invocation.instanceId,
      ExecutionStartDateTime: iso(invocation.startedMs),
    };
    if (invocation.undeliveredSeconds !== null) {
      const notStarted = {
        CommandId: invocation.commandId,
        InstanceId: invocation.instanceId,
        ExecutionStartDateTime: '',
      };
      if (elapsed < invocation.undeliveredSeconds)
        return { ...notStarted, Status: 'Delayed', StatusDetails: 'Delayed', ResponseCode: -1 };
      return { ...notStarted, Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut', ResponseCode: -1 };
    }
    const timesOut = invocation.simulatedSeconds > invocation.timeoutSeconds;
    const endsAfter = timesOut ? invocation.timeoutSeconds : invocation.simulatedSeconds;
    if (elapsed < endsAfter) return { ...base, Status: 'InProgress', StatusDetails: 'InProgress' };
    const endMs = invocation.startedMs + endsAfter * 1000;
    if (timesOut)
      return {
        ...base,
        Status: 'TimedOut',
        StatusDetails: 'ExecutionTimedOut',
        ResponseCode: -1,
        ExecutionEndDateTime: iso(endMs),
      };
    let run: RunCommandResult;
    try {
      run = await invocation.result;
    } catch (error) {
      return {
        ...base,
        Status: 'Failed',
        StatusDetails: 'Failed',
        ResponseCode: -1,
        StandardOutputContent: '',
        StandardErrorContent: (error as Error).message,
        ExecutionEndDateTime: iso(endMs),
      };
    }
    return {
      ...base,
      Status: run.status,
      StatusDetails: run.status === 'TimedOut' ? 'ExecutionTimedOut' : run.status,
      ResponseCode: run.responseCode,
      StandardOutputContent: run.stdout,
      StandardErrorContent: run.stderr,
      ExecutionEndDateTime: iso(endMs),
    };
  }

  /** A parameter put by hand (`aws ssm put-parameter`, as an operator adds a host): served from now on. */
  putParameter(name: string, value: string): void {
    this.added.set(name, value);
  }

  getParametersByPath(input: Record<string, unknown>): Record<string, unknown> {
    const path = String(input.Path ?? '');
    const all = [
      ...this.options.parameters.filter((p) => !this.added.has(p.name)),
      ...[...this.added].map(([name, value]) => ({ name, value })),
    ];
    const under = all.filter((p) => p.name.startsWith(path) && !p.name.slice(path.length).includes('/'));
    const start = Number(input.NextToken ?? 0);
    const page = under.slice(start, start + 10);
    return {
      Parameters: page.map((p) => ({ Name: p.name, Value: p.value, Type: 'String' })),
      ...(start + 10 < under.length ? { NextToken: String(start + 10) } : {}),
    };
  }

  /** An SSMClient answered by this local SSM on `clock`. */
  client(clock: Clock): SSMClient {
    return answerLocally(new SSMClient(LOCAL_CLIENT_CONFIG), async (command, input) => {
      switch (command) {
        case 'GetCommandInvocationCommand':
          return this.getCommandInvocation(input, clock);
        case 'SendCommandCommand':
          return this.sendCommand(input, clock);
        case 'GetParametersByPathCommand':
          return this.getParametersByPath(input);
        default:
          throw new LocalSsmError('UnsupportedOperation', `local SSM: ${command} is not emulated`);
      }
    });
  }
}
