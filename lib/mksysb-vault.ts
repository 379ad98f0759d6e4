// MksysbVault: the whole pipeline as one construct, for this repository's stack and for any other CDK
// app (`new MksysbVault(this, 'Vault', { config })`). It assembles the concerns of lib/constructs/ —
// image store, host documents, fleet parameters, alerts, the backup workflow, schedules, dashboard and
// alarms — and holds the cdk-nag acknowledgements that need a view of the whole (each with its reason).
import { type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { DeployConfig } from './config.js';
import { Alerts } from './constructs/alerts.js';
import { BackupWorkflow } from './constructs/backup-workflow.js';
import { Dashboard } from './constructs/dashboard.js';
import { FleetParameters } from './constructs/fleet-parameters.js';
import { HostDocuments } from './constructs/host-documents.js';
import { ImageStore } from './constructs/image-store.js';
import { Schedules } from './constructs/schedules.js';
import { STORE_KEYS } from './constructs/store-access.js';

export interface MksysbVaultProps {
  /** The validated deploy config (lib/config.ts `loadDeployConfig` or `parseDeployConfig`). */
  readonly config: DeployConfig;
  /**
   * A bucket of your own for the images: no bucket, KMS key or access-log bucket is created. It must be
   * imported with its `encryptionKey` and be versioned (not checkable at synth time for an imported
   * bucket); what else the pipeline needs of it is on `ImageStoreProps.existingBucket`. Not with
   * `bucketProps`.
   * @default - the vault creates its image bucket (SSE-KMS, versioned, TLS-only, private, access-logged,
   * retained)
   */
  readonly existingBucket?: s3.IBucket;
  /**
   * Properties merged over the image bucket's defaults (e.g. `intelligentTieringConfigurations`,
   * extra `lifecycleRules`, `bucketName`, `encryptionKey`). Any that would weaken the store (public
   * access, no KMS encryption, no TLS enforcement, versioning off, DESTROY or auto-delete of images) is
   * refused with an error naming it; see `ImageStoreProps.bucketProps`. Not with `existingBucket`.
   * @default - the defaults alone
   */
  readonly bucketProps?: Partial<s3.BucketProps>;
}

export class MksysbVault extends Construct {
  public readonly store: ImageStore;
  public readonly hostDocuments: HostDocuments;
  public readonly fleetParameters: FleetParameters;
  public readonly alerts: Alerts;
  public readonly workflow: BackupWorkflow;
  public readonly schedules: Schedules;
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MksysbVaultProps) {
    super(scope, id);
    const { config } = props;

    this.store = new ImageStore(this, 'ImageStore', {
      storage: config.storage,
      ...(props.existingBucket ? { existingBucket: props.existingBucket } : {}),
      ...(props.bucketProps ? { bucketProps: props.bucketProps } : {}),
    });
    this.hostDocuments = new HostDocuments(this, 'HostDocuments', config);
    this.fleetParameters = new FleetParameters(this, 'FleetParameters', {
      fleet: config.fleet,
      path: config.fleetParameterPath,
    });
    this.alerts = new Alerts(this, 'Alerts', { emails: config.alerts.emails });

    this.workflow = new BackupWorkflow(this, 'Workflow', {
      config,
      bucket: this.store.bucket,
      fleetParameterPath: this.fleetParameters.path,
      fleetObject: this.fleetParameters.fleetObject,
      documentNames: this.hostDocuments.documentNames,
      documentArns: this.hostDocuments.documentArns,
      topic: this.alerts.topic,
    });

    this.schedules = new Schedules(this, 'Schedules', {
      schedule: config.schedule,
      weeklyStateMachine: this.workflow.weeklyStateMachine,
      freshnessStateMachine: this.workflow.freshnessStateMachine,
      restoreTests: config.restoreTests,
      restoreTestStateMachine: this.workflow.restoreTestStateMachine,
    });

    this.dashboard = new Dashboard(this, 'Monitoring', {
      stateMachines: [
        { name: 'weekly', stateMachine: this.workflow.weeklyStateMachine },
        { name: 'host', stateMachine: this.workflow.hostStateMachine },
        { name: 'freshness', stateMachine: this.workflow.freshnessStateMachine },
      ],
      functions: this.workflow.functions.map((f) => ({ name: f.handlerName, function: f.function })),
      topic: this.alerts.topic,
    });

    this.acknowledgeFindings();
  }

  /** cdk-nag findings that are the design, not an oversight; each says why. */
  private acknowledgeFindings(): void {
    const stack = Stack.of(this);
    if (this.store.accessLogBucket)
      Validations.of(this.store.accessLogBucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'This is the server access log bucket of the image store; logging its own access would recurse. It is TLS-only, private, versioned and expires its logs.',
      });
    const hostMachine = stack.getLogicalId(this.workflow.hostStateMachine.node.defaultChild as CfnElement);
    for (const machine of [
      this.workflow.weeklyStateMachine,
      this.workflow.hostStateMachine,
      this.workflow.freshnessStateMachine,
      this.workflow.restoreTestStateMachine,
    ])
      Validations.of(machine).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'Only for actions that have no resource-level permissions: X-Ray tracing and CloudWatch Logs log delivery of the state machine, and SSM command status reads. test/lib/mksysb-vault-stack.test.ts checks that every Resource "*" statement holds only such actions.',
        },
        // LambdaInvoke grants the function and its versions/aliases (`<arn>:*`): the one function only.
        ...this.workflow.functions.map((f) => ({
          id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(f.function.node.defaultChild as CfnElement)}.Arn>:*]`,
          reason:
            "lambda:InvokeFunction on this pipeline function's versions and aliases (`<arn>:*`), as the CDK LambdaInvoke task grants it; no other function.",
        })),
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region}:${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${hostMachine}"}]}]}*]`,
          reason:
            'startExecution.sync:2 must describe and stop the per-host child executions, whose names (<host>-<week>) are only known at run time; the wildcard is limited to executions of the per-host state machine.',
        },
      );
    // The weekly Distributed Map (lib/constructs/workflow/weekly-definition.ts): its own map-run
    // children, and the run's objects in the store, whose keys are per run.
    const weeklyMachine = stack.getLogicalId(
      this.workflow.weeklyStateMachine.node.defaultChild as CfnElement,
    );
    const executions = `arn:<AWS::Partition>:states:${Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region}:${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${weeklyMachine}"}]}]}`;
    Validations.of(this.workflow.weeklyStateMachine).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${executions}:*]`,
        reason:
          'The Distributed Map describes and stops the child executions of its map run, named by Step Functions at run time; the CDK grants it on executions of the weekly state machine only.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${executions}/Hosts:*]`,
        reason:
          'Redriving the map run of the Distributed Map labelled Hosts: its child executions only, named by Step Functions at run time.',
      },
      ...[STORE_KEYS.runFleet, STORE_KEYS.mapResults].map((pattern) => ({
        id: `AwsSolutions-IAM5[Resource::${nagResource(stack, this.store.bucket.arnForObjects(pattern))}]`,
        reason: `The Distributed Map's ${pattern === STORE_KEYS.runFleet ? 'ItemReader reads the fleet snapshot of each run' : 'ResultWriter writes the results of each run'} (${pattern}, one per run id, lambdas/core/map-run.ts); no other object of the store.`,
      })),
    );
    // Object keys are per host and date: each function's S3 access is a set of key patterns
    // (lib/constructs/store-access.ts), so IAM5 sees a wildcard in each resource.
    const patterns = Object.values(STORE_KEYS).flat();
    for (const f of this.workflow.functions)
      Validations.of(f).acknowledge(
        ...patterns.map((pattern) => ({
          id: `AwsSolutions-IAM5[Resource::${nagResource(stack, this.store.bucket.arnForObjects(pattern))}]`,
          reason: `Object keys are per host and date (lambdas/core/catalog-keys.ts): ${pattern} is one kind of object (lib/constructs/store-access.ts), granted with the actions this function uses on it only.`,
        })),
        {
          id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          reason:
            "kms:GenerateDataKey* is how the CDK's topic.grantPublish names the alert topic key's use (notify and run-report publish); on that key only.",
        },
      );
  }
}

/**
 * A resource as cdk-nag's IAM5 finding spells it (its flattenCfnReference): `<Id.Arn>/images/*` for the
 * vault's own bucket, `arn:<AWS::Partition>:s3:::name/images/*` for one imported by name.
 */
function nagResource(stack: Stack, value: string): string {
  const visit = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
    const fn = node as Record<string, unknown>;
    if (Array.isArray(fn['Fn::Join'])) {
      const [delimiter, items] = fn['Fn::Join'] as [string, unknown[]];
      return items.map(visit).join(delimiter);
    }
    if (Array.isArray(fn['Fn::GetAtt'])) {
      const [resource, attribute] = fn['Fn::GetAtt'] as [unknown, unknown];
      return `<${visit(resource)}.${visit(attribute)}>`;
    }
    if (fn.Ref !== undefined) return `<${visit(fn.Ref)}>`;
    if (fn['Fn::Sub'] !== undefined) return visit(fn['Fn::Sub']);
    if (fn['Fn::ImportValue'] !== undefined) return visit(fn['Fn::ImportValue']);
    return JSON.stringify(node);
  };
  return visit(stack.resolve(value));
}
