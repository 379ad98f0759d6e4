// The mksysb-vault stack: one MksysbVault, named and placed by the deploy config. Nothing else lives
// here; the constructs are in lib/constructs/ and their assembly in lib/mksysb-vault.ts.
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DeployConfig } from './config.js';
import { MksysbVault } from './mksysb-vault.js';

export interface MksysbVaultStackProps extends StackProps {
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
  }
}
