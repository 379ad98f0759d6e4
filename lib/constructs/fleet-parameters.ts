// The fleet of the deploy config, deployed as one S3 object (a CDK file asset: `cdk deploy` uploads it to
// the bootstrap bucket, the template holds only its key), and the SSM Parameter Store path that
// operators add hosts under. The workflow's load-fleet step reads the object and every parameter under
// the path at each run, so an operator adds a host with one `aws ssm put-parameter --name <path><host>`
// and no redeploy. The template stays the same size whatever the fleet's (at 10,000 hosts the fleet as
// parameters was 745 KB of it, over CloudFormation's 1 MB with the rest of the stack).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { type FleetHostInput, fleetParameterValues } from '../../lambdas/core/fleet.js';

export interface FleetParametersProps {
  /** The hosts, as written in the deploy config (defaults are left out of the stored JSON). */
  readonly fleet: readonly FleetHostInput[];
  /** Parameter path, with leading and trailing slash. @default '/mksysb-vault/fleet/' */
  readonly path?: string;
}

/** The name of the `index`th (0-based) fleet parameter under `path` (`part-0001`, as deploys before the fleet object wrote them). */
export function fleetPartName(path: string, index: number): string {
  return `${path}part-${String(index + 1).padStart(4, '0')}`;
}

/** The deploy config's fleet as the fleet object holds it: one compact JSON array, defaults left out. */
export function fleetObjectBody(fleet: readonly FleetHostInput[]): string {
  // Host by host: one chunk of every host would re-join the growing chunk for each host added.
  const compact = fleet.map((host) => fleetParameterValues([host], Number.MAX_SAFE_INTEGER)[0]?.slice(1, -1));
  return `[${compact.join(',')}]`;
}

export class FleetParameters extends Construct {
  /** The path operators' fleet parameters live under (trailing slash). */
  public readonly path: string;
  /** The ARN of the path itself, which ssm:GetParametersByPath is authorised on. */
  public readonly pathArn: string;
  /** The deploy config's fleet, one JSON array, in the CDK's file asset bucket. */
  public readonly fleetObject: { readonly bucketName: string; readonly objectKey: string };

  private readonly asset: s3assets.Asset;

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
    // The asset is staged (copied, hashed by content) at synthesis: a directory of its own per
    // construct, so two stacks in one app never share a file.
    const file = join(mkdtempSync(join(tmpdir(), 'mksysb-vault-fleet-')), 'fleet.json');
    writeFileSync(file, fleetObjectBody(props.fleet));
    this.asset = new s3assets.Asset(this, 'Fleet', { path: file });
    this.fleetObject = { bucketName: this.asset.s3BucketName, objectKey: this.asset.s3ObjectKey };
  }

  /**
   * Let `grantee` read the whole fleet: the fleet object (s3:GetObject on that one key) and, with
   * ssm:GetParametersByPath (non-recursive) on the path, the hosts an operator adds later.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 's3',
          region: '',
          account: '',
          resource: this.asset.s3BucketName,
          resourceName: this.asset.s3ObjectKey,
        }),
      ],
    });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParametersByPath'],
      resourceArns: [this.pathArn],
    });
  }
}
