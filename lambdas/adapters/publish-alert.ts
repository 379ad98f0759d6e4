// One alert (lambdas/core/alert-message.ts) published to the topic: subject, body and the message
// attributes subscription filters match on. notify (anomalies, freshness) and run-report (the digest)
// both send through this.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertMessage } from '../core/alert-message.js';

export async function publishAlert(sns: SNSClient, topicArn: string, message: AlertMessage): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: message.subject,
      Message: message.message,
      MessageAttributes: message.attributes,
    }),
  );
}
