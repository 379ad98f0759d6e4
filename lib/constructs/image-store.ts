// The image store: one S3 bucket holding every image, its record and the run reports (layout in
// lambdas/shared/catalog-keys.ts). Encrypted with a customer-managed KMS key, TLS only, never public,
// versioned (a retention delete leaves a noncurrent version for a while), access-logged to a bucket of
// its own, optionally under Object Lock. Its policy denies every object version delete and any PUT that
// asks for another encryption; what each function may do is lib/constructs/store-access.ts. Lifecycle
// does what S3 does better than a Lambda: abort stray multipart uploads, move older images to a colder
// class, expire noncurrent versions.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { IMAGES_PREFIX, QUARANTINE_PREFIX, UPLOADS_PREFIX } from '../../lambdas/shared/catalog-keys.js';
import type { DeployConfig } from '../config.js';

export interface ImageStoreProps {
  /** The `storage` section of the deploy config. */
  readonly storage: DeployConfig['storage'];
  /** @default 365 */
  readonly accessLogRetentionDays?: number;
  /**
   * What happens to the buckets and key when the stack is deleted. Images are the point of the
   * system: never destroyed with the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const ACCESS_LOG_PREFIX = 'image-store/';

const COLD_CLASS: Record<DeployConfig['storage']['coldStorageClass'], s3.StorageClass> = {
  STANDARD_IA: s3.StorageClass.INFREQUENT_ACCESS,
  GLACIER_IR: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
  INTELLIGENT_TIERING: s3.StorageClass.INTELLIGENT_TIERING,
};

export class ImageStore extends Construct {
  /** The customer-managed key that encrypts the images (SSE-KMS). */
  public readonly key: kms.Key;
  public readonly bucket: s3.Bucket;
  /** Server access logs of `bucket` (SSE-S3: a log target cannot use KMS). */
  public readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ImageStoreProps) {
    super(scope, id);
    const { storage } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.key = new kms.Key(this, 'Key', {
      description: 'mksysb-vault: encrypts the AIX images, their records and the run reports',
      enableKeyRotation: true,
      removalPolicy,
    });

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.accessLogRetentionDays ?? 365),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      removalPolicy,
    });

    const lifecycleRules: s3.LifecycleRule[] = [
      {
        id: 'abort-incomplete-multipart-uploads',
        abortIncompleteMultipartUploadAfter: Duration.days(storage.abortIncompleteUploadDays),
      },
      {
        id: 'expire-noncurrent-versions',
        noncurrentVersionExpiration: Duration.days(storage.noncurrentVersionDays),
        expiredObjectDeleteMarker: true,
      },
      {
        id: 'expire-upload-handoffs',
        prefix: UPLOADS_PREFIX,
        expiration: Duration.days(storage.uploadsExpireDays),
      },
    ];
    if (storage.quarantineExpireDays > 0)
      lifecycleRules.push({
        id: 'expire-quarantine',
        prefix: QUARANTINE_PREFIX,
        expiration: Duration.days(storage.quarantineExpireDays),
      });
    if (storage.coldTransitionDays > 0)
      lifecycleRules.push({
        id: 'images-to-cold-storage',
        // Records (small JSON next to each image) stay in STANDARD: S3 lifecycle does not transition
        // objects under 128 KiB by default, so only the images themselves move.
        prefix: IMAGES_PREFIX,
        transitions: [
          {
            storageClass: COLD_CLASS[storage.coldStorageClass],
            transitionAfter: Duration.days(storage.coldTransitionDays),
          },
        ],
      });

    const lock = storage.objectLock;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: storage.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules,
      ...(lock.mode === 'off'
        ? {}
        : {
            objectLockEnabled: true,
            objectLockDefaultRetention:
              lock.mode === 'COMPLIANCE'
                ? s3.ObjectLockRetention.compliance(Duration.days(lock.days))
                : s3.ObjectLockRetention.governance(Duration.days(lock.days)),
          }),
      removalPolicy,
    });

    // Denies for every principal, whatever its own policies allow: no object version is ever deleted
    // by a request (noncurrent versions go by the lifecycle rule above, which never removes a version
    // Object Lock still holds), and no PUT asks for another encryption than the store's key.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyObjectVersionDeletes',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObjectVersion'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyOtherEncryption',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          Null: { 's3:x-amz-server-side-encryption': 'false' },
          StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
        },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyOtherKmsKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
          StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.key.keyArn },
        },
      }),
    );

    // Access logging through a bucket policy for the S3 logging service (not the legacy log-delivery
    // ACL, which BUCKET_OWNER_ENFORCED forbids), set here so it does not depend on the app's
    // `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` feature flag.
    (this.bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: this.accessLogBucket.bucketName,
      logFilePrefix: ACCESS_LOG_PREFIX,
    };
    this.accessLogBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsPolicy',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.accessLogBucket.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
  }

  /** Read images and records under `prefix` (decrypting with the key). */
  public grantRead(grantee: iam.IGrantable, prefix = '*'): iam.Grant {
    return this.bucket.grantRead(grantee, prefix);
  }

  /** Write objects under `prefix` (encrypting with the key). */
  public grantPut(grantee: iam.IGrantable, prefix = '*'): iam.Grant {
    return this.bucket.grantPut(grantee, prefix);
  }

  /** Delete objects under `prefix`. */
  public grantDelete(grantee: iam.IGrantable, prefix = '*'): iam.Grant {
    return this.bucket.grantDelete(grantee, prefix);
  }
}
