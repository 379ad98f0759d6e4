// The fleet of the deploy config, written to SSM Parameter Store as a few compact JSON parameters
// (`<path>part-0001`, …, each ≤ 4 KB, the Standard tier's limit) under one path. The workflow's
// load-fleet step reads every parameter under the path at each run, so an operator adds a host with
// one `aws ssm put-parameter --name <path><host>` and no redeploy.
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { type FleetHostInput, fleetParameterValues } from '../../lambdas/core/fleet.js';

export interface FleetParametersProps {
  /** The hosts, as written in the deploy config (defaults are left out of the stored JSON). */
  readonly fleet: readonly FleetHostInput[];
  /** Parameter path, with leading and trailing slash. @default '/mksysb-vault/fleet/' */
  readonly path?: string;
}

/** The name of the `index`th (0-based) fleet parameter under `path`. */
export function fleetPartName(path: string, index: number): string {
  return `${path}part-${String(index + 1).padStart(4, '0')}`;
}

export class FleetParameters extends Construct {
  /** The path every fleet parameter lives under (trailing slash). */
  public readonly path: string;
  /** The ARN of the path itself, which ssm:GetParametersByPath is authorised on. */
  public readonly pathArn: string;
  public readonly parameters: readonly ssm.StringParameter[];

  constructor(scope: Construct, id: string, props: FleetParametersProps) {
    super(scope, id);
    this.path = props.path ?? '/mksysb-vault/fleet/';
    if (!/^(\/[A-Za-z0-9_.-]+)+\/$/.test(this.path))
      throw new Error(`FleetParameters: path "${this.path}" must look like /mksysb-vault/fleet/`);
    this.pathArn = Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: this.path.slice(1, -1),
    });
    this.parameters = fleetParameterValues(props.fleet).map(
      (value, index) =>
        new ssm.StringParameter(this, `Part${index + 1}`, {
          parameterName: fleetPartName(this.path, index),
          stringValue: value,
          tier: ssm.ParameterTier.STANDARD,
          description: `mksysb-vault fleet, part ${index + 1} (JSON array of hosts; defaults omitted)`,
        }),
    );
  }

  /**
   * Let `grantee` read the whole fleet with ssm:GetParametersByPath (non-recursive) on the path,
   * including hosts an operator adds later.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParametersByPath'],
      resourceArns: [this.pathArn],
    });
  }
}
