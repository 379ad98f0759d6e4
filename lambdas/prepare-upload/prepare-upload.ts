// prepare-upload: creates the multipart upload for one image, presigns one UploadPart URL per part
// and one PutObject URL per sidecar, writes them as a manifest object, and returns only the
// manifest's key and a presigned GET of it — the state machine never carries the URLs. It refuses
// a key whose image is verified already: a second run on the same day must not replace a good image
// (a FAILed one it may: the same-day re-run after a TINY_IMAGE).
// A retried transfer resumes: prepare-upload keeps the open upload of each image in a small object
// (uploads/resume/<host>/<image>.json: upload id, SHA-256, size, part size) and, when it is asked
// again for the same image (same SHA-256, size and cut), lists the parts S3 already holds
// (ListParts) and puts each one's ETag on its manifest line: the transfer sends only the others.
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListParts,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { readText } from '../adapters/catalog.js';
import { refuseIfVerified } from '../adapters/host-claim.js';
import { kindOf, storeCall } from '../adapters/store-error.js';
import { parseWith } from '../adapters/validation.js';
import {
  type ImageSidecar,
  imageKey,
  imageName,
  manifestKey,
  SIDECAR_SUFFIXES,
  sidecarKey,
  transferReportKey,
  UPLOADS_PREFIX,
  validateHostName,
  validateVolumeGroup,
} from '../core/catalog-keys.js';
import { metadataValue } from '../core/metadata-value.js';
import {
  type ManifestPart,
  type OpenUpload,
  OpenUploadSchema,
  planParts,
  renderManifest,
  type Sidecar,
} from '../core/upload-manifest.js';
import {
  type PrepareUploadInput,
  PrepareUploadInputSchema,
  type PrepareUploadOutput,
  PrepareUploadOutputSchema,
} from './schema.js';

export interface PrepareUploadDeps {
  readonly s3: S3Client;
  /** Built with `requestChecksumCalculation: 'WHEN_REQUIRED'`: a default client signs an empty-body checksum. */
  readonly presignClient: S3Client;
  readonly bucket: string;
  readonly partSizeBytes: number;
  readonly urlExpirySeconds: number;
  readonly now: () => Date;
}

export async function prepareUpload(event: unknown, deps: PrepareUploadDeps): Promise<PrepareUploadOutput> {
  const input: PrepareUploadInput = parseWith(PrepareUploadInputSchema, event, 'prepare-upload input');
  const ref = {
    host: input.host,
    kind: input.kind,
    volumeGroup: input.kind === 'mksysb' ? 'rootvg' : validateVolumeGroup(input.volumeGroup, input.host),
    date: input.date,
  };
  const key = imageKey(ref);
  const name = imageName(ref);
  const mKey = manifestKey(input.runId, input.host, name);
  const ctx = (action: string, k = key) => ({ action, key: k, host: input.host });
  const plan = planParts(input.sizeBytes, deps.partSizeBytes);
  const expiresAt = new Date(deps.now().getTime() + deps.urlExpirySeconds * 1000).toISOString();

  await refuseIfVerified({ client: deps.s3, bucket: deps.bucket }, input.host, key);
  const resumeKey = openUploadKey(input.host, name);
  const wanted = { key, sha256: input.sha256, sizeBytes: input.sizeBytes, partSize: plan.partSize };
  const open = await findOpenUpload(deps, input.host, resumeKey, wanted);
  const created = open
    ? null
    : await storeCall(ctx('creating the multipart upload'), () =>
        deps.s3.send(
          new CreateMultipartUploadCommand({
            Bucket: deps.bucket,
            Key: key,
            ContentType: 'application/octet-stream',
            // Header-safe whatever the host printed: a non-ASCII OS level is percent-encoded.
            Metadata: {
              host: metadataValue(input.host),
              date: metadataValue(input.date),
              sha256: metadataValue(input.sha256),
              oslevel: metadataValue(input.osLevel ?? 'unknown'),
              runid: metadataValue(input.runId),
            },
          }),
        ),
      );
  const uploadId = open ? open.upload.uploadId : created?.UploadId;
  if (!uploadId) throw new Error(`S3 returned no UploadId for ${key} (host ${input.host})`);
  const stored = open?.parts ?? new Map<number, { etag: string; size: number }>();
  const etagsAreMd5 = open
    ? open.upload.etagsAreMd5
    : !String(created?.ServerSideEncryption ?? '').startsWith('aws:kms');

  try {
    const expiry = { expiresIn: deps.urlExpirySeconds };
    // Each sidecar URL writes once (a signed If-None-Match or If-Match, see SidecarConditionSchema).
    const signPut = async (k: string): Promise<Pick<Sidecar, 'url' | 'condition'>> => {
      const etag = await currentEtag(deps, input.host, k);
      const condition = etag === null ? { IfNoneMatch: '*' } : { IfMatch: `"${etag}"` };
      return {
        url: await getSignedUrl(
          deps.presignClient,
          new PutObjectCommand({ Bucket: deps.bucket, Key: k, ...condition }),
          expiry,
        ),
        condition: etag === null ? 'if-none-match=*' : `if-match=${etag}`,
      };
    };
    const parts: ManifestPart[] = [];
    for (let n = 1; n <= plan.count; n += 1) {
      const offset = (n - 1) * plan.partSize;
      const url = await getSignedUrl(
        deps.presignClient,
        new UploadPartCommand({ Bucket: deps.bucket, Key: key, UploadId: uploadId, PartNumber: n }),
        expiry,
      );
      const length = Math.min(plan.partSize, input.sizeBytes - offset);
      const held = stored.get(n);
      // A part S3 holds at its planned length is not sent again (the transfer checks its ETag first).
      parts.push(
        held && held.size === length
          ? { partNumber: n, offset, length, url, stored: { etag: held.etag, isMd5: etagsAreMd5 } }
          : { partNumber: n, offset, length, url },
      );
    }
    const sidecars: Sidecar[] = [];
    for (const sidecar of Object.keys(SIDECAR_SUFFIXES) as ImageSidecar[]) {
      // Only a VIOS whose viosbr made an archive has one to send: no URL is signed for nothing.
      if (sidecar === 'viosbr' && input.viosbr?.status !== 'ok') continue;
      sidecars.push({ name: sidecar, ...(await signPut(sidecarKey(key, sidecar))) });
    }
    sidecars.push({
      name: 'transfer-report',
      ...(await signPut(transferReportKey(input.runId, input.host, name))),
    });
    const text = renderManifest({
      key,
      sizeBytes: input.sizeBytes,
      partSize: plan.partSize,
      expiresAt,
      parts,
      sidecars,
    });
    await storeCall(ctx('writing the upload manifest', mKey), () =>
      deps.s3.send(
        new PutObjectCommand({ Bucket: deps.bucket, Key: mKey, Body: text, ContentType: 'text/plain' }),
      ),
    );
    // Written once the manifest is: a record never names an upload nothing could use.
    if (!open) {
      const record: OpenUpload = {
        ...wanted,
        uploadId,
        etagsAreMd5,
        createdAt: deps.now().toISOString(),
      };
      await storeCall(ctx('writing the open upload record', resumeKey), () =>
        deps.s3.send(
          new PutObjectCommand({
            Bucket: deps.bucket,
            Key: resumeKey,
            Body: JSON.stringify(record),
            ContentType: 'application/json',
          }),
        ),
      );
    }
    // The manifest URL travels in the state machine's input and the SSM command's parameters, both
    // kept in their histories: it lives only as long as SSM may take to deliver the command.
    const manifestUrl = await getSignedUrl(
      deps.presignClient,
      new GetObjectCommand({ Bucket: deps.bucket, Key: mKey }),
      { expiresIn: Math.min(deps.urlExpirySeconds, MANIFEST_URL_SECONDS) },
    );
    return parseWith(
      PrepareUploadOutputSchema,
      {
        key,
        uploadId,
        manifestKey: mKey,
        manifestUrl,
        partCount: plan.count,
        partSize: plan.partSize,
        resumedParts: parts.filter((p) => p.stored).length,
      },
      'prepare-upload output',
    );
  } catch (error) {
    // Nothing can use an upload without its manifest: abort it now rather than wait for the lifecycle
    // rule. A resumed one is left as it is: the next attempt may resume it again.
    if (open) throw error;
    await deps.s3
      .send(new AbortMultipartUploadCommand({ Bucket: deps.bucket, Key: key, UploadId: uploadId }))
      .catch(() => undefined);
    throw error;
  }
}

/** Lifetime of the manifest's GET URL: SSM's delivery timeout (600 s) and a margin for the download. */
export const MANIFEST_URL_SECONDS = 900;

/** The ETag of the object at `key` (no quotes), or null when there is none. */
async function currentEtag(deps: PrepareUploadDeps, host: string, key: string): Promise<string | null> {
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key }));
    // (S3 always gives one; a stand-in that gives none is taken as no object: the PUT then 412s.)
    if (!head?.ETag) return null;
    const etag = String(head.ETag).replace(/"/g, '').toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(etag))
      throw new Error(`${key} (host ${host}) has ETag ${head.ETag}, not one a conditional PUT can name`);
    return etag;
  } catch (error) {
    if (kindOf(error) === 'not-found') return null;
    return storeCall({ action: 'checking a sidecar before signing its URL', key, host }, () =>
      Promise.reject(error),
    );
  }
}

/** Where prepare-upload keeps the open multipart upload of one image (docs/s3-layout.md). */
export function openUploadKey(host: string, name: string): string {
  return `${UPLOADS_PREFIX}resume/${validateHostName(host)}/${name}.json`;
}

interface FoundUpload {
  readonly upload: OpenUpload;
  readonly parts: Map<number, { etag: string; size: number }>;
}

/**
 * The open upload of this very image (same key, SHA-256, size and part size) and the parts S3 holds
 * of it, or null: no record, a record of another image or cut, an unreadable record, or an upload S3
 * no longer has (completed, aborted, expired) all mean a new upload.
 */
async function findOpenUpload(
  deps: PrepareUploadDeps,
  host: string,
  resumeKey: string,
  wanted: Pick<OpenUpload, 'key' | 'sha256' | 'sizeBytes' | 'partSize'>,
): Promise<FoundUpload | null> {
  const text = await readText({ client: deps.s3, bucket: deps.bucket }, resumeKey, {
    action: 'reading the open upload record',
    host,
    optional: true,
  });
  if (text === null) return null;
  let upload: OpenUpload;
  try {
    upload = OpenUploadSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
  if (
    upload.key !== wanted.key ||
    upload.sha256 !== wanted.sha256 ||
    upload.sizeBytes !== wanted.sizeBytes ||
    upload.partSize !== wanted.partSize
  )
    return null;
  const parts = new Map<number, { etag: string; size: number }>();
  try {
    const listing = { Bucket: deps.bucket, Key: upload.key, UploadId: upload.uploadId };
    for await (const page of paginateListParts({ client: deps.s3 }, listing)) {
      for (const p of page.Parts ?? []) {
        const etag = String(p.ETag ?? '')
          .replace(/"/g, '')
          .toLowerCase();
        if (p.PartNumber && /^[0-9a-f]{32}$/.test(etag))
          parts.set(p.PartNumber, { etag, size: p.Size ?? -1 });
      }
      // A last page may still name a NextPartNumberMarker; only IsTruncated says there is more.
      if (!page.IsTruncated) break;
    }
  } catch (error) {
    if (kindOf(error) === 'no-such-upload') return null;
    return storeCall({ action: 'listing the parts of the open upload', key: upload.key, host }, () =>
      Promise.reject(error),
    );
  }
  return { upload, parts };
}
