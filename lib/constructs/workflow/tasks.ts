// The few task shapes the three state machines are written in: a Lambda invocation (with the
// workflow's retry of a throttled store), an SSM SendCommand of a host step, and a host step as one
// link of a chain (send, then wait and poll until the command is done). The definitions
// (weekly-definition.ts, host-definition.ts, freshness-definition.ts) build every other state
// themselves, in `scope`, so each state's name is its construct id there.
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { HostStep } from '../../host-scripts/index.js';
import type { HandlerFunction, HandlerName } from '../handler-function.js';
import { REPEATABLE_AFTER_THROTTLING } from './functions.js';

/** How long SSM may take to deliver a command to the relay before it gives up (SendCommand TimeoutSeconds). */
export const DELIVERY_TIMEOUT_SECONDS = 600;

/** The workflow's retry of a throttled store: Step Functions waits, not the Lambda. */
export const STORE_THROTTLED_RETRY = {
  errors: ['StoreThrottled'],
  interval: Duration.seconds(10),
  backoffRate: 3,
  maxAttempts: 3,
  jitterStrategy: sfn.JitterType.FULL,
} as const;

export interface WorkflowTasksProps {
  /** The workflow's functions, by handler. */
  readonly functions: Readonly<Record<HandlerName, HandlerFunction>>;
  /** The SSM Command document of each host step, by name, as SendCommand takes it. */
  readonly documentNames: Readonly<Record<HostStep, string>>;
  /** The same documents by ARN (the SendCommand grant itself is BackupWorkflow's, once for all steps). */
  readonly documentArns: Readonly<Record<HostStep, string>>;
}

export class WorkflowTasks {
  /** The construct every state is made in: BackupWorkflow. */
  public readonly scope: Construct;
  private readonly props: WorkflowTasksProps;

  constructor(scope: Construct, props: WorkflowTasksProps) {
    this.scope = scope;
    this.props = props;
  }

  /** Invokes a handler's function with `payload`; retries StoreThrottled where the handler may repeat. */
  public invoke(
    id: string,
    name: HandlerName,
    payload: Record<string, unknown>,
    options: Partial<
      Pick<tasks.LambdaInvokeProps, 'resultPath' | 'resultSelector' | 'outputPath' | 'comment'>
    > = {},
  ): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this.scope, id, {
      lambdaFunction: this.props.functions[name].function,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      taskTimeout: sfn.Timeout.duration(Duration.minutes(16)),
      ...options,
    });
    if (REPEATABLE_AFTER_THROTTLING[name] !== null)
      task.addRetry({ ...STORE_THROTTLED_RETRY, errors: [...STORE_THROTTLED_RETRY.errors] });
    return task;
  }

  /**
   * SSM SendCommand of a host step: only the command id comes back into the state. A parameter value
   * that starts with `$` is a path into the state, any other a fixed value.
   */
  public sendCommand(
    step: HostStep,
    parameters: Record<string, string>,
    executionTimeout: number,
  ): tasks.CallAwsService {
    const p = (path: string) => sfn.JsonPath.array(sfn.JsonPath.stringAt(path));
    const fixed = (value: string) => [value];
    const common: Record<string, unknown> = {
      mode: p('$.plan.mode'),
      host: p('$.host'),
      address: p('$.plan.address'),
      sshUser: p('$.plan.sshUser'),
      viosShell: p('$.plan.viosShell'),
      sshKeyPath: p('$.plan.sshKeyPath'),
      knownHostsPath: p('$.plan.knownHostsPath'),
      timeoutSeconds: fixed(String(executionTimeout)),
    };
    for (const [name, value] of Object.entries(parameters))
      common[name] = value.startsWith('$') ? p(value) : fixed(value);
    return new tasks.CallAwsService(this.scope, pascal(step), {
      comment: `SSM Run Command: the ${step} document on the host's managed node`,
      service: 'ssm',
      action: 'sendCommand',
      iamAction: 'ssm:SendCommand',
      // The policy is added once for all steps (BackupWorkflow's grantSendCommand).
      iamResources: [this.props.documentArns[step]],
      parameters: {
        DocumentName: this.props.documentNames[step],
        InstanceIds: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.plan.managedNodeId')),
        TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
        Comment: sfn.JsonPath.format(
          `mksysb-vault ${step} {} {}`,
          sfn.JsonPath.stringAt('$.host'),
          sfn.JsonPath.stringAt('$.runId'),
        ),
        Parameters: common,
      },
      resultSelector: {
        commandId: sfn.JsonPath.stringAt('$.Command.CommandId'),
        instanceId: sfn.JsonPath.stringAt('$.Command.InstanceIds[0]'),
      },
      resultPath: '$.cmd',
    });
  }

  /** A host step sent by `send`, then polled with `pollPayload` (added to the poll's own) until done. */
  public commandLoop(
    step: HostStep,
    send: tasks.CallAwsService,
    pollPayload: Record<string, unknown>,
  ): CommandLoop {
    const name = pascal(step);
    const wait = new sfn.Wait(this.scope, `${name}Wait`, {
      time: sfn.WaitTime.secondsPath('$.poll.nextWaitSeconds'),
    });
    const poll = this.invoke(
      `${name}Poll`,
      'await-command',
      {
        host: sfn.JsonPath.stringAt('$.host'),
        step,
        commandId: sfn.JsonPath.stringAt('$.cmd.commandId'),
        instanceId: sfn.JsonPath.stringAt('$.cmd.instanceId'),
        waitedSeconds: sfn.JsonPath.numberAt('$.poll.nextWaitSeconds'),
        ...pollPayload,
      },
      { resultPath: '$.poll', comment: `Polls the ${step} command (GetCommandInvocation)` },
    );
    const done = new sfn.Choice(this.scope, `${name}Done`).otherwise(wait);
    return new CommandLoop(send, wait, poll, done);
  }
}

/**
 * Send, then Wait (SecondsPath from the last poll) → await-command → Choice, back to the Wait until the
 * poll says done. The poll result replaces `$.poll`; when done, its nextWaitSeconds is the next step's
 * first wait. Chained like a state: `.next(state)` (or a Chain's) is where the loop goes once done.
 */
export class CommandLoop implements sfn.IChainable {
  public readonly id: string;
  public readonly startState: sfn.State;
  public readonly endStates: sfn.INextable[];
  private readonly send: tasks.CallAwsService;
  private readonly poll: tasks.LambdaInvoke;

  constructor(send: tasks.CallAwsService, wait: sfn.Wait, poll: tasks.LambdaInvoke, done: sfn.Choice) {
    this.id = send.id;
    this.startState = send;
    this.send = send;
    this.poll = poll;
    send.next(wait).next(poll).next(done);
    this.endStates = [
      {
        next: (state: sfn.IChainable): sfn.Chain => {
          done.when(sfn.Condition.booleanEquals('$.poll.done', true), state);
          return sfn.Chain.custom(send, state.endStates, state);
        },
      },
    ];
  }

  /** Where the loop goes when SSM refuses the command or a poll fails: the error is in `$.error`. */
  public onFailure(handler: sfn.IChainable): this {
    this.send.addCatch(handler, { resultPath: '$.error' });
    this.poll.addCatch(handler, { resultPath: '$.error' });
    return this;
  }
}

/** `prepare-upload` → `PrepareUpload`: the state names of a step or handler. */
export function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
