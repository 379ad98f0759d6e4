// The backup workflow: three Standard state machines and the Lambdas they run.
// - weekly: load-fleet (host names only) → inline Map (MaxConcurrency from config) starting one child
//   execution per host, named `<host>-<week>` so a host-week runs once → retention → run report.
// - per host: load-fleet (this host's parameters and history) → preflight, backup (SSM SendCommand,
//   then a Wait/await-command/Choice loop whose waits come from the expected duration, so a one-hour
//   mksysb costs a few polls) → for each image (mksysb, then each savevg): prepare-upload → transfer
//   (SSM) → complete-upload → inspect-image (reads the stored bytes) → verify → notify. Every failure
//   is caught: record-failure (outcome, anomaly, upload aborted) → notify, and the execution still
//   succeeds with the host's FAIL line.
// - freshness: load-fleet → freshness → notify.
// Every state's payload stays small: host names through the weekly Map, one result line per host back
// (lambdas/shared/run-summary.ts), trimmed SDK results (ResultSelector), never command output.
import { type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PREFLIGHT_EXPECTED_SECONDS } from '../../lambdas/shared/command-poll.js';
import { hostResultTemplate } from '../../lambdas/shared/run-summary.js';
import { type DeployConfig, partSizeBytes } from '../config.js';
import { EXECUTION_TIMEOUT_SECONDS, HOST_STEPS, type HostStep } from '../host-scripts/index.js';
import { HandlerFunction, type HandlerName } from './handler-function.js';
import { grantStoreAccess, storeAccess } from './store-access.js';

/** CloudFormation metadata keys the local runner (lib/local/workflow-runner.ts) reads. */
export const HANDLER_METADATA = 'mksysb-vault:handler';
export const WORKFLOW_METADATA = 'mksysb-vault:workflow';
export type WorkflowKind = 'weekly' | 'host' | 'freshness';

/** How long SSM may take to deliver a command to the relay before it gives up (SendCommand TimeoutSeconds). */
export const DELIVERY_TIMEOUT_SECONDS = 600;
/**
 * How a backup step ends when the relay lost it rather than the backup failing: the relay gave up
 * polling the LPAR (HostUnreachable) or its command ended with no status line (CommandFailed: killed,
 * e.g. by a relay restart). The detached backup may well still be running: the command is sent once
 * more and the relay attaches to it.
 */
export const BACKUP_LOST_ERRORS = ['HostUnreachable', 'CommandFailed'] as const;
/** Transfers of one image before its failure is recorded: each retry resumes the multipart upload. */
export const TRANSFER_ATTEMPTS = 3;
/** Images of one host uploaded at once (the mksysb and its savevg images share the relay's link). */
export const IMAGE_CONCURRENCY = 2;
/**
 * inspect-image hashes and walks every stored byte: CPU-bound, so it gets one full vCPU (Lambda gives
 * a whole vCPU at 1,769 MB); its memory use is bounded by the ranges in flight, not by the image.
 */
export const INSPECT_MEMORY_MB = 1769;
/** The longest a Lambda may run: an image it cannot read in this time is CONTENT_UNVERIFIED, never skipped. */
export const INSPECT_TIMEOUT = Duration.minutes(15);
/**
 * verify reads two content indexes to say what changed (lambdas/verify/changes.ts), up to 600,000
 * entries each. Measured on rootvg-like indexes (parse both, diff, top contributors; a Node process
 * that starts at ~90 MiB RSS): 150,000 entries each peak at 275 MiB RSS and 1.6 CPU-s, 400,000 at 469
 * MiB, 600,000 at 649 MiB and 7.8 CPU-s. The 512 MB default would not hold two 400,000-entry indexes;
 * 1,024 MB holds the largest with ~350 MB to spare and brings 0.58 vCPU (~14 s for that pair), so 2
 * minutes leaves the rest of verify (~0.2 s of small reads) a wide margin.
 */
export const VERIFY_MEMORY_MB = 1024;
export const VERIFY_TIMEOUT = Duration.minutes(2);

export interface BackupWorkflowProps {
  /**
   * The validated deploy config: schedule, verification policy, retention, transfer and Object Lock
   * settings that the functions and state machines are built from.
   */
  readonly config: DeployConfig;
  /**
   * The image store (SSE-KMS; its key is `bucket.encryptionKey`, whose use each function is granted
   * with its S3 access, lib/constructs/store-access.ts).
   */
  readonly bucket: s3.IBucket;
  /** The Parameter Store path the fleet lives under (trailing slash). */
  readonly fleetParameterPath: string;
  /** The SSM Command document of each host step, by name, as SendCommand takes it (HostDocuments). */
  readonly documentNames: Readonly<Record<HostStep, string>>;
  /** The same documents by ARN, for the SendCommand grant (HostDocuments). */
  readonly documentArns: Readonly<Record<HostStep, string>>;
  /** The alert topic that notify and run-report publish to. */
  readonly topic: sns.ITopic;
  /**
   * Managed nodes SendCommand may target besides the fleet's relays and direct nodes in the config.
   * `'*'` allows every managed node of the account (for fleets edited only in Parameter Store).
   * @default [] (only the config's managedNodeIds)
   */
  readonly extraManagedNodeIds?: readonly string[] | '*';
  /**
   * How long the functions' and state machines' log groups keep their events.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Why a handler may be run again after it threw StoreThrottled (S3 kept answering 503 SlowDown past the
 * client's own retries, lambdas/catalog/s3-client.ts), or null when it may not. Every state that invokes
 * a repeatable handler retries StoreThrottled. test/faults/store-writes.test.ts throttles load-fleet,
 * prepare-upload, complete-upload, inspect-image, verify, retention and run-report past the client's
 * attempts in a whole run (PASS, nothing published twice); test/lambdas/record-failure/repeat.test.ts
 * runs record-failure twice.
 */
export const REPEATABLE_AFTER_THROTTLING: Readonly<Record<HandlerName, string | null>> = {
  'load-fleet':
    'reads the fleet and the store; the host-day claim it takes is recognised as its own run by the repeat (host-claim.ts)',
  'await-command': 'polls SSM only; it makes no S3 call',
  'prepare-upload':
    'a failed attempt aborts the multipart upload it created; the repeat creates another and a new manifest',
  'complete-upload':
    'a completion whose answer was lost leaves NoSuchUpload, and the repeat judges the object itself',
  'inspect-image': 'reads the stored bytes; the content index it writes is the same bytes again',
  verify: 'its history stops before the image day, and the record it writes last is the same again',
  'record-failure':
    'writes the same failure record again (the upload it aborted is then found gone: aborted false); nothing is published',
  notify: null, // publishes to SNS: a repeat would alert twice (its claim release is never fatal, so it never throws StoreThrottled)
  retention: 'plans again from what the store holds: an image already deleted is no longer planned',
  'run-report':
    'writes the report before it publishes the digest: StoreThrottled means nothing was published',
  freshness: 'reads the store only',
};

/** The workflow's retry of a throttled store: Step Functions waits, not the Lambda. */
export const STORE_THROTTLED_RETRY = {
  errors: ['StoreThrottled'],
  interval: Duration.seconds(10),
  backoffRate: 3,
  maxAttempts: 3,
  jitterStrategy: sfn.JitterType.FULL,
} as const;

// The result lines the state machines write themselves, where no Lambda is left to: built by the
// one encoder of the line (lambdas/shared/run-summary.ts), the host filled in by States.Format.
const WORKFLOW_ERROR_LINE = hostResultTemplate({
  verdict: 'FAIL',
  outcome: 'error',
  sizeBytes: 0,
  codes: ['BACKUP_FAILED'],
});
const ALREADY_RAN_LINE = hostResultTemplate({
  verdict: 'SKIP',
  outcome: 'already_ran',
  sizeBytes: 0,
  codes: [],
});

const FUNCTIONS: Readonly<Record<HandlerName, string>> = {
  'load-fleet': 'Reads and validates the fleet from Parameter Store; one host with its history',
  'await-command': 'Polls an SSM host step and says how long to wait before the next poll',
  'prepare-upload': 'Creates the multipart upload and the presigned part URL manifest',
  'complete-upload': 'Completes the multipart upload and checks it against the host report',
  'inspect-image': 'Reads the stored image once: its SHA-256, its archive, its content index',
  verify: 'Judges an uploaded image and writes its catalog record',
  'record-failure': 'Records a host failure, maps it to an anomaly, aborts its open upload',
  notify: 'Publishes one SNS message per anomaly; returns the host result line',
  retention: 'Applies the GFS retention policy to every host',
  'run-report': 'Writes the run report, emits run metrics, publishes the digest',
  freshness: 'Finds hosts without a recent verified image',
};

export class BackupWorkflow extends Construct {
  public readonly weeklyStateMachine: sfn.StateMachine;
  public readonly hostStateMachine: sfn.StateMachine;
  public readonly freshnessStateMachine: sfn.StateMachine;
  public readonly functions: HandlerFunction[];

  private readonly fn: Record<HandlerName, HandlerFunction>;
  private readonly props: BackupWorkflowProps;

  constructor(scope: Construct, id: string, props: BackupWorkflowProps) {
    super(scope, id);
    this.props = props;
    this.fn = this.createFunctions();
    this.functions = Object.values(this.fn);
    this.grantFunctions();
    this.hostStateMachine = this.stateMachine('HostStateMachine', 'host', this.hostDefinition(), {
      timeout: this.hostTimeout(),
      comment: 'mksysb-vault: one host-week (preflight, backup, upload and verify each image, notify)',
    });
    this.weeklyStateMachine = this.stateMachine('WeeklyStateMachine', 'weekly', this.weeklyDefinition(), {
      timeout: Duration.days(6),
      comment: 'mksysb-vault: the weekly run over the fleet, then retention and the run report',
    });
    this.freshnessStateMachine = this.stateMachine(
      'FreshnessStateMachine',
      'freshness',
      this.freshnessDefinition(),
      {
        timeout: Duration.minutes(30),
        comment: 'mksysb-vault: daily check that every host has a fresh image',
      },
    );
    this.grantSendCommand();
  }

  private createFunctions(): Record<HandlerName, HandlerFunction> {
    const { config, bucket, topic, fleetParameterPath } = this.props;
    const environment: Readonly<Record<HandlerName, Record<string, string>>> = {
      'load-fleet': {
        FLEET_PARAMETER_PATH: fleetParameterPath,
        BUCKET: bucket.bucketName,
        TIME_ZONE: config.schedule.timeZone,
        CLAIM_TTL_SECONDS: String(this.hostTimeout().toSeconds()),
      },
      'await-command': {},
      'prepare-upload': {
        BUCKET: bucket.bucketName,
        PART_SIZE_BYTES: String(partSizeBytes(config)),
        URL_EXPIRY_SECONDS: String(config.transfer.urlExpirySeconds),
      },
      'complete-upload': { BUCKET: bucket.bucketName },
      'inspect-image': { BUCKET: bucket.bucketName },
      verify: { BUCKET: bucket.bucketName, VERIFICATION_POLICY: JSON.stringify(config.verification) },
      'record-failure': { BUCKET: bucket.bucketName },
      notify: {
        TOPIC_ARN: topic.topicArn,
        MIN_SEVERITY: config.alerts.minSeverity,
        BUCKET: bucket.bucketName,
      },
      retention: {
        BUCKET: bucket.bucketName,
        KEEP_WEEKLY: String(config.retention.weekly),
        KEEP_MONTHLY: String(config.retention.monthly),
        FAILED_KEEP_DAYS: String(config.retention.failedKeepDays),
        STRAY_GRACE_DAYS: String(config.retention.strayGraceDays),
        OBJECT_LOCK: String(config.storage.objectLock.mode !== 'off'),
        // The mode a kept image's lock is extended in when the object has none of its own yet.
        OBJECT_LOCK_MODE: config.storage.objectLock.mode === 'GOVERNANCE' ? 'GOVERNANCE' : 'COMPLIANCE',
      },
      'run-report': { BUCKET: bucket.bucketName, TOPIC_ARN: topic.topicArn },
      freshness: { BUCKET: bucket.bucketName, MAX_AGE_DAYS: String(config.schedule.maxImageAgeDays) },
    };
    const timeouts: Partial<Record<HandlerName, Duration>> = {
      retention: Duration.minutes(15),
      freshness: Duration.minutes(5),
      'run-report': Duration.minutes(5),
      'prepare-upload': Duration.minutes(2),
      'complete-upload': Duration.minutes(15),
      'inspect-image': INSPECT_TIMEOUT,
      verify: VERIFY_TIMEOUT,
    };
    const memory: Partial<Record<HandlerName, number>> = {
      'inspect-image': INSPECT_MEMORY_MB,
      verify: VERIFY_MEMORY_MB,
    };
    const made = {} as Record<HandlerName, HandlerFunction>;
    for (const name of Object.keys(FUNCTIONS) as HandlerName[]) {
      const f = new HandlerFunction(this, `${pascal(name)}Function`, {
        name,
        description: `mksysb-vault ${name}: ${FUNCTIONS[name]}`,
        environment: environment[name],
        timeout: timeouts[name],
        memorySize: memory[name],
        logRetention: this.props.logRetention,
      });
      (f.function.node.defaultChild as CfnResource).addMetadata(HANDLER_METADATA, name);
      made[name] = f;
    }
    return made;
  }

  /** Each function gets the S3 actions it uses on the keys it uses them on (store-access.ts), and its other services. */
  private grantFunctions(): void {
    const { bucket, topic, config } = this.props;
    const f = this.fn;
    const stack = Stack.of(this);
    f['load-fleet'].role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParametersByPath'],
        resources: [
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: this.props.fleetParameterPath.replace(/^\/|\/$/g, ''),
          }),
        ],
      }),
    );
    f['await-command'].role.addToPrincipalPolicy(
      // GetCommandInvocation has no resource-level permissions.
      new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation'], resources: ['*'] }),
    );
    const access = storeAccess({ objectLock: config.storage.objectLock.mode !== 'off' });
    for (const name of Object.keys(access) as HandlerName[]) grantStoreAccess(f[name], bucket, access[name]);
    topic.grantPublish(f.notify);
    topic.grantPublish(f['run-report']);
  }

  /** SendCommand only with the three documents, only on the fleet's managed nodes. */
  private grantSendCommand(): void {
    const stack = Stack.of(this);
    const ids = new Set(this.props.config.fleet.map((h) => h.managedNodeId));
    const extra = this.props.extraManagedNodeIds ?? [];
    const nodes =
      extra === '*'
        ? [
            stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: 'mi-*' }),
            stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: 'i-*' }),
          ]
        : [...new Set([...ids, ...extra])]
            .sort()
            .map((id) =>
              id.startsWith('mi-')
                ? stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: id })
                : stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: id }),
            );
    this.hostStateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [...HOST_STEPS.map((s) => this.props.documentArns[s]), ...nodes],
      }),
    );
  }

  private stateMachine(
    id: string,
    kind: WorkflowKind,
    definition: sfn.IChainable,
    options: { timeout: Duration; comment: string },
  ): sfn.StateMachine {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: this.props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const machine = new sfn.StateMachine(this, id, {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      comment: options.comment,
      timeout: options.timeout,
      tracingEnabled: true,
      // ALL events for the audit trail, without execution data: payloads stay out of the logs.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    (machine.node.defaultChild as CfnResource).addMetadata(WORKFLOW_METADATA, kind);
    return machine;
  }

  private invoke(
    id: string,
    name: HandlerName,
    payload: Record<string, unknown>,
    options: Partial<
      Pick<tasks.LambdaInvokeProps, 'resultPath' | 'resultSelector' | 'outputPath' | 'comment'>
    > = {},
  ): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this, id, {
      lambdaFunction: this.fn[name].function,
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

  /** SSM SendCommand of a host step: only the command id comes back into the state. */
  private sendCommand(step: HostStep, parameters: Record<string, string>, executionTimeout: number) {
    const p = (path: string) => sfn.JsonPath.array(sfn.JsonPath.stringAt(path));
    const fixed = (value: string) => [value];
    const common: Record<string, unknown> = {
      mode: p('$.plan.mode'),
      host: p('$.host'),
      address: p('$.plan.address'),
      sshUser: p('$.plan.sshUser'),
      sshKeyPath: p('$.plan.sshKeyPath'),
      knownHostsPath: p('$.plan.knownHostsPath'),
      timeoutSeconds: fixed(String(executionTimeout)),
    };
    for (const [name, value] of Object.entries(parameters))
      common[name] = value.startsWith('$') ? p(value) : fixed(value);
    return new tasks.CallAwsService(this, pascal(step), {
      comment: `SSM Run Command: the ${step} document on the host's managed node`,
      service: 'ssm',
      action: 'sendCommand',
      iamAction: 'ssm:SendCommand',
      // The policy is added once for all steps (grantSendCommand).
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

  /**
   * Send, then Wait (SecondsPath from the last poll) → await-command → Choice until done. The poll
   * result replaces `$.poll`; when done its nextWaitSeconds is the next step's first wait.
   */
  private commandLoop(
    step: HostStep,
    send: tasks.CallAwsService,
    pollPayload: Record<string, unknown>,
    onFailure: sfn.IChainable,
    next: sfn.IChainable,
  ): sfn.Chain {
    const name = pascal(step);
    const wait = new sfn.Wait(this, `${name}Wait`, {
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
    const done = new sfn.Choice(this, `${name}Done`)
      .when(sfn.Condition.booleanEquals('$.poll.done', true), next)
      .otherwise(wait);
    send.addCatch(onFailure, { resultPath: '$.error' });
    poll.addCatch(onFailure, { resultPath: '$.error' });
    return send.next(wait).next(poll).next(done) as unknown as sfn.Chain;
  }

  private hostDefinition(): sfn.IChainable {
    const { config } = this.props;
    const str = sfn.JsonPath.stringAt;
    const num = sfn.JsonPath.numberAt;
    const id = { host: str('$.host'), runId: str('$.runId'), date: str('$.date') };

    const hostDone = new sfn.Succeed(this, 'HostDone', { comment: 'The host result line is the output' });
    const notifyFailed = new sfn.Pass(this, 'NotifyFailed', {
      comment: 'Even the alert failed: the result line still says FAIL',
      parameters: {
        line: sfn.JsonPath.format(WORKFLOW_ERROR_LINE, str('$.host')),
        verdict: 'FAIL',
      },
    }).next(hostDone);
    const notifyFailure = this.invoke(
      'NotifyFailure',
      'notify',
      { ...id, failure: sfn.JsonPath.objectAt('$.failure') },
      { resultSelector: { line: str('$.line'), verdict: str('$.verdict') } },
    );
    notifyFailure.addCatch(notifyFailed, { resultPath: '$.notifyError' }).next(hostDone);
    const failureUnrecorded = new sfn.Pass(this, 'FailureUnrecorded', {
      comment: 'record-failure itself failed: alert with what is known',
      result: sfn.Result.fromObject({ outcome: 'error', anomalies: [] }),
      resultPath: '$.failure',
    }).next(notifyFailure);
    const recordFailure = this.invoke(
      'RecordFailure',
      'record-failure',
      { ...id, error: sfn.JsonPath.objectAt('$.error') },
      {
        resultSelector: { outcome: str('$.outcome'), anomalies: sfn.JsonPath.objectAt('$.anomalies') },
        resultPath: '$.failure',
        comment: 'Maps the caught error to the host outcome and anomaly; writes the failure record',
      },
    );
    recordFailure.addCatch(failureUnrecorded, { resultPath: '$.recordError' }).next(notifyFailure);

    // One image: prepare-upload → transfer → complete-upload → inspect-image → verify; failures end in
    // record-failure.
    const imageId = {
      ...id,
      kind: str('$.image.kind'),
      volumeGroup: str('$.image.volumeGroup'),
    };
    const imageFailedUnrecorded = new sfn.Pass(this, 'ImageFailureUnrecorded', {
      result: sfn.Result.fromObject({ verdict: 'FAIL', outcome: 'error', anomalies: [] }),
    });
    const failureSelector = {
      verdict: str('$.verdict'),
      outcome: str('$.outcome'),
      anomalies: sfn.JsonPath.objectAt('$.anomalies'),
      recordKey: str('$.recordKey'),
    };
    const recordImageFailure = this.invoke(
      'RecordImageFailure',
      'record-failure',
      {
        ...id,
        error: sfn.JsonPath.objectAt('$.error'),
        image: { kind: str('$.image.kind'), volumeGroup: str('$.image.volumeGroup') },
      },
      { resultSelector: failureSelector },
    );
    recordImageFailure.addCatch(imageFailedUnrecorded, { resultPath: '$.recordError' });
    const recordUploadFailure = this.invoke(
      'RecordUploadFailure',
      'record-failure',
      {
        ...id,
        error: sfn.JsonPath.objectAt('$.error'),
        image: { kind: str('$.image.kind'), volumeGroup: str('$.image.volumeGroup') },
        upload: { key: str('$.upload.key'), uploadId: str('$.upload.uploadId') },
      },
      { resultSelector: failureSelector, comment: 'Also aborts the open multipart upload' },
    );
    recordUploadFailure.addCatch(imageFailedUnrecorded, { resultPath: '$.recordError' });

    const prepare = this.invoke(
      'PrepareUpload',
      'prepare-upload',
      {
        ...imageId,
        sizeBytes: num('$.image.sizeBytes'),
        sha256: str('$.image.sha256'),
        osLevel: str('$.image.osLevel'),
      },
      {
        resultSelector: {
          key: str('$.key'),
          uploadId: str('$.uploadId'),
          manifestKey: str('$.manifestKey'),
          manifestUrl: str('$.manifestUrl'),
        },
        resultPath: '$.upload',
      },
    );
    prepare.addCatch(recordImageFailure, { resultPath: '$.error' });
    const complete = this.invoke(
      'CompleteUpload',
      'complete-upload',
      {
        runId: str('$.runId'),
        host: str('$.host'),
        key: str('$.upload.key'),
        uploadId: str('$.upload.uploadId'),
        manifestKey: str('$.upload.manifestKey'),
        sizeBytes: num('$.image.sizeBytes'),
        sha256: str('$.image.sha256'),
      },
      { resultPath: sfn.JsonPath.DISCARD },
    );
    complete.addCatch(recordUploadFailure, { resultPath: '$.error' });
    // What the host said is a claim; what S3 holds is the evidence: the stored bytes, read once.
    const inspect = this.invoke(
      'InspectImage',
      'inspect-image',
      {
        ...imageId,
        key: str('$.upload.key'),
        sizeBytes: num('$.image.sizeBytes'),
      },
      {
        resultPath: '$.content',
        comment: 'Streams the stored object: its SHA-256, its archive walked to the end, its content index',
      },
    );
    inspect.addCatch(recordUploadFailure, { resultPath: '$.error' });
    const verify = this.invoke(
      'Verify',
      'verify',
      {
        ...imageId,
        key: str('$.upload.key'),
        sizeBytes: num('$.image.sizeBytes'),
        sha256: str('$.image.sha256'),
        osLevel: str('$.image.osLevel'),
        tocFileCount: num('$.image.tocFileCount'),
        content: sfn.JsonPath.objectAt('$.content'),
        timings: {
          backup: num('$.image.backupSeconds'),
          transfer: num('$.poll.seconds'),
          inspect: num('$.content.seconds'),
        },
      },
      {
        resultSelector: {
          verdict: str('$.verdict'),
          anomalies: sfn.JsonPath.objectAt('$.anomalies'),
          recordKey: str('$.recordKey'),
          outcome: 'verified',
        },
      },
    );
    verify.addCatch(recordUploadFailure, { resultPath: '$.error' });
    const transfer = this.sendCommand(
      'transfer',
      {
        imagePath: '$.image.imagePath',
        manifestUrl: '$.upload.manifestUrl',
        parallelParts: String(config.transfer.parallelParts),
        partRetries: String(config.transfer.partRetries),
        retryDelaySeconds: String(config.transfer.retryDelaySeconds),
      },
      config.workflow.transferTimeoutSeconds,
    );
    // A failed transfer goes back to prepare-upload, which resumes the same multipart upload (the
    // parts S3 holds go on the new manifest): the next attempt sends only the parts S3 lacks, from
    // the staged image, without a new mksysb. After TRANSFER_ATTEMPTS the failure is recorded.
    const transferFailed = new sfn.Pass(this, 'TransferFailed', {
      comment: 'Counts the attempt; the error stays in $.error for the record',
      parameters: { 'n.$': 'States.MathAdd($.transferAttempt.n, 1)' },
      resultPath: '$.transferAttempt',
    });
    transferFailed.next(
      new sfn.Choice(this, 'ResumeTransfer')
        .when(sfn.Condition.numberLessThanEquals('$.transferAttempt.n', TRANSFER_ATTEMPTS), prepare)
        .otherwise(recordUploadFailure),
    );
    const transferLoop = this.commandLoop(
      'transfer',
      transfer,
      { expectedSeconds: num('$.image.transferExpectedSeconds') },
      transferFailed,
      complete.next(inspect).next(verify),
    );
    const images = new sfn.Map(this, 'UploadImages', {
      comment: 'Each image the backup made (mksysb first, then savevg): upload and verify',
      itemsPath: '$.poll.images',
      maxConcurrency: IMAGE_CONCURRENCY,
      itemSelector: {
        ...id,
        plan: sfn.JsonPath.objectAt('$.plan'),
        image: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
        poll: { nextWaitSeconds: num('$$.Map.Item.Value.transferWaitSeconds') },
        transferAttempt: { n: 1 },
      },
      resultPath: '$.results',
    });
    images.itemProcessor(prepare.next(transferLoop));

    const notify = this.invoke(
      'NotifyHost',
      'notify',
      {
        ...id,
        sizeBytes: num('$.poll.images[0].sizeBytes'),
        results: sfn.JsonPath.objectAt('$.results'),
        anomalies: sfn.JsonPath.objectAt('$.poll.anomalies'),
      },
      { resultSelector: { line: str('$.line'), verdict: str('$.verdict') } },
    );
    notify.addCatch(notifyFailed, { resultPath: '$.notifyError' });
    images.addCatch(recordFailure, { resultPath: '$.error' });

    const backup = this.sendCommand(
      'backup',
      {
        staging: '$.plan.staging',
        date: '$.plan.day',
        volumeGroups: '$.plan.volumeGroups',
        mksysbFlags: '$.plan.mksysbFlags',
        keepLocal: '$.plan.keepLocal',
        // The part size prepare-upload plans with: backup writes each part's MD5 beside the image,
        // so the transfer streams parts without hashing them (a different plan falls back to hashing).
        partSizeBytes: String(partSizeBytes(config)),
      },
      config.workflow.backupTimeoutSeconds,
    );
    // The backup runs detached on the LPAR (backup.sh run=start): when the relay lost it (the LPAR
    // silent past the relay's patience, or the relay's command killed, e.g. by a restart), the
    // backup command is sent once more, and the relay attaches to the running backup or collects
    // the finished one instead of starting another mksysb.
    const backupAgain = new sfn.Pass(this, 'BackupAttachAgain', {
      comment: 'Sends the backup command once more: the relay attaches to the detached backup',
      result: sfn.Result.fromObject({ again: true }),
      resultPath: '$.backupAttached',
    });
    backupAgain.next(backup);
    const backupLost = new sfn.Choice(this, 'BackupLost')
      .when(
        sfn.Condition.and(
          sfn.Condition.isNotPresent('$.backupAttached'),
          sfn.Condition.or(...BACKUP_LOST_ERRORS.map((e) => sfn.Condition.stringEquals('$.error.Error', e))),
        ),
        backupAgain,
      )
      .otherwise(recordFailure);
    const backupLoop = this.commandLoop(
      'backup',
      backup,
      {
        expectedSeconds: num('$.plan.backupExpectedSeconds'),
        transferBytesPerSecond: num('$.plan.transferBytesPerSecond'),
        // Only these volume groups' savevg images are accepted, whatever the host prints.
        volumeGroups: str('$.plan.volumeGroups'),
      },
      backupLost,
      images.next(notify).next(hostDone),
    );
    const preflight = this.sendCommand(
      'preflight',
      {
        staging: '$.plan.staging',
        expectedSizeBytes: '$.plan.expectedSizeBytes',
        sizeFactor: String(config.workflow.stagingSizeFactor),
        mksysbFlags: '$.plan.mksysbFlags',
        volumeGroups: '$.plan.volumeGroups',
      },
      EXECUTION_TIMEOUT_SECONDS.preflight,
    );
    const preflightLoop = this.commandLoop(
      'preflight',
      preflight,
      {
        expectedSeconds: PREFLIGHT_EXPECTED_SECONDS,
        nextStepWaitSeconds: num('$.plan.backupWaitSeconds'),
      },
      recordFailure,
      backupLoop,
    );
    const loadHost = this.invoke(
      'LoadHost',
      'load-fleet',
      { action: 'host', ...id },
      { comment: "This host's SSM parameters and the waits its history suggests" },
    );
    loadHost.addCatch(recordFailure, { resultPath: '$.error' });
    return loadHost.next(preflightLoop);
  }

  private weeklyDefinition(): sfn.IChainable {
    const { config } = this.props;
    const str = sfn.JsonPath.stringAt;
    const loadFleet = this.invoke(
      'LoadFleet',
      'load-fleet',
      {
        action: 'fleet',
        executionName: str('$$.Execution.Name'),
        startTime: str('$$.Execution.StartTime'),
        request: sfn.JsonPath.objectAt('$'),
      },
      { comment: 'Enabled host names, the run id and the week' },
    );
    const startHost = new tasks.StepFunctionsStartExecution(this, 'StartHost', {
      comment: 'One child execution per host-week: its name makes a re-run of the week a no-op',
      stateMachine: this.hostStateMachine,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      associateWithParent: true,
      name: sfn.JsonPath.format('{}-{}', str('$.host'), str('$.nameSuffix')),
      input: sfn.TaskInput.fromObject({ host: str('$.host'), runId: str('$.runId'), date: str('$.date') }),
      resultSelector: { line: str('$.Output.line') },
      outputPath: '$.line',
      taskTimeout: sfn.Timeout.duration(this.hostTimeout().plus(Duration.hours(1))),
    });
    const alreadyRan = new sfn.Pass(this, 'AlreadyRan', {
      comment: 'An execution of this host-week exists: the week is not run twice',
      parameters: { line: sfn.JsonPath.format(ALREADY_RAN_LINE, str('$.host')) },
      outputPath: '$.line',
    });
    const hostWorkflowFailed = new sfn.Pass(this, 'HostWorkflowFailed', {
      comment: 'The child execution failed or timed out (it catches everything else itself)',
      parameters: { line: sfn.JsonPath.format(WORKFLOW_ERROR_LINE, str('$.host')) },
      outputPath: '$.line',
    });
    startHost.addCatch(alreadyRan, {
      errors: ['StepFunctions.ExecutionAlreadyExistsException'],
      resultPath: '$.error',
    });
    startHost.addCatch(hostWorkflowFailed, { resultPath: '$.error' });
    const hosts = new sfn.Map(this, 'Hosts', {
      comment: 'Each enabled host: a child execution, so each history stays small at 1,000 hosts',
      itemsPath: '$.hosts',
      maxConcurrency: config.workflow.maxConcurrency,
      itemSelector: {
        host: str('$$.Map.Item.Value'),
        runId: str('$.runId'),
        date: str('$.date'),
        nameSuffix: str('$.nameSuffix'),
      },
      // The result lines replace the host names (each line starts with its host): at 1,000 hosts
      // keeping both would make the state a third larger.
      resultPath: '$.hosts',
    });
    hosts.itemProcessor(startHost);
    const collected = new sfn.Pass(this, 'RunResults', {
      comment: 'The run, one result line per host started, the hosts not started',
      parameters: {
        runId: str('$.runId'),
        date: str('$.date'),
        week: str('$.week'),
        results: sfn.JsonPath.listAt('$.hosts'),
        notStarted: sfn.JsonPath.listAt('$.notStarted'),
      },
    });
    const retention = this.invoke(
      'Retention',
      'retention',
      { dryRun: false },
      {
        resultSelector: {
          deletedObjects: sfn.JsonPath.numberAt('$.deletedObjects'),
          keep: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.keep')),
          delete: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.delete')),
          problems: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.problems')),
        },
        resultPath: '$.retention',
      },
    );
    const runReport = this.invoke(
      'RunReport',
      'run-report',
      {
        runId: str('$.runId'),
        date: str('$.date'),
        week: str('$.week'),
        results: sfn.JsonPath.listAt('$.results'),
        notStarted: sfn.JsonPath.listAt('$.notStarted'),
        retention: sfn.JsonPath.objectAt('$.retention'),
      },
      { resultPath: '$.report' },
    );
    retention.addCatch(runReport, { resultPath: '$.retention' });
    return loadFleet.next(hosts).next(collected).next(retention).next(runReport);
  }

  private freshnessDefinition(): sfn.IChainable {
    const str = sfn.JsonPath.stringAt;
    const loadFleet = this.invoke(
      'LoadInventory',
      'load-fleet',
      {
        action: 'fleet',
        executionName: str('$$.Execution.Name'),
        startTime: str('$$.Execution.StartTime'),
      },
      {
        resultSelector: {
          hosts: sfn.JsonPath.listAt('$.hosts'),
          fleetProblems: sfn.JsonPath.listAt('$.fleetProblems'),
        },
        resultPath: '$.fleet',
      },
    );
    const freshness = this.invoke(
      'CheckFreshness',
      'freshness',
      {
        hosts: sfn.JsonPath.listAt('$.fleet.hosts'),
        fleetProblems: sfn.JsonPath.listAt('$.fleet.fleetProblems'),
      },
      { resultPath: '$.freshness' },
    );
    const notify = this.invoke(
      'NotifyFindings',
      'notify',
      {
        kind: 'freshness',
        checkedAt: str('$.freshness.checkedAt'),
        maxAgeDays: sfn.JsonPath.numberAt('$.freshness.maxAgeDays'),
        findings: sfn.JsonPath.listAt('$.freshness.findings'),
      },
      { resultPath: '$.notified' },
    );
    return loadFleet.next(freshness).next(notify);
  }

  /** A host-week's longest honest run: preflight, backup and three transfers at their SSM timeouts, plus slack. */
  private hostTimeout(): Duration {
    const w = this.props.config.workflow;
    return Duration.seconds(
      EXECUTION_TIMEOUT_SECONDS.preflight + w.backupTimeoutSeconds + 3 * w.transferTimeoutSeconds + 3600,
    );
  }
}

function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
