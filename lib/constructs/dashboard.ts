// What an operator looks at on Monday morning, and what wakes someone when the pipeline itself breaks:
// a CloudWatch dashboard (images verified, hosts failed, image size and transfer time per host from
// the EMF metrics the Lambdas print, failed executions, Lambda errors) and alarms on failed executions
// and on Lambda errors, each sending to the alert topic. Per-image anomalies are not alarms: the
// workflow sends those itself, one message each.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { HOST_DIMENSION, METRIC_NAMESPACE, METRICS } from '../../lambdas/core/metrics.js';

export interface MonitoredStateMachine {
  /** Short name used in alarm descriptions and widget labels, e.g. 'weekly'. */
  readonly name: string;
  /** The state machine whose executions are graphed (and alarmed on, see `alarm`). */
  readonly stateMachine: sfn.IStateMachine;
  /** Alarm when an execution fails, times out or is aborted. @default true */
  readonly alarm?: boolean;
}

export interface MonitoredFunction {
  /** Short name used in alarm descriptions, e.g. 'verify'. */
  readonly name: string;
  /** The function whose errors are graphed and alarmed on. */
  readonly function: lambda.IFunction;
}

export interface DashboardProps {
  /** The pipeline's state machines, each graphed and (unless `alarm: false`) alarmed on. */
  readonly stateMachines: readonly MonitoredStateMachine[];
  /** The pipeline's functions, each graphed and alarmed on. */
  readonly functions: readonly MonitoredFunction[];
  /** Every alarm notifies this topic (on ALARM and on OK). */
  readonly topic: sns.ITopic;
  /**
   * The CloudWatch dashboard's name; unique in the account and region, so two vaults there need two
   * names.
   * @default - a name CloudFormation generates from the stack and construct id
   */
  readonly dashboardName?: string;
  /** Period of the per-run metrics (a run is weekly; a day per point keeps each run one point). @default Duration.days(1) */
  readonly runPeriod?: Duration;
}

/** A SEARCH over every host's series of `metricName` (one line per host, host names as labels). */
export function perHostSearch(metricName: string, statistic: 'Maximum' | 'Sum', period: Duration): string {
  return `SEARCH('{${METRIC_NAMESPACE},${HOST_DIMENSION}} MetricName="${metricName}"', '${statistic}', ${period.toSeconds()})`;
}

export class Dashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const runPeriod = props.runPeriod ?? Duration.days(1);
    const pipelineMetric = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName,
        statistic: 'Sum',
        period: runPeriod,
        label,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(56),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Images verified and hosts failed per day',
        left: [
          pipelineMetric(METRICS.imagesVerified, 'images verified'),
          pipelineMetric(METRICS.imagesWarned, 'images with warnings'),
          pipelineMetric(METRICS.hostsFailed, 'hosts failed'),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Hosts without a fresh verified image',
        left: [pipelineMetric(METRICS.staleHosts, 'stale hosts')],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'mksysb image size per host (bytes)',
        left: [
          new cloudwatch.MathExpression({
            expression: perHostSearch(METRICS.imageSizeBytes, 'Maximum', runPeriod),
            label: '',
            period: runPeriod,
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Transfer time per host (seconds)',
        left: [
          new cloudwatch.MathExpression({
            expression: perHostSearch(METRICS.transferSeconds, 'Maximum', runPeriod),
            label: '',
            period: runPeriod,
          }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'State machine executions failed',
        left: props.stateMachines.map((m) =>
          m.stateMachine.metricFailed({ statistic: 'Sum', period: Duration.hours(1), label: m.name }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: props.functions.map((f) =>
          f.function.metricErrors({ statistic: 'Sum', period: Duration.minutes(5), label: f.name }),
        ),
        width: 12,
      }),
    );

    const action = new actions.SnsAction(props.topic);
    const alarms: cloudwatch.Alarm[] = [];
    for (const m of props.stateMachines) {
      if (m.alarm === false) continue;
      const period = Duration.minutes(5);
      const alarm = new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
        usingMetrics: {
          failed: m.stateMachine.metricFailed({ statistic: 'Sum', period }),
          timedOut: m.stateMachine.metricTimedOut({ statistic: 'Sum', period }),
          aborted: m.stateMachine.metricAborted({ statistic: 'Sum', period }),
        },
        period,
        label: `${m.name} executions failed, timed out or aborted`,
      }).createAlarm(this, `${capitalise(m.name)}ExecutionsFailed`, {
        alarmDescription: `mksysb-vault: a ${m.name} state machine execution failed, timed out or was aborted. Open the execution in the Step Functions console to see which state failed.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarms.push(alarm);
    }
    for (const f of props.functions) {
      const alarm = f.function
        .metricErrors({ statistic: 'Sum', period: Duration.minutes(5) })
        .createAlarm(this, `${capitalise(f.name)}Errors`, {
          alarmDescription: `mksysb-vault: the ${f.name} Lambda function reported errors. Its log group has the stack trace.`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      alarms.push(alarm);
    }
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms = alarms;
  }
}

function capitalise(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
