import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Alerts } from '../../../lib/constructs/alerts.js';
import { testStack } from '../harness.js';

describe('Alerts', () => {
  let template: Template;
  beforeAll(() => {
    const stack = testStack();
    new Alerts(stack, 'Alerts', { emails: ['aix-oncall@example.com', 'storage-team@example.com'] });
    template = Template.fromStack(stack);
  });

  it('encrypts the topic with its own rotating customer-managed key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertsKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('lets CloudWatch alarms use the key and publish to the topic', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
  });

  it('denies publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('subscribes each configured e-mail address', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    for (const address of ['aix-oncall@example.com', 'storage-team@example.com'])
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: address,
        TopicArn: { Ref: Match.stringLikeRegexp('^AlertsTopic') },
      });
  });

  it('has no subscription when no address is configured', () => {
    const stack = testStack();
    new Alerts(stack, 'Alerts');
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Subscription', 0);
    expect(Template.fromStack(stack).findResources('AWS::SNS::Topic')).not.toEqual({});
  });
});
