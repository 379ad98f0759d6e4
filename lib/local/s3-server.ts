// The local image store: an s3rver process-in-process that tests, benchmarks and `npm start` use in
// place of S3. It speaks the S3 REST API on loopback; see ../../../shared/LOCAL-AWS-NOTES.md for what it
// does not emulate (lifecycle, versioning, encryption, checksum verification).
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface LocalS3 {
  readonly endpoint: string;
  readonly bucket: string;
  readonly directory: string;
  /** A client configured the way the local store needs (path-style, no streamed checksums). */
  client(): S3Client;
  close(): Promise<void>;
}

export interface LocalS3Options {
  /** Where the objects live on disk; history accumulates across runs when this is kept. */
  readonly directory: string;
  readonly bucket?: string;
  /** @default 0 (an ephemeral port) */
  readonly port?: number;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const bucket = options.bucket ?? 'mksysb-vault-local';
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: bucket, configs: [] }],
    resetOnClose: false,
  });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    directory: options.directory,
    client: () => localS3Client(endpoint),
    close: () => server.close(),
  };
}

export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
    // s3rver stores streamed uploads corrupted under the SDK's default checksum mode.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
