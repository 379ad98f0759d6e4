// The local topic holds a message to SNS's size quota, as AWS does: a digest that grows with the fleet
// fails here, naming the quota, instead of in the first large account.
import { describe, expect, it } from 'vitest';
import { AwsLimitError, SNS_MESSAGE_LIMIT } from '../../../lambdas/core/aws-limits.js';
import { LocalSns } from '../../../lib/local/local-sns.js';

describe('the local SNS topic', () => {
  it('refuses a message over 262,144 bytes with InvalidParameter, naming the quota and its subject', () => {
    const sns = new LocalSns();
    const publish = (bytes: number) =>
      sns.publish({
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
        Subject: 'digest',
        Message: 'x'.repeat(bytes),
      });
    expect(publish(SNS_MESSAGE_LIMIT.max)).toEqual({ MessageId: 'local-1' });
    expect(() => publish(SNS_MESSAGE_LIMIT.max + 1)).toThrow(AwsLimitError);
    expect(() => publish(SNS_MESSAGE_LIMIT.max + 1)).toThrow(
      /^InvalidParameter: the SNS message "digest" is 262,145 bytes, over the 262,144-byte limit \(SNS message size, https:/,
    );
  });
});
