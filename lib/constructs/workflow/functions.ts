// The backup workflow's Lambda functions, one row each: what it does, its environment (its env schema,
// lambdas/<name>/schema.ts), its timeout and memory where HandlerFunction's 60 s and 512 MB do not fit,
// its objects in the store (store-access.ts), its other services, and whether a state may run it again
// after StoreThrottled. BackupWorkflow makes one HandlerFunction per row, in this order (the order is
// the template's), and grants each what its row says.
import { Duration, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { type DeployConfig, partSizeBytes } from '../../config.js';
import type { HandlerFunction, HandlerName } from '../handler-function.js';
import { grantStoreAccess, type StoreAccess, storeAccess } from '../store-access.js';

/**
 * inspect-image hashes and walks every stored byte: CPU-bound, so it gets one full vCPU (Lambda gives
 * a whole vCPU at 1,769 MB); its memory use is bounded by the ranges in flight, not by the image.
 */
export const INSPECT_MEMORY_MB = 1769;
/** The longest a Lambda may run: an image it cannot read in this time is CONTENT_UNVERIFIED, never skipped. */
export const INSPECT_TIMEOUT = Duration.minutes(15);
/**
 * verify reads two content indexes to say what changed (lambdas/verify/changes.ts), up to 600,000
 * entries each. Measured on rootvg-like indexes (parse both, diff, top contributors; a Node process
 * that starts at ~90 MiB RSS): 150,000 entries each peak at 275 MiB RSS and 1.6 CPU-s, 400,000 at 469
 * MiB, 600,000 at 649 MiB and 7.8 CPU-s. The 512 MB default would not hold two 400,000-entry indexes;
 * 1,024 MB holds the largest with ~350 MB to spare and brings 0.58 vCPU (~14 s for that pair), so 2
 * minutes leaves the rest of verify (~0.2 s of small reads) a wide margin.
 */
export const VERIFY_MEMORY_MB = 1024;
export const VERIFY_TIMEOUT = Duration.minutes(2);

/**
 * Why a handler may be run again after it threw StoreThrottled (S3 kept answering 503 SlowDown past the
 * client's own retries, lambdas/adapters/s3-client.ts), or null when it may not. Every state that invokes
 * a repeatable handler retries StoreThrottled (tasks.ts). test/faults/store-writes.test.ts throttles
 * load-fleet, prepare-upload, complete-upload, inspect-image, verify, retention and run-report past the
 * client's attempts in a whole run (PASS, nothing published twice);
 * test/lambdas/record-failure/repeat.test.ts runs record-failure twice.
 */
export const REPEATABLE_AFTER_THROTTLING: Readonly<Record<HandlerName, string | null>> = {
  'load-fleet':
    'reads the fleet and the store; the host-day claim it takes is recognised as its own run by the repeat (host-claim.ts)',
  'await-command': 'polls SSM only; it makes no S3 call',
  'prepare-upload':
    'a failed attempt aborts the multipart upload it created; the repeat creates another and a new manifest',
  'complete-upload':
    'a completion whose answer was lost leaves NoSuchUpload, and the repeat judges the object itself',
  'inspect-image': 'reads the stored bytes; the content index it writes is the same bytes again',
  verify: 'its history stops before the image day, and the record it writes last is the same again',
  'record-failure':
    'writes the same failure record again (the upload it aborted is then found gone: aborted false); nothing is published',
  notify: null, // publishes to SNS: a repeat would alert twice (its claim release is never fatal, so it never throws StoreThrottled)
  retention: 'plans again from what the store holds: an image already deleted is no longer planned',
  'run-report':
    'writes the report before it publishes the digest: StoreThrottled means nothing was published',
  freshness: 'reads the store; the findings object it writes last is the same again',
  'restore-test':
    'plans and presigns from what the store holds; record writes the record (idempotent for the same test) before it publishes RESTORE_FAILED: StoreThrottled means nothing was published',
};

/** One function of the workflow. */
export interface FunctionSpec {
  /** What it does in the pipeline (its Lambda description). */
  readonly description: string;
  /** Its environment variables, as its env schema reads them. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default HandlerFunction's (60 seconds) */
  readonly timeout?: Duration;
  /** @default HandlerFunction's (512 MB) */
  readonly memorySize?: number;
  /** What it may do in the image store. */
  readonly store: StoreAccess;
  /** What it may do outside the store and the alert topic. @default nothing */
  readonly statements?: readonly iam.PolicyStatement[];
  /** It publishes to the alert topic. @default false */
  readonly publishes?: boolean;
}

export interface FunctionTableProps {
  readonly config: DeployConfig;
  readonly bucket: s3.IBucket;
  readonly topic: sns.ITopic;
  /** The Parameter Store path the fleet lives under (trailing slash). */
  readonly fleetParameterPath: string;
  /** The deploy config's fleet as one S3 object (FleetParameters.fleetObject). @default none: the path only */
  readonly fleetObject?: { readonly bucketName: string; readonly objectKey: string };
  /** How long load-fleet's host-day claim holds: the host execution's timeout. */
  readonly claimTtl: Duration;
  /** The stack the functions are in, for the ARN of the fleet's parameters. */
  readonly stack: Stack;
}

/** Every function of the workflow, in the order they are made. */
export function functionTable(props: FunctionTableProps): Readonly<Record<HandlerName, FunctionSpec>> {
  const { config, topic } = props;
  const BUCKET = props.bucket.bucketName;
  const store = storeAccess({ objectLock: config.storage.objectLock.mode !== 'off' });
  return {
    'load-fleet': {
      description:
        'Reads and validates the fleet (its S3 object and Parameter Store); one host with its history',
      environment: {
        FLEET_PARAMETER_PATH: props.fleetParameterPath,
        ...(props.fleetObject
          ? {
              FLEET_OBJECT_BUCKET: props.fleetObject.bucketName,
              FLEET_OBJECT_KEY: props.fleetObject.objectKey,
            }
          : {}),
        BUCKET,
        TIME_ZONE: config.schedule.timeZone,
        CLAIM_TTL_SECONDS: String(props.claimTtl.toSeconds()),
      },
      store: store['load-fleet'],
      statements: [
        // The fleet object: that one key of the CDK's asset bucket.
        ...(props.fleetObject
          ? [
              new iam.PolicyStatement({
                actions: ['s3:GetObject'],
                resources: [
                  props.stack.formatArn({
                    service: 's3',
                    region: '',
                    account: '',
                    resource: props.fleetObject.bucketName,
                    resourceName: props.fleetObject.objectKey,
                  }),
                ],
              }),
            ]
          : []),
        new iam.PolicyStatement({
          actions: ['ssm:GetParametersByPath'],
          resources: [
            props.stack.formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: props.fleetParameterPath.replace(/^\/|\/$/g, ''),
            }),
          ],
        }),
      ],
    },
    'await-command': {
      description: 'Polls an SSM host step and says how long to wait before the next poll',
      environment: {},
      store: store['await-command'],
      // GetCommandInvocation has no resource-level permissions.
      statements: [new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation'], resources: ['*'] })],
    },
    'prepare-upload': {
      description: 'Creates the multipart upload and the presigned part URL manifest',
      environment: {
        BUCKET,
        PART_SIZE_BYTES: String(partSizeBytes(config)),
        URL_EXPIRY_SECONDS: String(config.transfer.urlExpirySeconds),
      },
      timeout: Duration.minutes(2),
      store: store['prepare-upload'],
    },
    'complete-upload': {
      description: 'Completes the multipart upload and checks it against the host report',
      environment: { BUCKET },
      timeout: Duration.minutes(15),
      store: store['complete-upload'],
    },
    'inspect-image': {
      description: 'Reads the stored image once: its SHA-256, its archive, its content index',
      environment: { BUCKET },
      timeout: INSPECT_TIMEOUT,
      memorySize: INSPECT_MEMORY_MB,
      store: store['inspect-image'],
    },
    verify: {
      description: 'Judges an uploaded image and writes its catalog record',
      environment: { BUCKET, VERIFICATION_POLICY: JSON.stringify(config.verification) },
      timeout: VERIFY_TIMEOUT,
      memorySize: VERIFY_MEMORY_MB,
      store: store.verify,
    },
    'record-failure': {
      description: 'Records a host failure, maps it to an anomaly, aborts its open upload',
      environment: { BUCKET },
      store: store['record-failure'],
    },
    notify: {
      description: 'Publishes one SNS message per anomaly; returns the host result line',
      environment: { TOPIC_ARN: topic.topicArn, MIN_SEVERITY: config.alerts.minSeverity, BUCKET },
      store: store.notify,
      publishes: true,
    },
    retention: {
      description: 'Applies the GFS retention policy to every host',
      environment: {
        BUCKET,
        KEEP_WEEKLY: String(config.retention.weekly),
        KEEP_MONTHLY: String(config.retention.monthly),
        FAILED_KEEP_DAYS: String(config.retention.failedKeepDays),
        STRAY_GRACE_DAYS: String(config.retention.strayGraceDays),
        OBJECT_LOCK: String(config.storage.objectLock.mode !== 'off'),
        // The mode a kept image's lock is extended in when the object has none of its own yet.
        OBJECT_LOCK_MODE: config.storage.objectLock.mode === 'GOVERNANCE' ? 'GOVERNANCE' : 'COMPLIANCE',
      },
      timeout: Duration.minutes(15),
      store: store.retention,
    },
    'run-report': {
      description: 'Writes the run report, emits run metrics, publishes the digest',
      environment: { BUCKET, TOPIC_ARN: topic.topicArn },
      timeout: Duration.minutes(5),
      store: store['run-report'],
      publishes: true,
    },
    freshness: {
      description: 'Finds hosts without a recent verified image, and staging filesystems filling up',
      environment: {
        BUCKET,
        MAX_AGE_DAYS: String(config.schedule.maxImageAgeDays),
        // The forecast tests the staging space as preflight does (STAGING_FULL_SOON).
        STAGING_SIZE_FACTOR: String(config.workflow.stagingSizeFactor),
        STAGING_WARN_WEEKS: String(config.forecast.stagingWarnWeeks),
        // RESTORE_TEST_OVERDUE while restore tests are on (0: off).
        RESTORE_WINDOW_DAYS: String(config.restoreTests.enabled ? config.restoreTests.windowDays : 0),
      },
      // 2 S3 calls a host through its catalog index (its listing and its index), 32 hosts at a time:
      // 20,000 calls at 10,000 hosts, 15 ms of CPU a host locally (SDK and s3rver in one process). A host
      // without an index costs a GET per record (15 ms → 45 ms a host at 13 weeks), so the headroom
      // stays: 15 minutes (the state's task timeout is 16) and twice the memory, for twice the CPU
      // share: README, Performance.
      timeout: Duration.minutes(15),
      memorySize: 1024,
      store: store.freshness,
    },
    'restore-test': {
      description: 'Plans restore tests, signs the image URL, writes each result into its image record',
      environment: {
        BUCKET,
        TOPIC_ARN: topic.topicArn,
        RESTORE_TESTS: JSON.stringify(config.restoreTests),
        URL_EXPIRY_SECONDS: String(config.transfer.urlExpirySeconds),
      },
      timeout: Duration.minutes(5),
      store: store['restore-test'],
      publishes: true,
    },
  };
}

/** Grants `fn` what its row says: its other services, its objects in the store, the alert topic. */
export function grantFunction(
  fn: HandlerFunction,
  spec: FunctionSpec,
  store: { readonly bucket: s3.IBucket; readonly topic: sns.ITopic },
): void {
  for (const statement of spec.statements ?? []) fn.role.addToPrincipalPolicy(statement);
  grantStoreAccess(fn, store.bucket, spec.store);
  if (spec.publishes) store.topic.grantPublish(fn);
}
