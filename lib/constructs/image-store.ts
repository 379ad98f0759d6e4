// The image store: one S3 bucket holding every image, its record and the run reports (layout in
// lambdas/core/catalog-keys.ts). Encrypted with a customer-managed KMS key, TLS only, never public,
// versioned (a retention delete leaves a noncurrent version for a while), access-logged to a bucket of
// its own, optionally under Object Lock. Its policy denies every object version delete and any PUT that
// asks for another encryption; what each function may do is lib/constructs/store-access.ts. Lifecycle
// does what S3 does better than a Lambda: abort stray multipart uploads, move older images to a colder
// class, expire noncurrent versions.
//
// Two overrides, in the aws-solutions-constructs style: `existingBucket` (the images live in a bucket
// the caller owns: nothing is created here) and `bucketProps` (merged over the defaults). Either may
// add to the store, neither may take away what it guarantees: an override that would make images
// public, unencrypted, reachable without TLS, unversioned or deleted with the stack is refused.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { IMAGES_PREFIX, QUARANTINE_PREFIX, UPLOADS_PREFIX } from '../../lambdas/core/catalog-keys.js';
import type { DeployConfig } from '../config.js';

export interface ImageStoreProps {
  /**
   * The `storage` section of the deploy config: bucket name, lifecycle (cold class, noncurrent
   * versions, stray uploads, quarantine) and Object Lock of the bucket this construct creates. With
   * `existingBucket` only `objectLock` still matters, to the functions (it must say what the bucket
   * holds); the rest is the bucket owner's to set.
   */
  readonly storage: DeployConfig['storage'];
  /**
   * Days the server access logs of the image bucket are kept. Not used with `existingBucket`.
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
  /**
   * What happens to the buckets when the stack is deleted (a test stack's teardown). Images are the
   * point of the system: never destroyed with the stack. The KMS key is retained whatever this says:
   * CloudFormation cannot delete a bucket that still holds objects, and a key scheduled for deletion
   * would leave every image left in it unreadable. Not used with `existingBucket`.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * A bucket of your own for the images, instead of the one this construct creates: then no bucket, KMS
   * key or access-log bucket is created, and nothing of the bucket's configuration is set here
   * (lifecycle, logging, Object Lock and `storage.bucketName` are its owner's).
   *
   * What the pipeline needs from it:
   * - its KMS key, as `encryptionKey` (import it with `s3.Bucket.fromBucketAttributes({ bucketName,
   *   encryptionKey })`): each function is granted kms:Decrypt / kms:GenerateDataKey on it, as on the
   *   store's own key. A bucket without `encryptionKey` is refused.
   * - versioning on: a retention delete must leave a noncurrent version, not remove the bytes. It is
   *   checked for a bucket defined in this app and refused when off; an imported bucket cannot be
   *   checked at synth time, so keeping it versioned is on you.
   * - TLS-only, public access blocked, and the store's deny statements (no object version delete, no
   *   PUT under another encryption or key): they are added to the bucket policy of a bucket defined in
   *   this app; an imported bucket's policy cannot be changed from here, so add
   *   `imageStoreDenyStatements(bucket, key)` to it where the bucket is managed.
   * - `storage.objectLock` of the deploy config saying whether the bucket has Object Lock (the retention
   *   function reads and extends locks only when it does).
   *
   * Not with `bucketProps`.
   * @default - a bucket is created: SSE-KMS under a key of its own, versioned, TLS-only, private,
   * access-logged, retained with the stack
   */
  readonly existingBucket?: s3.IBucket;
  /**
   * Bucket properties merged over the defaults (`lifecycleRules` are added to the store's own rules;
   * `encryptionKey` replaces the key the store would create). Refused, with an error naming the
   * property, when it would weaken the store: `publicReadAccess`, a `blockPublicAccess` other than
   * BLOCK_ALL, a public `accessControl`, an `encryption` other than KMS, `enforceSSL: false`,
   * `versioned: false`, `removalPolicy: DESTROY`, `autoDeleteObjects: true`. Also refused: Object Lock
   * settings (set `storage.objectLock`, which the functions' grants follow) and
   * `serverAccessLogsBucket`/`serverAccessLogsPrefix` (the store logs to an access-log bucket of its own).
   *
   * Not with `existingBucket`.
   * @default - the defaults alone
   */
  readonly bucketProps?: Partial<s3.BucketProps>;
}

const ACCESS_LOG_PREFIX = 'image-store/';

const COLD_CLASS: Record<DeployConfig['storage']['coldStorageClass'], s3.StorageClass> = {
  STANDARD_IA: s3.StorageClass.INFREQUENT_ACCESS,
  GLACIER_IR: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
  INTELLIGENT_TIERING: s3.StorageClass.INTELLIGENT_TIERING,
};

/**
 * The deny statements of the image store's bucket policy, for every principal whatever its own policies
 * allow: no object version is ever deleted by a request (noncurrent versions go by the lifecycle rule,
 * which never removes a version Object Lock still holds), and no PUT asks for another encryption than
 * SSE-KMS under `key`. Exported for the owner of an `existingBucket` to add where that bucket is managed.
 */
export function imageStoreDenyStatements(bucket: s3.IBucket, key: kms.IKey): iam.PolicyStatement[] {
  const objects = bucket.arnForObjects('*');
  return [
    new iam.PolicyStatement({
      sid: 'DenyObjectVersionDeletes',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:DeleteObjectVersion'],
      resources: [objects],
    }),
    new iam.PolicyStatement({
      sid: 'DenyOtherEncryption',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [objects],
      conditions: {
        Null: { 's3:x-amz-server-side-encryption': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'DenyOtherKmsKey',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [objects],
      conditions: {
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn },
      },
    }),
  ];
}

/** Canned ACLs that open the bucket beyond its account. */
const PUBLIC_ACLS: readonly s3.BucketAccessControl[] = [
  s3.BucketAccessControl.PUBLIC_READ,
  s3.BucketAccessControl.PUBLIC_READ_WRITE,
  s3.BucketAccessControl.AUTHENTICATED_READ,
];

/**
 * Why each `bucketProps` override present is refused (empty when none is): every entry names the
 * property and what the store guarantees instead.
 */
function refusedBucketProps(props: Partial<s3.BucketProps>): string[] {
  const refused: string[] = [];
  const bpa = props.blockPublicAccess;
  if (props.publicReadAccess === true) refused.push('bucketProps.publicReadAccess: images are never public');
  if (
    bpa !== undefined &&
    !(bpa.blockPublicAcls && bpa.blockPublicPolicy && bpa.ignorePublicAcls && bpa.restrictPublicBuckets)
  )
    refused.push('bucketProps.blockPublicAccess: the image bucket blocks all public access (BLOCK_ALL)');
  if (props.accessControl !== undefined && PUBLIC_ACLS.includes(props.accessControl))
    refused.push(
      `bucketProps.accessControl: ${props.accessControl} would open the images beyond the account`,
    );
  if (props.encryption !== undefined && props.encryption !== s3.BucketEncryption.KMS)
    refused.push(
      `bucketProps.encryption: ${props.encryption} instead of KMS; images are SSE-KMS under a customer-managed key (give bucketProps.encryptionKey to use a key of your own)`,
    );
  if (props.enforceSSL === false)
    refused.push('bucketProps.enforceSSL: the bucket refuses every request without TLS');
  if (props.versioned === false)
    refused.push(
      'bucketProps.versioned: a retention delete must leave a noncurrent version, which needs versioning',
    );
  if (props.removalPolicy === RemovalPolicy.DESTROY)
    refused.push('bucketProps.removalPolicy: DESTROY would delete the images with the stack');
  if (props.autoDeleteObjects === true)
    refused.push('bucketProps.autoDeleteObjects: it would delete the images with the stack');
  if (props.objectLockEnabled !== undefined || props.objectLockDefaultRetention !== undefined)
    refused.push(
      "bucketProps.objectLockEnabled/objectLockDefaultRetention: set storage.objectLock in the deploy config, which the retention function's grants follow",
    );
  if (props.serverAccessLogsBucket !== undefined || props.serverAccessLogsPrefix !== undefined)
    refused.push(
      'bucketProps.serverAccessLogsBucket/serverAccessLogsPrefix: the store logs to an access-log bucket of its own (accessLogRetentionDays sets how long)',
    );
  return refused;
}

function definedOnly<T extends object>(props: T): Partial<T> {
  return Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export class ImageStore extends Construct {
  /**
   * The key that encrypts the images (SSE-KMS): the one this construct creates, `bucketProps.encryptionKey`,
   * or `existingBucket.encryptionKey`.
   */
  public readonly key: kms.IKey;
  /** The image bucket: the one this construct creates, or `existingBucket`. */
  public readonly bucket: s3.IBucket;
  /**
   * Server access logs of `bucket` (SSE-S3: a log target cannot use KMS). Undefined with
   * `existingBucket`, whose logging is its owner's.
   */
  public readonly accessLogBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: ImageStoreProps) {
    super(scope, id);
    const { storage, existingBucket, bucketProps } = props;
    if (existingBucket && bucketProps)
      throw new Error(
        `${this.node.path}: existingBucket and bucketProps were both given; bucketProps configures the bucket this construct creates, existingBucket replaces it: give one or the other`,
      );
    if (existingBucket) {
      this.bucket = existingBucket;
      this.key = this.adoptBucket(existingBucket);
      return;
    }
    const refused = refusedBucketProps(bucketProps ?? {});
    if (refused.length > 0)
      throw new Error(
        `${this.node.path}: bucketProps refused (the image store keeps what it guarantees):\n- ${refused.join('\n- ')}`,
      );
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.key =
      bucketProps?.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: 'mksysb-vault: encrypts the AIX images, their records and the run reports',
        enableKeyRotation: true,
        // Never with the stack (see removalPolicy): images may outlive it.
        removalPolicy: RemovalPolicy.RETAIN,
      });

    const accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
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
    this.accessLogBucket = accessLogBucket;

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
    const bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: storage.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
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
      // The caller's additions (refusedBucketProps has turned away any that would weaken the store); a
      // property given as undefined keeps the default rather than clearing it.
      ...definedOnly(bucketProps ?? {}),
      lifecycleRules: [...lifecycleRules, ...(bucketProps?.lifecycleRules ?? [])],
    });
    this.bucket = bucket;

    for (const statement of imageStoreDenyStatements(bucket, this.key)) bucket.addToResourcePolicy(statement);

    // Access logging through a bucket policy for the S3 logging service (not the legacy log-delivery
    // ACL, which BUCKET_OWNER_ENFORCED forbids), set here so it does not depend on the app's
    // `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` feature flag.
    (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: accessLogBucket.bucketName,
      logFilePrefix: ACCESS_LOG_PREFIX,
    };
    accessLogBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsPolicy',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [accessLogBucket.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
  }

  /**
   * Checks what can be checked of an `existingBucket` and gives it the store's deny statements when its
   * policy is this app's to change; returns its key.
   */
  private adoptBucket(bucket: s3.IBucket): kms.IKey {
    const key = bucket.encryptionKey;
    if (!key)
      throw new Error(
        `${this.node.path}: existingBucket ${bucket.node.path} has no encryptionKey: import it with s3.Bucket.fromBucketAttributes({ bucketName, encryptionKey }) so the pipeline's functions are granted the KMS key that encrypts the images`,
      );
    // A bucket defined in this app shows its versioning; an imported one cannot be checked at synth time.
    const cfn = bucket.node.defaultChild;
    if (cfn instanceof s3.CfnBucket) {
      const versioning = Stack.of(cfn).resolve(cfn.versioningConfiguration) as
        | { status?: string }
        | undefined;
      if (versioning?.status !== 'Enabled')
        throw new Error(
          `${this.node.path}: existingBucket ${bucket.node.path} is not versioned: a retention delete must leave a noncurrent version, not remove the image (create it with versioned: true)`,
        );
    }
    // addToResourcePolicy adds to the policy of a bucket defined in this app and does nothing on an
    // imported one (whose owner adds imageStoreDenyStatements, see ImageStoreProps.existingBucket).
    for (const statement of imageStoreDenyStatements(bucket, key)) bucket.addToResourcePolicy(statement);
    return key;
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
