import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMESPACE, METRICS } from '../../../lambdas/core/metrics.js';
import { Dashboard } from '../../../lib/constructs/dashboard.js';
import { testStack } from '../harness.js';

describe('Dashboard', () => {
  let template: Template;
  let body: string;
  beforeAll(() => {
    const stack = testStack();
    const machine = (id: string) =>
      new sfn.StateMachine(stack, id, {
        definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, `${id}Pass`)),
      });
    const fn = (id: string) =>
      new lambda.Function(stack, id, {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('export const handler = async () => {}'),
      });
    new Dashboard(stack, 'Dashboard', {
      stateMachines: [
        { name: 'weekly', stateMachine: machine('Weekly') },
        { name: 'host', stateMachine: machine('Host') },
        { name: 'freshness', stateMachine: machine('Freshness'), alarm: false },
      ],
      functions: [
        { name: 'verify', function: fn('Verify') },
        { name: 'prepare-upload', function: fn('PrepareUpload') },
      ],
      topic: new sns.Topic(stack, 'Topic'),
    });
    template = Template.fromStack(stack);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    body = JSON.stringify(
      stack.resolve((dashboard as { Properties: { DashboardBody: unknown } }).Properties.DashboardBody),
    );
  });

  it('creates one dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('charts images verified, warned and hosts failed from the pipeline metrics', () => {
    expect(body).toContain('Images verified and hosts failed');
    for (const name of [METRICS.imagesVerified, METRICS.imagesWarned, METRICS.hostsFailed])
      expect(body).toContain(`\\"${METRIC_NAMESPACE}\\",\\"${name}\\"`);
  });

  it('charts image size and transfer time per host with a SEARCH over the Host dimension', () => {
    expect(body).toContain(
      `SEARCH('{${METRIC_NAMESPACE},Host} MetricName=\\\\\\"${METRICS.imageSizeBytes}\\\\\\"'`,
    );
    expect(body).toContain(
      `SEARCH('{${METRIC_NAMESPACE},Host} MetricName=\\\\\\"${METRICS.transferSeconds}\\\\\\"'`,
    );
  });

  it('charts failed executions and Lambda errors', () => {
    expect(body).toContain('ExecutionsFailed');
    expect(body).toContain('\\"AWS/Lambda\\",\\"Errors\\"');
  });

  it('alarms on failed, timed-out or aborted executions of the alarmed state machines only', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('FILL\\(failed') })]),
      },
    });
    expect(Object.keys(alarms).sort()).toEqual([
      expect.stringMatching(/^DashboardHostExecutionsFailed/),
      expect.stringMatching(/^DashboardWeeklyExecutionsFailed/),
    ]);
  });

  it('alarms on errors of each Lambda function', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^Verify') } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
  });

  it('sends every alarm and its recovery to the alert topic', () => {
    const topic = { Ref: Match.stringLikeRegexp('^Topic') };
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topic], OKActions: [topic] });
  });
});
