// Who may do what in the image store: for each function, the S3 actions it uses and the key patterns it
// uses them on, read from its handler (keys from lambdas/core/catalog-keys.ts), and nothing more. The
// keys tell an image from its record, its sidecars and its content index by how they end (an image's
// name ends in its day, `_YYYY-MM-DD`), so IAM wildcards can give each writer only its own objects:
// verify puts records (and its host's catalog index), inspect-image content indexes, prepare-upload images and sidecars. No role may
// shorten an Object Lock (no s3:BypassGovernanceRetention) or delete an object version (the bucket policy denies it to every principal, lib/constructs/image-store.ts):
// a delete on the versioned bucket only adds a delete marker, and noncurrent versions go by the
// lifecycle rule alone, which never removes a version Object Lock still holds.
// docs/deploy.md ("Who may do what in the bucket") is this table in words;
// test/lib/constructs/store-access.test.ts reads it back from the synthesized template.
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import {
  CATALOG_PREFIX,
  CONTENT_INDEX_SUFFIX,
  IMAGES_PREFIX,
  LOCKS_PREFIX,
  QUARANTINE_PREFIX,
  RECORD_SUFFIX,
  RUNS_PREFIX,
  SIDECAR_SUFFIXES,
  UPLOADS_PREFIX,
} from '../../lambdas/core/catalog-keys.js';
import type { HandlerName } from './handler-function.js';

/** Key patterns (IAM wildcards) of the store's objects. */
export const STORE_KEYS = {
  /** Everything under images/: images, records, sidecars, content indexes. */
  images: `${IMAGES_PREFIX}*`,
  /** The images themselves: `<host>_mksysb_<day>`, `<host>_savevg_<vg>_<day>`. */
  image: `${IMAGES_PREFIX}*_????-??-??`,
  /** The sidecars the host's transfer writes beside an image. */
  sidecars: Object.values(SIDECAR_SUFFIXES).map((suffix) => `${IMAGES_PREFIX}*_????-??-??${suffix}`),
  record: `${IMAGES_PREFIX}*${RECORD_SUFFIX}`,
  contentIndex: `${IMAGES_PREFIX}*${CONTENT_INDEX_SUFFIX}`,
  uploads: `${UPLOADS_PREFIX}*`,
  quarantine: `${QUARANTINE_PREFIX}*`,
  locks: `${LOCKS_PREFIX}*`,
  runs: `${RUNS_PREFIX}*`,
  /** The weekly run's fleet snapshot, the Distributed Map's items: `runs/<day>/<run>/fleet.json`. */
  runFleet: `${RUNS_PREFIX}*/fleet.json`,
  /** The hosts the weekly run will not start, with why: `runs/<day>/<run>/not-started.json`. */
  runNotStarted: `${RUNS_PREFIX}*/not-started.json`,
  /** The fleet entries load-fleet skipped as invalid, beside the snapshot: `runs/<day>/<run>/fleet-problems.json`. */
  runFleetProblems: `${RUNS_PREFIX}*/fleet-problems.json`,
  /** The daily freshness check's findings, beside its snapshot: `runs/<day>/<run>/findings.json`. */
  freshnessFindings: `${RUNS_PREFIX}*/findings.json`,
  /** The weekly Distributed Map's ResultWriter output: `runs/<day>/<run>/map/<map run>/…`. */
  mapResults: `${RUNS_PREFIX}*/map/*`,
  /** record-failure's records: `runs/<day>/<run>/failures/<host>….json`. */
  failureRecords: `${RUNS_PREFIX}*/failures/*`,
  /** A host's history entries, kept after retention deletes the image. */
  history: 'history/*',
  /** Operators' acknowledgements of alert codes (`mksysb-vault ack`). */
  acks: 'acks/*',
  /** Per-host catalog indexes (`catalog/<host>/index.json`), read-modify-written by their writers. */
  catalog: `${CATALOG_PREFIX}*`,
} as const;

/** What one function may do in the store, by kind of access: key patterns. */
export interface StoreAccess {
  /** s3:GetObject (GET, HEAD, a copy's source); with s3:ListBucket, so a missing key is 404, not 403. */
  readonly get?: readonly string[];
  /** s3:PutObject: a PUT, CreateMultipartUpload, UploadPart (also through a URL it signs), completion, a copy's target. */
  readonly put?: readonly string[];
  /** s3:DeleteObject: on the versioned bucket, a delete marker; never a version. */
  readonly delete?: readonly string[];
  readonly abortUpload?: readonly string[];
  /** s3:ListMultipartUploadParts: resuming an open upload. */
  readonly listParts?: readonly string[];
  /** s3:GetObjectRetention: whether Object Lock still holds an object. */
  readonly getRetention?: readonly string[];
  /**
   * s3:PutObjectRetention: extending an object's lock (a kept image promoted to a monthly keeper). Never
   * with s3:BypassGovernanceRetention, which no role has: a lock can be lengthened, not shortened.
   */
  readonly extendRetention?: readonly string[];
}

const K = STORE_KEYS;

/** Each function's access, from what its handler does (see the comment on each). */
export function storeAccess(options: { objectLock: boolean }): Readonly<Record<HandlerName, StoreAccess>> {
  return {
    // The fleet's history (records) and the host-day claim it takes; the run's fleet snapshot, the hosts
    // it will not start and (the freshness check's) the fleet's problems (runs/<day>/<run>/…).
    'load-fleet': {
      get: [K.images, K.locks],
      put: [K.locks, K.runFleet, K.runNotStarted, K.runFleetProblems],
    },
    'await-command': {},
    // Creates the multipart upload and signs the host's URLs: the parts and sidecars (images/), the
    // manifest, the transfer report and the resume record (uploads/); aborts or resumes the upload.
    'prepare-upload': {
      get: [K.images, K.uploads],
      put: [K.image, ...K.sidecars, K.uploads],
      abortUpload: [K.image],
      listParts: [K.image],
    },
    // Completes the upload; an image that fails its checks is copied to quarantine/ and its key
    // deleted (a delete marker: the bytes stay a noncurrent version until the lifecycle rule).
    'complete-upload': {
      get: [K.images, K.uploads],
      put: [K.image, K.quarantine],
      delete: [K.image],
      abortUpload: [K.image, K.quarantine],
    },
    'inspect-image': { get: [K.images], put: [K.contentIndex] },
    // Reads the image's objects, the transfer report and the host's history; writes the record only.
    verify: { get: [K.images, K.uploads, K.history, K.catalog], put: [K.record, K.catalog] },
    'record-failure': { put: [K.failureRecords], abortUpload: [K.image] },
    // Acknowledgements, the freshness check's findings, and giving up the host-day claim.
    notify: { get: [K.locks, K.acks, K.freshnessFindings], delete: [K.locks] },
    // The one function that deletes images: the image, its sidecars and index, its record last, after
    // writing the image's history entry. Under Object Lock it reads locks and extends a kept image's.
    retention: {
      get: [K.images, K.catalog],
      put: [K.history, K.catalog],
      delete: [K.images],
      ...(options.objectLock ? { getRetention: [K.images], extendRetention: [K.images] } : {}),
    },
    // Reads the Distributed Map's results and the hosts not started back, writes the report.
    'run-report': { get: [K.mapResults, K.runNotStarted], put: [K.runs] },
    // Records, and each host's catalog index (the restore tests of images retention deleted since); the
    // inventory load-fleet wrote, and its findings beside it.
    freshness: {
      get: [K.images, K.catalog, K.runFleet, K.runFleetProblems],
      put: [K.freshnessFindings],
    },
    // Reads records (each host's newest PASS image, its last tests) and signs the image's GET URL for
    // the test LPAR; writes a record only to add a restore test to it (a conditional update), then
    // the image's entry in its host's catalog index.
    'restore-test': { get: [K.images, K.catalog], put: [K.record, K.catalog] },
  };
}

/** Grants `access` in `bucket` (and the bucket key's use) to `grantee`. */
export function grantStoreAccess(grantee: iam.IGrantable, bucket: s3.IBucket, access: StoreAccess): void {
  const on = (patterns: readonly string[] | undefined) =>
    (patterns ?? []).map((p) => bucket.arnForObjects(p));
  const allow = (actions: string[], patterns: readonly string[] | undefined) => {
    if (!patterns?.length) return;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions, resources: on(patterns) }),
    );
  };
  allow(['s3:GetObject'], access.get);
  allow(['s3:PutObject'], access.put);
  allow(['s3:DeleteObject'], access.delete);
  allow(['s3:AbortMultipartUpload'], access.abortUpload);
  allow(['s3:ListMultipartUploadParts'], access.listParts);
  allow(['s3:GetObjectRetention'], access.getRetention);
  allow(['s3:PutObjectRetention'], access.extendRetention);
  const reads = Boolean(access.get?.length);
  const writes = Boolean(access.put?.length);
  if (reads)
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
    );
  // SSE-KMS: reading decrypts; a PUT needs a data key, and a multipart upload or a copy also decrypts.
  if (reads || writes) bucket.encryptionKey?.grant(grantee, 'kms:Decrypt');
  if (writes) bucket.encryptionKey?.grant(grantee, 'kms:GenerateDataKey');
}
