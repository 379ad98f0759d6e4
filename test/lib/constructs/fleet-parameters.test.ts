import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FleetHostInput, parseFleetParameters } from '../../../lambdas/core/fleet.js';
import { FleetParameters, fleetObjectBody } from '../../../lib/constructs/fleet-parameters.js';
import { testStack } from '../harness.js';

const FLEET: FleetHostInput[] = Array.from({ length: 1000 }, (_, i) => ({
  host: `aixlpar${String(i).padStart(4, '0')}`,
  address: `10.1.${Math.floor(i / 250)}.${i % 250}`,
  managedNodeId: `mi-0123456789abcde${(i % 16).toString(16)}`,
  ...(i % 3 === 0 ? { volumeGroups: ['datavg', 'appvg'] } : {}),
}));

describe('FleetParameters for 1,000 hosts', () => {
  let template: Template;
  let fleet: FleetParameters;
  let stack: ReturnType<typeof testStack>;
  beforeAll(() => {
    stack = testStack();
    fleet = new FleetParameters(stack, 'Fleet', { fleet: FLEET, path: '/acme/mksysb/fleet/' });
    fleet.grantRead(
      new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
    );
    template = Template.fromStack(stack);
  });

  it('puts no host in the template: no parameter, the fleet is one file asset', () => {
    template.resourceCountIs('AWS::SSM::Parameter', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('aixlpar0999');
    expect(stack.resolve(fleet.fleetObject.objectKey)).toMatch(/^[0-9a-f]{64}\.json$/);
  });

  it('holds in the fleet object what load-fleet reads back as the same 1,000 hosts, defaults left out', () => {
    const body = fleetObjectBody(FLEET);
    const hosts = parseFleetParameters([{ name: 's3://assets/fleet.json', value: body }]);
    expect(hosts.map((h) => h.host)).toEqual(FLEET.map((h) => h.host));
    expect(hosts[3]?.volumeGroups).toEqual(['datavg', 'appvg']);
    expect(hosts[1]?.sshUser).toBe('root');
    expect(body).not.toContain('sshUser');
  });

  it('grants s3:GetObject on the fleet object only and ssm:GetParametersByPath on the path only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: {
              'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/[0-9a-f]{64}\\.json$')])],
            },
          }),
          {
            Effect: 'Allow',
            Action: 'ssm:GetParametersByPath',
            Resource: {
              'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':parameter/acme/mksysb/fleet$')])],
            },
          },
        ]),
      },
    });
  });
});

describe('FleetParameters paths', () => {
  it('refuses a path without a trailing slash', () => {
    expect(
      () => new FleetParameters(testStack(), 'Fleet', { fleet: FLEET.slice(0, 1), path: '/acme/fleet' }),
    ).toThrow(/path "\/acme\/fleet" must look like/);
  });
});
