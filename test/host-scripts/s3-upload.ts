// A real presigned multipart upload on the local S3 server, made and finished by the very logic the
// Lambdas run: prepare-upload (create the upload, presign every part and sidecar, write the manifest)
// and complete-upload (complete from the transfer report, check sizes and ETags against the MD5s the
// transfer script computed). Tests and benchmarks of the transfer script use it; nothing here writes
// a manifest of its own.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { completeUpload } from '../../lambdas/complete-upload/complete-upload.js';
import type { CompleteUploadOutput } from '../../lambdas/complete-upload/schema.js';
import { parseManifest, renderManifest, type UploadManifest } from '../../lambdas/core/upload-manifest.js';
import { prepareUpload } from '../../lambdas/prepare-upload/prepare-upload.js';
import type { PrepareUploadOutput } from '../../lambdas/prepare-upload/schema.js';
import { localS3Client } from '../../lib/local/s3-server.js';

export interface UploadTarget {
  readonly client: S3Client;
  readonly bucket: string;
}

export interface PreparedUpload extends PrepareUploadOutput {
  readonly host: string;
  readonly runId: string;
  readonly sizeBytes: number;
}

export interface UploadRequest {
  readonly host: string;
  /** ISO day; with host it names the image key, so each test gives its own. */
  readonly date: string;
  readonly sizeBytes: number;
  /** @default 8 MiB (the smallest part prepare-upload plans) */
  readonly partSizeBytes?: number;
  readonly runId?: string;
}

export async function prepareImageUpload(
  target: UploadTarget,
  request: UploadRequest,
): Promise<PreparedUpload> {
  const runId = request.runId ?? `run-${request.date}`;
  const out = await prepareUpload(
    {
      runId,
      host: request.host,
      kind: 'mksysb',
      date: request.date,
      sizeBytes: request.sizeBytes,
      sha256: '0'.repeat(64),
    },
    {
      s3: target.client,
      presignClient: target.client,
      bucket: target.bucket,
      partSizeBytes: request.partSizeBytes ?? 8 * 1024 * 1024,
      urlExpirySeconds: 3600,
      now: () => new Date(),
    },
  );
  return { ...out, host: request.host, runId, sizeBytes: request.sizeBytes };
}

/** Completes the upload from the transfer report the script PUT, as the workflow's complete step does. */
export function completeImageUpload(
  target: UploadTarget,
  upload: PreparedUpload,
): Promise<CompleteUploadOutput> {
  return completeUpload(
    {
      action: 'complete',
      runId: upload.runId,
      host: upload.host,
      key: upload.key,
      uploadId: upload.uploadId,
      manifestKey: upload.manifestKey,
      sizeBytes: upload.sizeBytes,
    },
    { s3: target.client, bucket: target.bucket },
  );
}

/** Changes the stored manifest (parsed and rendered by the shared manifest code), e.g. to break a part URL. */
export async function editManifest(
  target: UploadTarget,
  upload: PreparedUpload,
  edit: (manifest: UploadManifest) => UploadManifest,
): Promise<void> {
  const text = (await objectBytes(target, upload.manifestKey)).toString('utf8');
  const body = renderManifest(edit(parseManifest(text, upload.manifestKey)));
  await target.client.send(
    new PutObjectCommand({ Bucket: target.bucket, Key: upload.manifestKey, Body: body }),
  );
}

/** A presigned single PutObject URL (what a plain `curl -T` upload would use). */
export function presignPut(target: UploadTarget, key: string): Promise<string> {
  return getSignedUrl(target.client, new PutObjectCommand({ Bucket: target.bucket, Key: key }), {
    expiresIn: 3600,
  });
}

export async function objectBytes(target: UploadTarget, key: string): Promise<Buffer> {
  const r = await target.client.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
  return Buffer.from(
    await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

/** SHA-256 of an object, streamed (a GiB image is never held in memory). */
export async function objectSha256(target: UploadTarget, key: string): Promise<string> {
  const r = await target.client.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of r.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A pass-through proxy in front of the local S3 server that watches the part PUTs (UploadPart URLs):
 * how many were in flight at once, at most. `gate(n)` holds the part PUTs until n are in flight, so a
 * test can tell parallel parts from one part after another without timing. Held parts go on anyway
 * once no new part has come for `holdMs`: a transfer that sends one part after another then ends
 * (and its test fails on the count) instead of waiting forever. The wait restarts with each part,
 * since on a loaded machine the parts of a parallel transfer can start seconds apart.
 */
export interface PartWatch extends UploadTarget {
  readonly endpoint: string;
  maxInFlight(): number;
  gate(parts: number): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startPartWatch(upstream: string, bucket: string, holdMs = 15_000): Promise<PartWatch> {
  const to = new URL(upstream);
  let inFlight = 0;
  let max = 0;
  let gateAt = 0;
  let waiting: (() => void)[] = [];
  let quiet: NodeJS.Timeout | undefined;
  const release = () => {
    clearTimeout(quiet);
    for (const go of waiting) go();
    waiting = [];
  };
  const server = createServer((req, res) => {
    const isPart = req.method === 'PUT' && /[?&]partNumber=\d+/.test(req.url ?? '');
    let forwarded = false;
    const forward = () => {
      if (forwarded) return;
      forwarded = true;
      const out = request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      req.pipe(out);
    };
    if (!isPart) return forward();
    inFlight += 1;
    max = Math.max(max, inFlight);
    res.on('close', () => {
      inFlight -= 1;
    });
    if (gateAt <= 1) return forward();
    waiting.push(forward);
    if (inFlight >= gateAt) release();
    else {
      clearTimeout(quiet);
      quiet = setTimeout(release, holdMs).unref();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    bucket,
    client: localS3Client(endpoint),
    maxInFlight: () => max,
    gate: (parts) => {
      gateAt = parts;
    },
    reset: () => {
      clearTimeout(quiet);
      max = 0;
      gateAt = 0;
      waiting = [];
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
