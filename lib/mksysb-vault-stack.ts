// The mksysb-vault stack: one MksysbVault, named and placed by the deploy config, and the outputs the
// operator's CLI needs (`mksysb-vault status --bucket …`, `run-now --state-machine …`). The constructs
// are in lib/constructs/ and their assembly in lib/mksysb-vault.ts.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DeployConfig } from './config.js';
import { MksysbVault } from './mksysb-vault.js';

export interface MksysbVaultStackProps extends StackProps {
  /**
   * The validated deploy config (lib/config.ts `loadDeployConfig`), that the stack's MksysbVault is built
   * from (`MksysbVaultProps.config`). The stack's name and environment are the StackProps given beside it.
   */
  readonly config: DeployConfig;
}

export class MksysbVaultStack extends Stack {
  public readonly vault: MksysbVault;

  constructor(scope: Construct, id: string, props: MksysbVaultStackProps) {
    super(scope, id, {
      description: 'mksysb-vault: weekly, verified, off-site AIX mksysb images',
      ...props,
    });
    this.vault = new MksysbVault(this, 'Vault', { config: props.config });
    new CfnOutput(this, 'BucketName', {
      description: 'The image store: mksysb-vault status|history|report|restore-kit --bucket <this>',
      value: this.vault.store.bucket.bucketName,
    });
    new CfnOutput(this, 'WeeklyStateMachineArn', {
      description: 'The weekly run: mksysb-vault run-now --state-machine <this>',
      value: this.vault.workflow.weeklyStateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'AlertTopicArn', {
      description: 'Alerts: subscribe e-mail, chat or paging endpoints here',
      value: this.vault.alerts.topic.topicArn,
    });
  }
}
