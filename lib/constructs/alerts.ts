// The alert topic: every anomaly message, every run digest and every CloudWatch alarm goes to one SNS
// topic, encrypted with a customer-managed KMS key that CloudWatch alarms may use to publish, TLS only,
// with the deploy config's e-mail addresses subscribed (each must confirm the first message).
// Subscribers filter on the message attributes (severity, host, code) the notify Lambda sets.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertsProps {
  /** Addresses subscribed by e-mail. @default [] */
  readonly emails?: readonly string[];
  /** The topic's display name (the sender name of its e-mails). @default 'mksysb-vault alerts' */
  readonly displayName?: string;
  /**
   * What happens to the topic's KMS key when the stack is deleted.
   * @default RemovalPolicy.RETAIN (the key encrypts messages that may still be in flight)
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class Alerts extends Construct {
  public readonly topic: sns.Topic;
  /** The key that encrypts the topic. */
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlertsProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'mksysb-vault: encrypts the alert topic',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // CloudWatch alarm actions publish to the topic as the cloudwatch service: without these key
    // permissions an alarm on an encrypted topic fails silently.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName ?? 'mksysb-vault alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
    );
    (props.emails ?? []).forEach((email) => {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    });
  }

  /** Let `grantee` publish alerts (sns:Publish plus the key use SNS needs). */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.topic.grantPublish(grantee);
  }
}
