// verify: judges one uploaded image from what was said about it — its `lsmksysb -lf` listing, its
// run log, its size against the host's own history (read from the catalog records) — and from what
// inspect-image found in the stored bytes (checksum, archive, boot files: judgeContent), and writes
// its record, which is what makes it an image in the catalog. The record also says what changed since
// the series' previous image (changes.ts: the two content indexes and fileset listings), and the size
// and OS level findings quote it. It reads only small objects itself — sidecars, records, indexes of
// a bounded size — never the image: its S3 calls and time do not grow with the image.
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  listObjects,
  type RecordProblem,
  readRecords,
  readText,
  type StoreLocation,
  writeRecord,
} from '../adapters/catalog.js';
import { indexRecord } from '../adapters/catalog-index.js';
import { readHostCatalog } from '../adapters/host-catalog.js';
import { StoreError, storeCall } from '../adapters/store-error.js';
import { parseTransferReport } from '../adapters/transfer-report.js';
import { parseWith } from '../adapters/validation.js';
import { type Anomaly, anomaly, formatBytes, verdictOf } from '../core/anomaly.js';
import { type ContentClaims, judgeContent } from '../core/bff/content-check.js';
import type { CatalogImage } from '../core/catalog-index.js';
import {
  dayOf,
  hostPrefix,
  imageName,
  sidecarKey,
  transferReportKey,
  uploadedImageRef,
} from '../core/catalog-keys.js';
import { explainByExcludeList } from '../core/exclude-list.js';
import { mergeHistory, sizeHistoryOf } from '../core/image-history.js';
import {
  type ContentCheck,
  excludeListOf,
  historyEntryOf,
  IMAGE_RECORD_SCHEMA_VERSION,
  type ImageRecord,
} from '../core/image-record.js';
import type { VerificationPolicy } from '../core/policy.js';
import { explainAnomalies, judgeImage, ROOTVG_BOOT_LVS } from '../core/verdict.js';
import { judgeViosbr, VIOSBR_MAX_BYTES, type ViosbrJudgement } from '../core/viosbr.js';
import type { InspectImageOutput } from '../inspect-image/schema.js';
import { compareWithEarlier, imageToCompareWith } from './changes.js';
import { type VerifyInput, VerifyInputSchema, type VerifyOutput, VerifyOutputSchema } from './schema.js';

export interface VerifyDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly policy: VerificationPolicy;
  readonly historyLimit: number;
  readonly now: () => Date;
  /** Where a failure to update the catalog index is said (it never fails the verification). @default console.warn */
  readonly warn?: (message: string) => void;
}

/** The most of a sidecar verify reads: a mksysb -v log of a large rootvg is tens of MB. */
export const SIDECAR_MAX_BYTES = 32 * 1024 * 1024;

export async function verifyImage(event: unknown, deps: VerifyDeps): Promise<VerifyOutput> {
  const started = deps.now();
  const input: VerifyInput = parseWith(VerifyInputSchema, event, 'verify input');
  const store = { client: deps.s3, bucket: deps.bucket };
  const ref = uploadedImageRef(input, 'verify');
  const { key } = ref;

  // The record must only ever describe a complete object: check it is there, at the size checked on completion.
  const head = await storeCall({ action: 'finding the image', key, host: input.host }, () =>
    deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key })),
  );
  if (head.ContentLength !== input.sizeBytes)
    throw new Error(
      `${input.host}: ${key} is ${head.ContentLength} bytes in S3 but ${input.sizeBytes} were reported: not verifying a different object`,
    );

  const read = (sidecar: 'lsmksysb' | 'log') =>
    readText(store, sidecarKey(key, sidecar), {
      action: `reading the ${sidecar} sidecar`,
      host: input.host,
      optional: true,
      // A sidecar can be any size (it is PUT through a presigned URL): verify's memory stays bounded.
      maxBytes: SIDECAR_MAX_BYTES,
    });
  const reportKey = transferReportKey(input.runId, input.host, imageName(ref));
  const [lsmksysbText, logText, reportText] = await Promise.all([
    read('lsmksysb'),
    read('log'),
    readText(store, reportKey, { action: 'reading the transfer report', host: input.host, optional: true }),
  ]);

  const objects = await listObjects(store, hostPrefix(input.host), input.host);
  const series = {
    kind: input.kind,
    volumeGroup: ref.volumeGroup,
    beforeDay: dayOf(input.date),
    newest: deps.historyLimit,
  };
  // The series' earlier images through the host's catalog index: one GET for the index, the records
  // and history entries it lacks (a writer that stopped before its index update) read as well, so the
  // baseline never misses a PASS image the index does not know yet.
  const catalog = await readHostCatalog(store, input.host, { objects, filter: series, history: true });
  // Images retention deleted still count: their entries keep the baseline months deep.
  const baseline = mergeHistory(
    [
      ...catalog.images.map((image) => ({ key: image.key, entry: historyEntryOf(image) })),
      ...catalog.retired.map((e) => ({ key: e.key, entry: sizeHistoryOf(e) })),
    ],
    catalog.historyRead,
    (known) => known.entry,
    deps.historyLimit,
  );

  // The image to compare with, chosen from the index's entries: only its record is read (it names
  // the content index). A record that cannot be read is a history problem like any other.
  const earlierRead = await recordOf(store, input.host, imageToCompareWith(catalog.images), catalog.records);
  const earlierRecord = earlierRead.record;

  // An ioscli VIOS's mksysb comes without a listing; any other image without one is an anomaly.
  const unlisted = input.listing === 'none' && input.kind === 'mksysb' && Boolean(input.viosbr);
  const judgement = judgeImage(
    {
      host: input.host,
      kind: input.kind,
      volumeGroup: ref.volumeGroup,
      date: input.date,
      sizeBytes: input.sizeBytes,
      lsmksysbText,
      logText,
      tocFileCount: input.tocFileCount,
      osLevel: input.osLevel,
      listing: unlisted ? 'none' : 'host',
    },
    baseline,
    deps.policy,
    { historyProblems: [...catalog.problems, ...earlierRead.problems].map((p) => p.problem) },
  );

  // The claims above are judged against the evidence: what the stored bytes hold.
  const stored = judgeStoredContent(
    input.content,
    {
      kind: input.kind,
      volumeGroup: ref.volumeGroup,
      hostSha256: input.sha256,
      sizeBytes: input.sizeBytes,
      logFilesBackedUp: judgement.log?.filesBackedUp ?? null,
      lsmksysb: judgement.lsmksysb,
    },
    deps.policy,
    key,
  );
  // What changed since the previous image explains the findings; it never changes the verdict.
  const changes = await compareWithEarlier(
    store,
    { host: input.host, key, content: input.content, osLevel: judgement.osLevel },
    earlierRecord ? [earlierRecord] : [],
    objects,
  );
  // An exclude list that changed since the image compared with explains a change of size too.
  const earlier = changes && earlierRecord;
  // A VIOS's image is whole only with its viosbr archive beside it, read and checked here.
  const viosbr = input.viosbr ? await checkViosbr(deps, input.host, key, input.viosbr) : null;
  const anomalies = explainByExcludeList(
    explainAnomalies(
      [
        ...judgement.anomalies,
        ...stored.anomalies,
        ...(unlisted ? judgeUnlistedImage(input.content) : []),
        ...(viosbr?.anomalies ?? []),
      ],
      changes,
    ),
    earlier ? excludeListOf(earlier) : undefined,
    input.excludeList,
  );
  const verdict = verdictOf(anomalies);

  let partMd5s: string[] = [];
  if (reportText !== null) {
    try {
      partMd5s = parseTransferReport(reportText, reportKey).map((p) => p.md5);
    } catch {
      // complete-upload already judged the report; the record just goes without the part list.
    }
  }
  const finished = deps.now();
  const record: ImageRecord = {
    schemaVersion: IMAGE_RECORD_SCHEMA_VERSION,
    host: input.host,
    kind: input.kind,
    volumeGroup: ref.volumeGroup,
    date: input.date,
    key,
    sizeBytes: input.sizeBytes,
    sha256: input.sha256,
    partMd5s,
    etag: head.ETag ? head.ETag.replace(/"/g, '') : null,
    osLevel: judgement.osLevel,
    lsmksysb: judgement.lsmksysb,
    log: judgement.log && {
      outcome: judgement.log.outcome,
      codes: judgement.log.codes,
      reasons: judgement.log.reasons,
      filesBackedUp: judgement.log.filesBackedUp,
    },
    anomalies,
    verdict,
    timings: { ...input.timings, verifySeconds: (finished.getTime() - started.getTime()) / 1000 },
    runId: input.runId,
    verifiedAt: finished.toISOString(),
    content: stored.check,
    changes,
    staging: input.staging,
    ...(input.excludeList === undefined ? {} : { excludeList: input.excludeList }),
    ...(viosbr ? { hostKind: 'vios' as const, viosbr: viosbr.check } : {}),
  };
  const recordKey = await writeRecord(store, record);
  // The record made the image; the host's index is a cache of it, brought up to date after it. A
  // failure here is logged, never the verification's: the next writer or `catalog rebuild` repairs it.
  // The earlier records and history entries it read fill in entries an earlier writer failed to add.
  const indexProblem = await indexRecord(store, record, {
    records: catalog.records,
    history: catalog.historyRead,
    ...(catalog.stored ? { index: catalog.stored } : {}),
  });
  if (indexProblem !== null) (deps.warn ?? console.warn)(indexProblem);
  return parseWith(VerifyOutputSchema, { verdict, anomalies, recordKey }, 'verify output');
}

/** Reads a VIOS's viosbr sidecar (at most VIOSBR_MAX_BYTES) and judges it against the backup's claim. */
async function checkViosbr(
  deps: VerifyDeps,
  host: string,
  image: string,
  claim: NonNullable<VerifyInput['viosbr']>,
): Promise<ViosbrJudgement> {
  const key = sidecarKey(image, 'viosbr');
  if (claim.status !== 'ok') return judgeViosbr(claim, null, key);
  let bytes: Uint8Array | null;
  try {
    const object = await storeCall({ action: 'reading the viosbr archive', key, host }, () =>
      deps.s3.send(
        new GetObjectCommand({ Bucket: deps.bucket, Key: key, Range: `bytes=0-${VIOSBR_MAX_BYTES - 1}` }),
      ),
    );
    bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (error) {
    if (!(error instanceof StoreError && error.kind === 'not-found')) throw error;
    bytes = null;
  }
  return judgeViosbr(claim, bytes, key);
}

/** The record of `image`: the one already read, else one GET; null when there is none or it is gone. */
async function recordOf(
  store: StoreLocation,
  host: string,
  image: CatalogImage | null,
  read: readonly ImageRecord[],
): Promise<{ record: ImageRecord | null; problems: readonly RecordProblem[] }> {
  if (image === null) return { record: null, problems: [] };
  const known = read.find((r) => r.key === image.key);
  if (known) return { record: known, problems: [] };
  const { records, problems } = await readRecords(store, host, [image.key]);
  return { record: records[0] ?? null, problems };
}

export interface StoredContentJudgement {
  readonly anomalies: Anomaly[];
  /** What goes into the record; null when the stored bytes were never read. */
  readonly check: ContentCheck | null;
}

/**
 * An image nobody listed (an ioscli VIOS's mksysb): the listing's boot check made on the stored
 * archive's own image.data instead: rootvg's boot and root logical volumes (ROOTVG_BOOT_LVS) must be
 * in it. A content check that did not finish is CONTENT_UNVERIFIED already (never PASS).
 */
export function judgeUnlistedImage(inspection: InspectImageOutput | undefined): Anomaly[] {
  if (!inspection?.complete) return [];
  const data = inspection.content.imageData;
  const missing = ROOTVG_BOOT_LVS.filter((lv) => !data?.logicalVolumes.includes(lv));
  if (data && missing.length === 0) return [];
  return [
    anomaly(
      'NOT_BOOTABLE',
      'fail',
      data
        ? `no listing, and the image's ${data.source} lacks ${missing.join(', ')}: the image cannot boot`
        : 'no listing, and no image.data in the stored archive: nothing shows it is a bootable rootvg',
      { missing: missing.join(','), listing: 'none' },
    ),
  ];
}

/**
 * The stored bytes against the claims (judgeContent). An image is PASS only once its bytes were read
 * to the end: no inspection, or one the deadline cut short, is CONTENT_UNVERIFIED (warn).
 */
export function judgeStoredContent(
  inspection: InspectImageOutput | undefined,
  claims: ContentClaims,
  policy: VerificationPolicy,
  key: string,
): StoredContentJudgement {
  if (!inspection)
    return {
      anomalies: [
        anomaly(
          'CONTENT_UNVERIFIED',
          'warn',
          `the stored bytes of ${key} were never read: its checksum and archive are the host's word only`,
          { bytesRead: 0, sizeBytes: claims.sizeBytes },
        ),
      ],
      check: null,
    };
  const report = inspection.content;
  const anomalies = inspection.complete
    ? judgeContent(report, claims, policy)
    : [
        anomaly(
          'CONTENT_UNVERIFIED',
          'warn',
          `only ${formatBytes(report.bytesRead)} of the ${formatBytes(claims.sizeBytes)} stored were read before the content check's deadline (${inspection.seconds} s): checksum and archive not verified`,
          { bytesRead: report.bytesRead, sizeBytes: claims.sizeBytes, seconds: inspection.seconds },
        ),
      ];
  return {
    anomalies,
    check: {
      checkedAt: inspection.checkedAt,
      complete: inspection.complete,
      bytesRead: report.bytesRead,
      // The hash of part of the object is no checksum of it.
      sha256: inspection.complete ? report.sha256 : null,
      entries: report.entries,
      files: report.files,
      codes: [...new Set(anomalies.map((a) => a.code))],
      indexKey: inspection.indexKey,
    },
  };
}
