import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeployConfigInput } from '../../../lib/config.js';
import { ImageStore } from '../../../lib/constructs/image-store.js';
import { testConfig, testStack } from '../harness.js';

function synth(
  storage: DeployConfigInput['storage'] = {},
  retention?: DeployConfigInput['retention'],
): Template {
  const stack = testStack();
  const config = testConfig({ storage, ...(retention ? { retention } : {}) });
  new ImageStore(stack, 'Store', { storage: config.storage });
  return Template.fromStack(stack);
}

function imageBucket(template: Template): Record<string, unknown> {
  const buckets = template.findResources('AWS::S3::Bucket', {
    Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true }] } },
  });
  const [bucket] = Object.values(buckets);
  expect(Object.keys(buckets)).toHaveLength(1);
  return (bucket as { Properties: Record<string, unknown> }).Properties;
}

describe('ImageStore with the default storage settings', () => {
  let template: Template;
  beforeAll(() => {
    template = synth();
  });

  it('encrypts images with a customer-managed KMS key that rotates', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StoreKey'), 'Arn'] },
            },
          },
        ],
      },
    });
  });

  it('denies every request that is not over TLS, on both buckets', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
    });
    expect(Object.keys(policies)).toHaveLength(2);
  });

  it('blocks every kind of public access on both buckets', () => {
    const blocked = template.findResources('AWS::S3::Bucket', {
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      },
    });
    expect(Object.keys(blocked)).toHaveLength(2);
  });

  it('versions the image bucket', () => {
    expect(imageBucket(template).VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('logs access to a separate SSE-S3 bucket that the S3 logging service may write to', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ BucketKeyEnabled: true })] },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('^StoreAccessLogs') },
        LogFilePrefix: 'image-store/',
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^StoreAccessLogs') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^StoreBucket'), 'Arn'] } },
            }),
          }),
        ]),
      },
    });
  });

  it('aborts incomplete multipart uploads after 3 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 }, Status: 'Enabled' }),
        ]),
      },
    });
  });

  it('moves objects under images/ to Glacier Instant Retrieval after 30 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'images/',
            Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
          }),
        ]),
      },
    });
  });

  it('expires noncurrent versions after 7 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } })]),
      },
    });
  });

  it('leaves Object Lock off', () => {
    const bucket = imageBucket(template);
    expect(bucket.ObjectLockEnabled).toBeUndefined();
    expect(bucket.ObjectLockConfiguration).toBeUndefined();
  });

  it('retains the buckets and the key when the stack is deleted', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key']) {
      const resources = Object.values(template.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) expect(resource).toMatchObject({ DeletionPolicy: 'Retain' });
    }
  });
});

describe('ImageStore with configured storage settings', () => {
  it('keeps the key even when told to destroy the buckets with the stack: images left in a bucket would be unreadable', () => {
    const stack = testStack();
    new ImageStore(stack, 'Store', { storage: testConfig().storage, removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    for (const key of Object.values(template.findResources('AWS::KMS::Key')))
      expect(key).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket')))
      expect(bucket).toMatchObject({ DeletionPolicy: 'Delete' });
  });
  it('turns Object Lock on with the configured default retention', () => {
    const template = synth({ objectLock: { mode: 'GOVERNANCE', days: 14 } });
    const bucket = imageBucket(template);
    expect(bucket.ObjectLockEnabled).toBe(true);
    expect(bucket.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 14 } },
    });
  });

  it('uses COMPLIANCE mode when asked', () => {
    const template = synth({ objectLock: { mode: 'COMPLIANCE', days: 21 } });
    expect(imageBucket(template).ObjectLockConfiguration).toMatchObject({
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 21 } },
    });
  });

  it('has no transition rule when coldTransitionDays is 0', () => {
    const rules = (
      imageBucket(synth({ coldTransitionDays: 0 })).LifecycleConfiguration as { Rules: object[] }
    ).Rules;
    expect(rules.some((r) => 'Transitions' in r)).toBe(false);
    expect(rules.some((r) => 'AbortIncompleteMultipartUpload' in r)).toBe(true);
  });

  it('expires upload hand-offs and quarantined uploads by prefix, never images', () => {
    const rules = (imageBucket(synth({})).LifecycleConfiguration as { Rules: Record<string, unknown>[] })
      .Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: 'expire-upload-handoffs', Prefix: 'uploads/', ExpirationInDays: 14 }),
        expect.objectContaining({ Id: 'expire-quarantine', Prefix: 'quarantine/', ExpirationInDays: 90 }),
      ]),
    );
    expect(rules.filter((r) => 'ExpirationInDays' in r).map((r) => r.Prefix)).toEqual([
      'uploads/',
      'quarantine/',
    ]);
    const kept = (
      imageBucket(synth({ quarantineExpireDays: 0 })).LifecycleConfiguration as {
        Rules: Record<string, unknown>[];
      }
    ).Rules;
    expect(kept.some((r) => r.Id === 'expire-quarantine')).toBe(false);
  });

  it('uses the configured cold class, days and bucket name', () => {
    const template = synth({
      bucketName: 'acme-mksysb-images',
      coldStorageClass: 'STANDARD_IA',
      coldTransitionDays: 60,
      abortIncompleteUploadDays: 5,
    });
    const bucket = imageBucket(template);
    expect(bucket.BucketName).toBe('acme-mksysb-images');
    expect(bucket.LifecycleConfiguration).toEqual({
      Rules: expect.arrayContaining([
        expect.objectContaining({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 60 }] }),
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 5 } }),
      ]),
    });
  });
});
