// The backup workflow: three Standard state machines and the Lambdas they run, assembled from
// lib/constructs/workflow/: the functions (functions.ts: one row per handler, its environment, limits
// and grants), the task shapes the definitions are written in (tasks.ts), and one definition per state
// machine, each in the order its states run:
// - weekly (weekly-definition.ts): load-fleet (the fleet snapshot to S3) → a Distributed Map reading it,
//   one child execution per host, `<host>-<week>` so a host-week runs once, results to S3 → retention →
//   run report (reads the results back).
// - per host (host-definition.ts): load-fleet → preflight → backup → for each image: prepare-upload →
//   transfer → complete-upload → inspect-image → verify; then notify. Every failure is caught:
//   record-failure → notify, and the execution still succeeds with the host's FAIL line.
// - freshness (freshness-definition.ts): load-fleet → freshness → notify.
// Every state's payload stays small: the weekly run's hosts and results live in S3 (lambdas/core/map-run.ts),
// a host's line is one result line (lambdas/core/run-summary.ts), SDK results are trimmed
// (ResultSelector), never command output.
import { Arn, ArnFormat, type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DeployConfig } from '../config.js';
import { HOST_STEPS, type HostStep } from '../host-scripts/index.js';
import { HandlerFunction, type HandlerName } from './handler-function.js';
import { STORE_KEYS } from './store-access.js';
import { freshnessDefinition } from './workflow/freshness-definition.js';
import { functionTable, grantFunction } from './workflow/functions.js';
import { hostDefinition, hostTimeout } from './workflow/host-definition.js';
import { restoreTestDefinition } from './workflow/restore-test-definition.js';
import { pascal, WorkflowTasks } from './workflow/tasks.js';
import { HOSTS_MAP, weeklyDefinition } from './workflow/weekly-definition.js';

// The workflow's pieces that tests, the local runner and comments name here.
export {
  INSPECT_MEMORY_MB,
  INSPECT_TIMEOUT,
  REPEATABLE_AFTER_THROTTLING,
  VERIFY_MEMORY_MB,
  VERIFY_TIMEOUT,
} from './workflow/functions.js';
export {
  BACKUP_LOST_ERRORS,
  IMAGE_CONCURRENCY,
  TRANSFER_ATTEMPTS,
} from './workflow/host-definition.js';
export { DELIVERY_TIMEOUT_SECONDS, STORE_THROTTLED_RETRY } from './workflow/tasks.js';

/** CloudFormation metadata keys the local runner (lib/local/workflow-runner.ts) reads. */
export const HANDLER_METADATA = 'mksysb-vault:handler';
export const WORKFLOW_METADATA = 'mksysb-vault:workflow';
export type WorkflowKind = 'weekly' | 'host' | 'freshness' | 'restore-test';

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
  /**
   * The deploy config's fleet as one S3 object (FleetParameters.fleetObject), which load-fleet reads
   * with the parameters under the path. @default none: the parameters under the path are the fleet
   */
  readonly fleetObject?: { readonly bucketName: string; readonly objectKey: string };
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

export class BackupWorkflow extends Construct {
  public readonly weeklyStateMachine: sfn.StateMachine;
  public readonly hostStateMachine: sfn.StateMachine;
  public readonly freshnessStateMachine: sfn.StateMachine;
  /** The scheduled restore tests (restore-test-definition.ts); deployed even while restoreTests is off. */
  public readonly restoreTestStateMachine: sfn.StateMachine;
  public readonly functions: HandlerFunction[];

  private readonly props: BackupWorkflowProps;

  constructor(scope: Construct, id: string, props: BackupWorkflowProps) {
    super(scope, id);
    this.props = props;
    const { config, bucket, topic } = props;
    const timeout = hostTimeout(config.workflow);

    const specs = functionTable({
      config,
      bucket,
      topic,
      fleetParameterPath: props.fleetParameterPath,
      ...(props.fleetObject ? { fleetObject: props.fleetObject } : {}),
      claimTtl: timeout,
      stack: Stack.of(this),
    });
    const fn = {} as Record<HandlerName, HandlerFunction>;
    for (const name of Object.keys(specs) as HandlerName[]) {
      const spec = specs[name];
      fn[name] = new HandlerFunction(this, `${pascal(name)}Function`, {
        name,
        description: `mksysb-vault ${name}: ${spec.description}`,
        environment: spec.environment,
        timeout: spec.timeout,
        memorySize: spec.memorySize,
        logRetention: props.logRetention,
      });
      (fn[name].function.node.defaultChild as CfnResource).addMetadata(HANDLER_METADATA, name);
    }
    this.functions = Object.values(fn);
    for (const name of Object.keys(specs) as HandlerName[])
      grantFunction(fn[name], specs[name], { bucket, topic });

    const t = new WorkflowTasks(this, {
      functions: fn,
      documentNames: props.documentNames,
      documentArns: props.documentArns,
    });
    this.hostStateMachine = this.stateMachine('HostStateMachine', 'host', hostDefinition(t, config), {
      timeout,
      comment: 'mksysb-vault: one host-week (preflight, backup, upload and verify each image, notify)',
    });
    this.weeklyStateMachine = this.stateMachine(
      'WeeklyStateMachine',
      'weekly',
      weeklyDefinition(t, { config, hostStateMachine: this.hostStateMachine, hostTimeout: timeout }),
      {
        timeout: Duration.days(6),
        comment: 'mksysb-vault: the weekly run over the fleet, then retention and the run report',
      },
    );
    this.freshnessStateMachine = this.stateMachine(
      'FreshnessStateMachine',
      'freshness',
      freshnessDefinition(t),
      {
        timeout: Duration.minutes(30),
        comment: 'mksysb-vault: daily check that every host has a fresh image',
      },
    );
    this.restoreTestStateMachine = this.stateMachine(
      'RestoreTestStateMachine',
      'restore-test',
      restoreTestDefinition(t),
      {
        timeout: Duration.days(6),
        comment: 'mksysb-vault: restore tests of the due hosts on the test LPARs, one at a time',
      },
    );
    this.grantSendCommand();
    this.grantRestoreTestCommand();
    this.grantDistributedMap();
  }

  /**
   * What the weekly Distributed Map reads and writes in the store, and nothing else of it: its
   * ItemReader gets the run's fleet snapshot, its ResultWriter puts (multipart for large results) under
   * the run's map/ prefix; with the store key's use for both. Starting, describing and stopping its own
   * map-run children (and redriving them) is granted by the CDK with the DistributedMap (label Hosts).
   */
  private grantDistributedMap(): void {
    const { bucket } = this.props;
    this.weeklyStateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(STORE_KEYS.runFleet)],
      }),
    );
    this.weeklyStateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [bucket.arnForObjects(STORE_KEYS.mapResults)],
      }),
    );
    bucket.encryptionKey?.grant(this.weeklyStateMachine, 'kms:Decrypt', 'kms:GenerateDataKey');
    // The map-run children are `execution:<weekly>/Hosts:<id>` ("IAM policies for using Distributed Map
    // states": DescribeExecution and StopExecution on them); the CDK's own grant names
    // `execution:<weekly>:*`, which they do not match. A policy of its own, as the CDK's
    // DistributedMapPolicy: in the role's default policy, the machine's ARN would make a cycle.
    const weeklyName = Arn.split(
      this.weeklyStateMachine.stateMachineArn,
      ArnFormat.COLON_RESOURCE_NAME,
    ).resourceName;
    this.weeklyStateMachine.role.attachInlinePolicy(
      new iam.Policy(this.weeklyStateMachine, 'MapChildrenPolicy', {
        statements: [
          new iam.PolicyStatement({
            actions: ['states:DescribeExecution', 'states:StopExecution'],
            resources: [
              Stack.of(this).formatArn({
                service: 'states',
                resource: 'execution',
                resourceName: `${weeklyName}/${HOSTS_MAP}:*`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ],
          }),
        ],
      }),
    );
  }

  /** The restore-test document only, only on the managed nodes of the configured test LPARs. */
  private grantRestoreTestCommand(): void {
    const stack = Stack.of(this);
    const nodes = [...new Set(this.props.config.restoreTests.targets.map((t) => t.managedNodeId))]
      .sort()
      .map((id) =>
        id.startsWith('mi-')
          ? stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: id })
          : stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: id }),
      );
    this.restoreTestStateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [this.props.documentArns['restore-test'], ...nodes],
      }),
    );
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
        // The restore-test document is the restore-test machine's alone (grantRestoreTestCommand).
        resources: [
          ...HOST_STEPS.filter((s) => s !== 'restore-test').map((s) => this.props.documentArns[s]),
          ...nodes,
        ],
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
}
