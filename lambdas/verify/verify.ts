// verify: judges one uploaded image from what was said about it — its `lsmksysb -lf` listing, its
// run log, its size against the host's own history (read from the catalog records) — and writes its
// record, which is what makes it an image in the catalog. It reads only small objects: its S3 calls
// and time do not grow with the image.
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { listHostRecords, listObjects, readText, writeRecord } from '../catalog/catalog.js';
import { storeCall } from '../catalog/store-error.js';
import { parseTransferReport } from '../catalog/transfer-report.js';
import { parseWith } from '../catalog/validation.js';
import {
  dayOf,
  hostPrefix,
  imageKey,
  imageName,
  sidecarKey,
  transferReportKey,
} from '../shared/catalog-keys.js';
import { historyEntryOf, IMAGE_RECORD_SCHEMA_VERSION, type ImageRecord } from '../shared/image-record.js';
import type { VerificationPolicy } from '../shared/policy.js';
import { judgeImage } from '../shared/verdict.js';
import { type VerifyInput, VerifyInputSchema, type VerifyOutput, VerifyOutputSchema } from './schema.js';

export interface VerifyDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly policy: VerificationPolicy;
  readonly historyLimit: number;
  readonly now: () => Date;
}

/** The most of a sidecar verify reads: a mksysb -v log of a large rootvg is tens of MB. */
export const SIDECAR_MAX_BYTES = 32 * 1024 * 1024;

export async function verifyImage(event: unknown, deps: VerifyDeps): Promise<VerifyOutput> {
  const started = deps.now();
  const input: VerifyInput = parseWith(VerifyInputSchema, event, 'verify input');
  const store = { client: deps.s3, bucket: deps.bucket };
  const ref = {
    host: input.host,
    kind: input.kind,
    volumeGroup: input.kind === 'mksysb' ? 'rootvg' : input.volumeGroup,
    date: input.date,
  };
  const key = imageKey(ref);
  if (key !== input.key)
    throw new Error(
      `verify input for ${input.host}: key ${input.key} does not match its host, kind and date (${key})`,
    );

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
  const history = await listHostRecords(
    store,
    input.host,
    {
      kind: input.kind,
      volumeGroup: ref.volumeGroup,
      beforeDay: dayOf(input.date),
      newest: deps.historyLimit,
    },
    objects,
  );

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
    },
    history.records.map(historyEntryOf),
    deps.policy,
    { historyProblems: history.problems.map((p) => p.problem) },
  );

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
    anomalies: judgement.anomalies,
    verdict: judgement.verdict,
    timings: { ...input.timings, verifySeconds: (finished.getTime() - started.getTime()) / 1000 },
    runId: input.runId,
    verifiedAt: finished.toISOString(),
  };
  const recordKey = await writeRecord(store, record);
  return parseWith(
    VerifyOutputSchema,
    { verdict: judgement.verdict, anomalies: judgement.anomalies, recordKey },
    'verify output',
  );
}
