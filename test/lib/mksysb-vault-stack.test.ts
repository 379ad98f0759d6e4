import { type CfnElement, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MksysbVaultStack } from '../../lib/mksysb-vault-stack.js';
import { synthWithNag, testConfig } from './harness.js';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
}
type Resource = { Type: string; Properties: Record<string, unknown> };

let stack: MksysbVaultStack;
let template: Template;
let resources: Record<string, Resource>;
let violations: string[];

beforeAll(() => {
  ({ template, violations } = synthWithNag((app) => {
    stack = new MksysbVaultStack(app, 'MksysbVault', {
      config: testConfig(),
      env: { account: '111122223333', region: 'eu-west-3' },
    });
    return stack;
  }));
  resources = template.toJSON().Resources as Record<string, Resource>;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const bucketId = () =>
  Object.keys(
    template.findResources('AWS::S3::Bucket', {
      Properties: { VersioningConfiguration: {}, LoggingConfiguration: {} },
    }),
  )[0];

/** Every policy statement of the stack with the role ids it is attached to. */
function roleStatements(): { roles: string[]; statement: Statement }[] {
  const out: { roles: string[]; statement: Statement }[] = [];
  for (const [, policy] of ofType('AWS::IAM::Policy')) {
    const roles = ((policy.Properties.Roles ?? []) as { Ref: string }[]).map((r) => r.Ref);
    for (const statement of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      out.push({ roles, statement });
  }
  for (const [id, role] of ofType('AWS::IAM::Role'))
    for (const p of (role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[])
      for (const statement of p.PolicyDocument.Statement) out.push({ roles: [id], statement });
  return out;
}

function lambdaRoleIds(): string[] {
  return ofType('AWS::Lambda::Function').map(
    ([, fn]) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
  );
}

describe('cdk-nag', () => {
  it('reports no unacknowledged AWS Solutions finding', () => {
    expect(violations).toEqual([]);
  });

  it('gives every acknowledgement a written reason', () => {
    const acknowledged: { path: string; id: string; reason: string }[] = [];
    const visit = (c: IConstruct) => {
      for (const entry of c.node.metadata)
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
            acknowledged.push({ path: c.node.path, id, reason });
      for (const child of c.node.children) visit(child);
    };
    visit(stack);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const a of acknowledged) expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
  });
});

describe('the assembled stack', () => {
  it('holds the store, the three host documents, the fleet, the topic, both schedules and the dashboard', () => {
    template.resourceCountIs('AWS::SSM::Document', 4);
    // weekly, freshness and the restore tests (deployed disabled while restoreTests is off)
    template.resourceCountIs('AWS::Scheduler::Schedule', 3);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    // The fleet is a file asset (lib/constructs/fleet-parameters.ts): no parameter, whatever its size.
    template.resourceCountIs('AWS::SSM::Parameter', 0);
    expect(bucketId()).toBeDefined();
  });

  it('outputs the bucket, the weekly state machine and the alert topic for the CLI', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(['AlertTopicArn', 'BucketName', 'WeeklyStateMachineArn']);
    expect(JSON.stringify(outputs.WeeklyStateMachineArn?.Value)).toContain('WeeklyStateMachine');
  });

  it('schedules the workflow’s weekly and freshness state machines', () => {
    for (const machine of [
      stack.vault.workflow.weeklyStateMachine,
      stack.vault.workflow.freshnessStateMachine,
    ])
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Target: Match.objectLike({ Arn: stack.resolve(machine.stateMachineArn) }),
      });
  });

  it('alarms to the alert topic on failed weekly and host executions and on each function’s errors', () => {
    const topic = { Ref: stack.getLogicalId(stack.vault.alerts.topic.node.defaultChild as never) };
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(2 + stack.vault.workflow.functions.length);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([topic]);
    for (const name of ['Weekly', 'Host'])
      expect(
        alarms.some(([id]) => id.includes(`${name}ExecutionsFailed`)),
        name,
      ).toBe(true);
  });
});

describe('least privilege', () => {
  const objectAccess = /^(s3:\*|s3:(Get|Put|Delete)Object.*|s3:(Get|Put|Delete)\*)$/;

  it('gives object access to the image bucket to Lambda function roles, and to the weekly Distributed Map its run objects only', () => {
    const lambdas = new Set(lambdaRoleIds());
    const weeklyRole = stack.getLogicalId(
      stack.vault.workflow.weeklyStateMachine.role.node.defaultChild as CfnElement,
    );
    const holders = roleStatements().filter(
      ({ statement }) =>
        statement.Effect === 'Allow' &&
        actionsOf(statement).some((a) => objectAccess.test(a)) &&
        JSON.stringify(statement.Resource).includes(bucketId() ?? '?'),
    );
    expect(holders.length).toBeGreaterThan(0);
    for (const { roles, statement } of holders)
      for (const role of roles) {
        if (role !== weeklyRole) {
          expect(lambdas.has(role), `${role}: ${JSON.stringify(statement.Action)}`).toBe(true);
          continue;
        }
        // The ItemReader's fleet snapshot and the ResultWriter's prefix (lambdas/core/map-run.ts).
        const keys = JSON.stringify(statement.Resource).match(/\/runs\/[^"]*/g);
        expect(keys, JSON.stringify(statement.Resource)).toEqual(
          expect.arrayContaining([expect.stringMatching(/^\/runs\/\*\/(fleet\.json|map\/\*)$/)]),
        );
        expect(keys?.every((k) => /^\/runs\/\*\/(fleet\.json|map\/\*)$/.test(k))).toBe(true);
      }
  });

  it('has no IAM user, access key, instance profile or role that an instance or managed node could assume', () => {
    for (const type of [
      'AWS::IAM::User',
      'AWS::IAM::AccessKey',
      'AWS::IAM::InstanceProfile',
      'AWS::SSM::Activation',
    ])
      template.resourceCountIs(type, 0);
    for (const [id, role] of ofType('AWS::IAM::Role')) {
      const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
      expect(trust, id).not.toMatch(/ec2\.amazonaws\.com|ssm\.amazonaws\.com/);
    }
  });

  it('allows nothing in the image bucket policy: it only denies (no TLS, a version delete, another encryption)', () => {
    const [policy] = ofType('AWS::S3::BucketPolicy').filter(([, p]) =>
      JSON.stringify(p.Properties.Bucket).includes(bucketId() ?? '?'),
    );
    if (!policy) throw new Error('the image bucket has no bucket policy');
    const statements = (policy[1].Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.map((s) => s.Effect)).toEqual(statements.map(() => 'Deny'));
  });

  it('grants Resource "*" only for actions that have no resource-level permissions', () => {
    const withoutResourceLevel = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'ssm:GetCommandInvocation',
      'ssm:ListCommandInvocations',
      'ssm:ListCommands',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]);
    for (const { roles, statement } of roleStatements())
      if (statement.Resource === '*')
        for (const action of actionsOf(statement))
          expect(withoutResourceLevel.has(action), `${roles} ${action}`).toBe(true);
  });
});
