import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { MksysbVault, type MksysbVaultProps } from '../../lib/mksysb-vault.js';
import { synthWithNag, testConfig, testStack } from './harness.js';

const BYO_BUCKET = 'byo-mksysb-images';
const BYO_KEY_ARN = 'arn:aws:kms:eu-west-3:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

function importedBucket(stack: Stack): s3.IBucket {
  return s3.Bucket.fromBucketAttributes(stack, 'ByoBucket', {
    bucketName: BYO_BUCKET,
    encryptionKey: kms.Key.fromKeyArn(stack, 'ByoKey', BYO_KEY_ARN),
  });
}

function synthVault(overrides: (stack: Stack) => Omit<MksysbVaultProps, 'config'>): Template {
  const stack = testStack();
  new MksysbVault(stack, 'Vault', { config: testConfig(), ...overrides(stack) });
  return Template.fromStack(stack);
}

/** Builds a vault with `overrides` and returns what it threw. */
function refusal(overrides: (stack: Stack) => Omit<MksysbVaultProps, 'config'>): string {
  try {
    synthVault(overrides);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the vault was built: expected it to refuse the overrides');
}

function allowStatements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('MksysbVault with an imported existingBucket', () => {
  let template: Template;
  let violations: string[];

  beforeAll(() => {
    ({ template, violations } = synthWithNag((app) => {
      const stack = new Stack(app, 'Byo', { env: { account: '111122223333', region: 'eu-west-3' } });
      new MksysbVault(stack, 'Vault', { config: testConfig(), existingBucket: importedBucket(stack) });
      return stack;
    }));
  });

  it('creates no bucket, no bucket policy and no key of its own for the images', () => {
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('AWS::S3::BucketPolicy', 0);
    // The one key left is the alert topic's.
    template.resourceCountIs('AWS::KMS::Key', 1);
    expect(JSON.stringify(template.findResources('AWS::KMS::Key'))).toContain('alert');
  });

  it("grants the functions the given bucket's objects, and no other bucket's but the fleet object's", () => {
    const s3Statements = allowStatements(template).filter((s) =>
      actionsOf(s).some((a) => ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'].includes(a)),
    );
    // The deploy config's fleet is one object in the CDK's file asset bucket (FleetParameters): load-fleet
    // may read that one object, nothing else there.
    const isFleetObject = (s: Statement) => JSON.stringify(s.Resource).includes('cdk-hnb659fds-assets');
    const fleet = s3Statements.filter(isFleetObject);
    expect(fleet).toHaveLength(1);
    expect(actionsOf(fleet[0] as Statement)).toEqual(['s3:GetObject']);
    expect(JSON.stringify((fleet[0] as Statement).Resource)).toMatch(/\/[0-9a-f]{64}\.json"/);
    const store = s3Statements.filter((s) => !isFleetObject(s));
    expect(store.length).toBeGreaterThan(0);
    for (const s of store) expect(JSON.stringify(s.Resource)).toContain(`:s3:::${BYO_BUCKET}/`);
    expect(JSON.stringify(store)).toContain(`:s3:::${BYO_BUCKET}/images/*`);
  });

  it("grants the functions the given bucket's KMS key", () => {
    const kmsStatements = allowStatements(template).filter((s) => actionsOf(s).includes('kms:Decrypt'));
    expect(kmsStatements.map((s) => s.Resource)).toContain(BYO_KEY_ARN);
  });

  it('points the functions at the given bucket by name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ BUCKET: BYO_BUCKET }) },
    });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(violations).toEqual([]);
  });
});

describe('MksysbVault with an existingBucket defined in the same app', () => {
  it("adds the store's deny statements to that bucket's policy", () => {
    const template = synthVault((stack) => {
      const encryptionKey = new kms.Key(stack, 'OwnKey', { enableKeyRotation: true });
      return {
        existingBucket: new s3.Bucket(stack, 'OwnBucket', {
          encryption: s3.BucketEncryption.KMS,
          encryptionKey,
          versioned: true,
          enforceSSL: true,
        }),
      };
    });
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^OwnBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenyObjectVersionDeletes',
            Effect: 'Deny',
            Action: 's3:DeleteObjectVersion',
          }),
          Match.objectLike({ Sid: 'DenyOtherKmsKey', Effect: 'Deny', Action: 's3:PutObject' }),
        ]),
      },
    });
  });

  it('refuses a bucket without versioning, naming existingBucket', () => {
    const message = refusal((stack) => ({
      existingBucket: new s3.Bucket(stack, 'Unversioned', {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: new kms.Key(stack, 'OwnKey', { enableKeyRotation: true }),
      }),
    }));
    expect(message).toMatch(/existingBucket .*Unversioned is not versioned/);
  });
});

describe('MksysbVault with an existingBucket imported without its key', () => {
  it('refuses it, naming existingBucket and encryptionKey', () => {
    const message = refusal((stack) => ({
      existingBucket: s3.Bucket.fromBucketName(stack, 'Bare', BYO_BUCKET),
    }));
    expect(message).toContain('existingBucket');
    expect(message).toContain('has no encryptionKey');
  });
});

describe('MksysbVault with bucketProps', () => {
  let template: Template;
  beforeAll(() => {
    template = synthVault(() => ({
      bucketProps: {
        bucketName: 'acme-mksysb-images',
        intelligentTieringConfigurations: [{ name: 'archive-old', archiveAccessTierTime: Duration.days(90) }],
        lifecycleRules: [{ id: 'expire-exports', prefix: 'exports/', expiration: Duration.days(30) }],
        // Explicitly undefined keeps the default rather than clearing it.
        encryption: undefined,
      },
    }));
  });

  it('merges the given properties over the image bucket’s defaults', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'acme-mksysb-images',
      IntelligentTieringConfigurations: [
        Match.objectLike({ Id: 'archive-old', Tierings: [{ AccessTier: 'ARCHIVE_ACCESS', Days: 90 }] }),
      ],
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
    });
  });

  it('adds the given lifecycle rules to the store’s own', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'acme-mksysb-images',
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'abort-incomplete-multipart-uploads' }),
          Match.objectLike({ Id: 'expire-exports', Prefix: 'exports/', ExpirationInDays: 30 }),
        ]),
      },
    });
  });

  it('encrypts with a key given as bucketProps.encryptionKey instead of creating one', () => {
    const byoKey = synthVault((stack) => ({
      bucketProps: { encryptionKey: kms.Key.fromKeyArn(stack, 'ByoKey', BYO_KEY_ARN) },
    }));
    // The one key left is the alert topic's.
    byoKey.resourceCountIs('AWS::KMS::Key', 1);
    byoKey.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: BYO_KEY_ARN },
          }),
        ],
      },
    });
  });
});

describe('MksysbVault refuses a bucketProps override that weakens the store', () => {
  const weakenings: [string, Partial<s3.BucketProps>][] = [
    ['publicReadAccess', { publicReadAccess: true }],
    ['blockPublicAccess', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY }],
    ['accessControl', { accessControl: s3.BucketAccessControl.PUBLIC_READ }],
    ['encryption', { encryption: s3.BucketEncryption.UNENCRYPTED }],
    ['encryption', { encryption: s3.BucketEncryption.S3_MANAGED }],
    ['enforceSSL', { enforceSSL: false }],
    ['versioned', { versioned: false }],
    ['removalPolicy', { removalPolicy: RemovalPolicy.DESTROY }],
    ['autoDeleteObjects', { autoDeleteObjects: true }],
    ['objectLockEnabled', { objectLockEnabled: false }],
  ];

  it.each(weakenings)('refuses %s, naming it', (prop, bucketProps) => {
    expect(refusal(() => ({ bucketProps }))).toContain(`bucketProps.${prop}`);
  });

  it('names every refused property at once', () => {
    const message = refusal(() => ({ bucketProps: { versioned: false, enforceSSL: false } }));
    expect(message).toContain('bucketProps.versioned');
    expect(message).toContain('bucketProps.enforceSSL');
  });
});

describe('MksysbVault given both existingBucket and bucketProps', () => {
  it('refuses them, naming both', () => {
    const message = refusal((stack) => ({
      existingBucket: importedBucket(stack),
      bucketProps: { bucketName: 'acme-mksysb-images' },
    }));
    expect(message).toContain('existingBucket and bucketProps');
  });
});
