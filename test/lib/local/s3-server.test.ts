// The local store's proxy: what it adds to s3rver so the local store answers like S3 (listings past
// 1,000 keys, AbortMultipartUpload, Content-MD5 refused on mismatch) and the failures it injects.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_MAX_ATTEMPTS } from '../../../lambdas/adapters/s3-client.js';
import { startTestStore, type TestStore } from '../../support/local-store.js';

let store: TestStore;

beforeAll(async () => {
  store = await startTestStore();
});

afterAll(async () => {
  await store?.close();
});

describe('the local store', () => {
  it('lists more than 1,000 keys page by page (s3rver needs the DES shim for its tokens)', async () => {
    const client = store.client();
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(
        keys
          .slice(i, i + 50)
          .map((Key) => client.send(new PutObjectCommand({ Bucket: store.bucket, Key, Body: 'x' }))),
      );
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: store.bucket, Prefix: 'many/', ContinuationToken: token }),
      );
      seen.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token);
    expect(seen).toEqual(keys);
  });

  it('answers a bucket configuration as last put or deleted (it keeps them in memory, not re-read per request)', async () => {
    const client = store.client();
    const cors = (origin: string) => ({
      Bucket: store.bucket,
      CORSConfiguration: { CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: [origin] }] },
    });
    const origins = async () =>
      (await client.send(new GetBucketCorsCommand({ Bucket: store.bucket }))).CORSRules?.flatMap(
        (r) => r.AllowedOrigins ?? [],
      );
    await expect(origins()).rejects.toThrow(/CORS/);
    await client.send(new PutBucketCorsCommand(cors('https://one.example')));
    expect(await origins()).toEqual(['https://one.example']);
    await client.send(new PutBucketCorsCommand(cors('https://two.example')));
    expect(await origins()).toEqual(['https://two.example']);
    await client.send(new DeleteBucketCorsCommand({ Bucket: store.bucket }));
    await expect(origins()).rejects.toThrow(/CORS/);
  });

  it('aborts a multipart upload and then answers NoSuchUpload for it', async () => {
    const client = store.client();
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: store.bucket, Key: 'mpu/one' }),
    );
    const abort = () =>
      client.send(new AbortMultipartUploadCommand({ Bucket: store.bucket, Key: 'mpu/one', UploadId }));
    await abort();
    expect(store.uploadExists(String(UploadId))).toBe(false);
    await expect(abort()).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('completes a multipart upload as S3 does: the parts joined, ETag md5(part MD5s)-N; a wrong part ETag is InvalidPart', async () => {
    const client = store.client();
    const Key = 'mpu/joined';
    const parts = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.alloc(5 * 1024 * 1024, 2), Buffer.from('tail')];
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: store.bucket, Key }));
    const etags: string[] = [];
    for (const [i, Body] of parts.entries()) {
      const answer = await client.send(
        new UploadPartCommand({ Bucket: store.bucket, Key, UploadId, PartNumber: i + 1, Body }),
      );
      etags.push(String(answer.ETag));
    }
    const complete = (wrongPart?: number) =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: store.bucket,
          Key,
          UploadId,
          MultipartUpload: {
            Parts: etags.map((ETag, i) => ({
              PartNumber: i + 1,
              ETag: i + 1 === wrongPart ? `"${'0'.repeat(32)}"` : ETag,
            })),
          },
        }),
      );
    const refused = await complete(2).catch((e: unknown) => e);
    expect(refused instanceof S3ServiceException && [refused.name, refused.$metadata.httpStatusCode]).toEqual(
      ['InvalidPart', 400],
    );
    expect(store.uploadExists(String(UploadId))).toBe(true);
    const md5 = (b: Buffer) => createHash('md5').update(b).digest();
    const expected = `${createHash('md5')
      .update(Buffer.concat(parts.map(md5)))
      .digest('hex')}-3`;
    expect((await complete()).ETag).toBe(`"${expected}"`);
    const object = await client.send(new GetObjectCommand({ Bucket: store.bucket, Key }));
    expect(object.ETag).toBe(`"${expected}"`);
    const body = Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    // Buffer.equals: toEqual would walk the 10 MiB byte by byte, for minutes.
    expect(body.equals(Buffer.concat(parts))).toBe(true);
    expect(store.uploadExists(String(UploadId))).toBe(false);
  });

  it('refuses a PUT whose body does not match its Content-MD5, and keeps one that does', async () => {
    const url = `${store.endpoint}/${store.bucket}/md5/object`;
    const md5 = createHash('md5').update('the bytes').digest('base64');
    const bad = await fetch(url, { method: 'PUT', body: 'other bytes', headers: { 'Content-MD5': md5 } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<Code>BadDigest</Code>');
    const good = await fetch(url, { method: 'PUT', body: 'the bytes', headers: { 'Content-MD5': md5 } });
    expect(good.status).toBe(200);
  });

  it('fails the requests the injector picks with its status: the SDK retries, then gives up', async () => {
    const client = store.client();
    let flakyLeft = 2;
    store.injectFailures(({ method, path }) => {
      if (method === 'PUT' && path.endsWith('/flaky') && flakyLeft > 0) {
        flakyLeft -= 1;
        return 503;
      }
      return method === 'PUT' && path.endsWith('/broken') ? 500 : undefined;
    });
    try {
      await client.send(new PutObjectCommand({ Bucket: store.bucket, Key: 'flaky', Body: 'x' }));
      expect(store.injectedFailures).toBe(2);
      const failed = await client
        .send(new PutObjectCommand({ Bucket: store.bucket, Key: 'broken', Body: 'x' }))
        .catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(S3ServiceException);
      expect((failed as S3ServiceException).$metadata).toMatchObject({
        httpStatusCode: 500,
        attempts: STORE_MAX_ATTEMPTS,
      });
      expect(store.injectedFailures).toBe(2 + STORE_MAX_ATTEMPTS);
    } finally {
      store.injectFailures(undefined);
    }
  });

  it('under requireChecksums (Object Lock) refuses a PUT without Content-MD5 or x-amz-checksum-*, as S3 does', async () => {
    const url = `${store.endpoint}/${store.bucket}/locked/object`;
    const seen: string[] = [];
    store.requireChecksums(true);
    store.injectFailures(({ method, headers }) => {
      if (method === 'PUT')
        seen.push(
          Object.keys(headers)
            .filter((h) => h.startsWith('x-amz-checksum-'))
            .join(),
        );
      return undefined;
    });
    try {
      const bare = await fetch(url, { method: 'PUT', body: 'x' });
      expect(bare.status).toBe(400);
      expect(await bare.text()).toContain('<Code>InvalidRequest</Code>');
      const md5 = createHash('md5').update('x').digest('base64');
      const withMd5 = await fetch(url, { method: 'PUT', body: 'x', headers: { 'Content-MD5': md5 } });
      expect(withMd5.status).toBe(200);
      // The vault's store client sends a CRC32 with every PutObject (lambdas/adapters/s3-client.ts).
      await store
        .client()
        .send(new PutObjectCommand({ Bucket: store.bucket, Key: 'locked/sdk', Body: '{}' }));
      expect(seen.at(-1)).toBe('x-amz-checksum-crc32');
      // Object Lock is the store bucket's: creating another bucket (the CDK asset bucket local mode puts
      // the fleet object in) and writing there need no checksum.
      const other = `${store.endpoint}/mksysb-vault-other-bucket`;
      expect((await fetch(`${other}/`, { method: 'PUT' })).status).toBe(200);
      expect((await fetch(`${other}/fleet.json`, { method: 'PUT', body: '[]' })).status).toBe(200);
    } finally {
      store.requireChecksums(false);
      store.injectFailures(undefined);
    }
  });

  it('refuses a PUT whose body does not match its x-amz-checksum-crc32 (400 BadDigest), and keeps one that does', async () => {
    const url = `${store.endpoint}/${store.bucket}/crc/object`;
    const crc = (text: string) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(crc32(text));
      return b.toString('base64');
    };
    const wrong = await fetch(url, {
      method: 'PUT',
      body: 'bytes',
      headers: { 'x-amz-checksum-crc32': crc('other') },
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('<Code>BadDigest</Code>');
    const right = await fetch(url, {
      method: 'PUT',
      body: 'bytes',
      headers: { 'x-amz-checksum-crc32': crc('bytes') },
    });
    expect(right.status).toBe(200);
    expect(await (await fetch(url)).text()).toBe('bytes');
  });

  it("stamps what it writes with the clock it is given (a simulated run's time), the real time without one", async () => {
    const client = store.client();
    const Bucket = store.bucket;
    const simulated = new Date('2026-03-02T02:17:00.000Z');
    const put = (Key: string) => client.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }));
    const lastModified = async (prefix: string) =>
      Object.fromEntries(
        ((await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }))).Contents ?? []).map(
          (o) => [o.Key, o.LastModified?.toISOString()],
        ),
      );
    const restore = store.stampWith(() => simulated);
    let wallBefore: number;
    try {
      await put('stamped/put');
      await client.send(
        new CopyObjectCommand({ Bucket, Key: 'stamped/copy', CopySource: `${Bucket}/stamped/put` }),
      );
      const { UploadId } = await client.send(
        new CreateMultipartUploadCommand({ Bucket, Key: 'stamped/mpu' }),
      );
      const part = await client.send(
        new UploadPartCommand({ Bucket, Key: 'stamped/mpu', UploadId, PartNumber: 1, Body: 'part one' }),
      );
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: 'stamped/mpu',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      );
      store.stampWith(() => undefined);
      wallBefore = Math.floor(Date.now() / 1000) * 1000;
      await put('stamped/unclocked');
    } finally {
      restore();
    }
    await put('stamped/restored');
    const stamps = await lastModified('stamped/');
    const at = simulated.toISOString();
    expect({ ...stamps, 'stamped/unclocked': undefined, 'stamped/restored': undefined }).toEqual({
      'stamped/put': at,
      'stamped/copy': at,
      'stamped/mpu': at,
      'stamped/unclocked': undefined,
      'stamped/restored': undefined,
    });
    for (const key of ['stamped/unclocked', 'stamped/restored'])
      expect(Date.parse(stamps[key] ?? '')).toBeGreaterThanOrEqual(wallBefore);
  });

  it('ends the forwarded request when a client gives up mid-PUT, so closing the store does not hang', async () => {
    const own = await startTestStore();
    const url = new URL(`${own.endpoint}/${own.bucket}/aborted/object`);
    await new Promise<void>((resolve) => {
      const put = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'PUT',
          headers: { 'content-length': 1048576 },
        },
        () => undefined,
      );
      put.on('error', () => resolve());
      put.write(Buffer.alloc(1000));
      setTimeout(() => {
        put.destroy();
        resolve();
      }, 200);
    });
    const closed = await Promise.race([
      own.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000)),
    ]);
    expect(closed).toBe('closed');
  });
});
