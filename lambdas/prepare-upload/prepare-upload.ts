// prepare-upload: creates the multipart upload for one image, presigns one UploadPart URL per part
// and one PutObject URL per sidecar, writes them as a manifest object, and returns only the
// manifest's key and a presigned GET of it — the state machine never carries the URLs. It refuses
// a key whose image is verified already: a second run on the same day must not replace a good image
// (a FAILed one it may: the same-day re-run after a TINY_IMAGE).
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { refuseIfVerified } from '../catalog/host-claim.js';
import { storeCall } from '../catalog/store-error.js';
import { parseWith } from '../catalog/validation.js';
import {
  type ImageSidecar,
  imageKey,
  imageName,
  manifestKey,
  SIDECAR_SUFFIXES,
  sidecarKey,
  transferReportKey,
  validateVolumeGroup,
} from '../shared/catalog-keys.js';
import { metadataValue } from '../shared/metadata-value.js';
import { type ManifestPart, planParts, renderManifest, type Sidecar } from '../shared/upload-manifest.js';
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
  const created = await storeCall(ctx('creating the multipart upload'), () =>
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
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error(`S3 returned no UploadId for ${key} (host ${input.host})`);

  try {
    const expiry = { expiresIn: deps.urlExpirySeconds };
    const signPut = (k: string) =>
      getSignedUrl(deps.presignClient, new PutObjectCommand({ Bucket: deps.bucket, Key: k }), expiry);
    const parts: ManifestPart[] = [];
    for (let n = 1; n <= plan.count; n += 1) {
      const offset = (n - 1) * plan.partSize;
      const url = await getSignedUrl(
        deps.presignClient,
        new UploadPartCommand({ Bucket: deps.bucket, Key: key, UploadId: uploadId, PartNumber: n }),
        expiry,
      );
      parts.push({ partNumber: n, offset, length: Math.min(plan.partSize, input.sizeBytes - offset), url });
    }
    const sidecars: Sidecar[] = [];
    for (const sidecar of Object.keys(SIDECAR_SUFFIXES) as ImageSidecar[])
      sidecars.push({
        name: sidecar,
        url: await signPut(sidecarKey(key, sidecar)),
      });
    sidecars.push({
      name: 'transfer-report',
      url: await signPut(transferReportKey(input.runId, input.host, name)),
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
    const manifestUrl = await getSignedUrl(
      deps.presignClient,
      new GetObjectCommand({ Bucket: deps.bucket, Key: mKey }),
      expiry,
    );
    return parseWith(
      PrepareUploadOutputSchema,
      { key, uploadId, manifestKey: mKey, manifestUrl, partCount: plan.count, partSize: plan.partSize },
      'prepare-upload output',
    );
  } catch (error) {
    // Nothing can use an upload without its manifest: abort it now rather than wait for the lifecycle rule.
    await deps.s3
      .send(new AbortMultipartUploadCommand({ Bucket: deps.bucket, Key: key, UploadId: uploadId }))
      .catch(() => undefined);
    throw error;
  }
}
