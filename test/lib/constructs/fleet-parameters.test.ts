import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FleetHostInput, parseFleetParameters } from '../../../lambdas/core/fleet.js';
import { FleetParameters, fleetPartName } from '../../../lib/constructs/fleet-parameters.js';
import { testStack } from '../harness.js';

const FLEET: FleetHostInput[] = Array.from({ length: 1000 }, (_, i) => ({
  host: `aixlpar${String(i).padStart(4, '0')}`,
  address: `10.1.${Math.floor(i / 250)}.${i % 250}`,
  managedNodeId: `mi-0123456789abcde${(i % 16).toString(16)}`,
  ...(i % 3 === 0 ? { volumeGroups: ['datavg', 'appvg'] } : {}),
}));

describe('FleetParameters for 1,000 hosts', () => {
  let template: Template;
  let stored: { name: string; value: string }[];
  beforeAll(() => {
    const stack = testStack();
    const fleet = new FleetParameters(stack, 'Fleet', { fleet: FLEET, path: '/acme/mksysb/fleet/' });
    fleet.grantRead(
      new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
    );
    template = Template.fromStack(stack);
    stored = Object.values(template.findResources('AWS::SSM::Parameter')).map((r) => {
      const p = (r as { Properties: { Name: string; Value: string } }).Properties;
      return { name: p.Name, value: p.Value };
    });
  });

  it('writes the fleet as a few Standard-tier String parameters, not one per host', () => {
    expect(stored.length).toBeGreaterThan(1);
    expect(stored.length).toBeLessThan(100);
    template.allResourcesProperties('AWS::SSM::Parameter', { Type: 'String', Tier: 'Standard' });
  });

  it('names them part-0001, part-0002… under the configured path', () => {
    expect(stored.map((p) => p.name).sort()).toEqual(
      stored.map((_, i) => fleetPartName('/acme/mksysb/fleet/', i)),
    );
    expect(stored[0]?.name).toBe('/acme/mksysb/fleet/part-0001');
  });

  it('keeps every value within the 4 KB Standard-tier limit', () => {
    for (const p of stored) expect(Buffer.byteLength(p.value), p.name).toBeLessThanOrEqual(4096);
  });

  it('stores values that load-fleet reads back as the same 1,000 hosts', () => {
    const fleet = parseFleetParameters(stored);
    expect(fleet.map((h) => h.host)).toEqual(FLEET.map((h) => h.host));
    expect(fleet[3]?.volumeGroups).toEqual(['datavg', 'appvg']);
    expect(fleet[1]?.sshUser).toBe('root');
  });

  it('grants ssm:GetParametersByPath on the path only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'ssm:GetParametersByPath',
            Resource: {
              'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':parameter/acme/mksysb/fleet$')])],
            },
          },
        ],
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
