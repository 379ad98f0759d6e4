import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeployConfigInput } from '../../../lib/config.js';
import { Schedules } from '../../../lib/constructs/schedules.js';
import { testConfig, testStack } from '../harness.js';

function stateMachine(stack: Stack, id: string): sfn.StateMachine {
  return new sfn.StateMachine(stack, id, {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, `${id}Start`)),
  });
}

function synth(schedule: DeployConfigInput['schedule']): Template {
  const stack = testStack();
  new Schedules(stack, 'Schedules', {
    schedule: testConfig({ schedule }).schedule,
    weeklyStateMachine: stateMachine(stack, 'Weekly'),
    freshnessStateMachine: stateMachine(stack, 'Freshness'),
  });
  return Template.fromStack(stack);
}

describe('Schedules', () => {
  let template: Template;
  beforeAll(() => {
    template = synth({
      cron: 'cron(1 2 ? * MON *)',
      timeZone: 'Europe/Paris',
      freshnessCron: 'cron(0 8 * * ? *)',
    });
  });

  it('starts the weekly state machine at the configured cron in the configured time zone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(1 2 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: { Ref: Match.stringLikeRegexp('^Weekly') },
        Input: JSON.stringify({ trigger: 'schedule' }),
      }),
    });
  });

  it('starts the freshness state machine daily', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 8 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Target: Match.objectLike({
        Arn: { Ref: Match.stringLikeRegexp('^Freshness') },
        Input: JSON.stringify({ trigger: 'schedule' }),
      }),
    });
  });

  it('gives the scheduler a role that may only start those state machines', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Action: 'states:StartExecution' })]),
        },
      },
    });
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } })
          .Properties.PolicyDocument.Statement,
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Action).toBe('states:StartExecution');
      expect(JSON.stringify(statement.Resource)).not.toContain('"*"');
    }
  });

  it('keeps the schedules deployed but disabled when schedule.enabled is false', () => {
    const disabled = synth({ enabled: false });
    const schedules = Object.values(disabled.findResources('AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(2);
    for (const s of schedules) expect(s).toMatchObject({ Properties: { State: 'DISABLED' } });
  });
});

describe('Schedules: restore tests', () => {
  function synthRestore(restoreTests: { cron: string; enabled: boolean }, enabled = true): Template {
    const stack = testStack();
    new Schedules(stack, 'Schedules', {
      schedule: testConfig({ schedule: { enabled } }).schedule,
      weeklyStateMachine: stateMachine(stack, 'Weekly'),
      freshnessStateMachine: stateMachine(stack, 'Freshness'),
      restoreTests,
      restoreTestStateMachine: stateMachine(stack, 'RestoreTests'),
    });
    return Template.fromStack(stack);
  }
  const restoreSchedule = (template: Template) =>
    Object.values(template.findResources('AWS::Scheduler::Schedule')).find((r) =>
      JSON.stringify(r).includes('RestoreTests'),
    ) as { Properties: { ScheduleExpression: string; State: string } } | undefined;

  it('starts the restore-test state machine at restoreTests.cron while restore tests are on', () => {
    const schedule = restoreSchedule(synthRestore({ cron: 'cron(0 10 ? * SAT *)', enabled: true }));
    expect(schedule?.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 10 ? * SAT *)',
      State: 'ENABLED',
    });
  });

  it('keeps the schedule deployed but disabled while restore tests are off, or all schedules are', () => {
    expect(
      restoreSchedule(synthRestore({ cron: 'cron(0 10 ? * SAT *)', enabled: false }))?.Properties.State,
    ).toBe('DISABLED');
    expect(
      restoreSchedule(synthRestore({ cron: 'cron(0 10 ? * SAT *)', enabled: true }, false))?.Properties.State,
    ).toBe('DISABLED');
  });
});
