// When things run: EventBridge Scheduler starts the weekly backup run at the deploy config's cron in its
// IANA time zone (so "Monday 02:01 Paris time" stays that across daylight-saving changes) and the
// freshness check daily. Disabled schedules stay deployed, so turning them back on is a config change.
import { Duration, TimeZone } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DeployConfig } from '../config.js';

export interface SchedulesProps {
  /** `schedule` section of the deploy config. */
  readonly schedule: DeployConfig['schedule'];
  /** Started weekly with `{"trigger":"schedule"}`. */
  readonly weeklyStateMachine: sfn.IStateMachine;
  /** Started daily with `{"trigger":"schedule"}`. */
  readonly freshnessStateMachine: sfn.IStateMachine;
  /** `restoreTests` of the deploy config: its cron, and whether restore tests run at all. */
  readonly restoreTests?: Pick<DeployConfig['restoreTests'], 'cron' | 'enabled'>;
  /** Started at restoreTests.cron with `{"trigger":"schedule"}`. */
  readonly restoreTestStateMachine?: sfn.IStateMachine;
}

/** The input a scheduled execution gets; a run started by hand says `"trigger":"manual"`. */
export const SCHEDULED_INPUT = { trigger: 'schedule' } as const;

export class Schedules extends Construct {
  public readonly weekly: scheduler.Schedule;
  public readonly freshness: scheduler.Schedule;
  public readonly restoreTests?: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const { schedule } = props;
    const timeZone = TimeZone.of(schedule.timeZone);
    const target = (stateMachine: sfn.IStateMachine) =>
      new targets.StepFunctionsStartExecution(stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject(SCHEDULED_INPUT),
        // A start that fails (throttling, a deploy in progress) is retried for an hour, no longer:
        // a weekly run starting half a day late would collide with business hours.
        retryAttempts: 5,
        maxEventAge: Duration.hours(1),
      });
    this.weekly = new scheduler.Schedule(this, 'Weekly', {
      description: 'mksysb-vault: weekly mksysb/savevg run of the whole fleet',
      schedule: scheduler.ScheduleExpression.expression(schedule.cron, timeZone),
      target: target(props.weeklyStateMachine),
      enabled: schedule.enabled,
      timeWindow: scheduler.TimeWindow.off(),
    });
    this.freshness = new scheduler.Schedule(this, 'Freshness', {
      description: 'mksysb-vault: daily check that every host has a recent verified image',
      schedule: scheduler.ScheduleExpression.expression(schedule.freshnessCron, timeZone),
      target: target(props.freshnessStateMachine),
      enabled: schedule.enabled,
      timeWindow: scheduler.TimeWindow.off(),
    });
    if (props.restoreTestStateMachine && props.restoreTests)
      this.restoreTests = new scheduler.Schedule(this, 'RestoreTests', {
        description: 'mksysb-vault: restore tests of the due hosts on the test LPARs',
        schedule: scheduler.ScheduleExpression.expression(props.restoreTests.cron, timeZone),
        target: target(props.restoreTestStateMachine),
        enabled: schedule.enabled && props.restoreTests.enabled,
        timeWindow: scheduler.TimeWindow.off(),
      });
  }
}
