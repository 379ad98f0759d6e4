// The local image store: s3rver in-process, behind a small proxy on loopback, used by `npm start`, the
// CLI, tests and benchmarks in place of S3. The proxy adds what s3rver lacks and S3 does
// (../../../shared/LOCAL-AWS-NOTES.md): AbortMultipartUpload (s3rver answers 405; the proxy removes the
// upload's parts the way S3 does), ListParts (a resumed transfer asks which parts S3 holds) and the Content-MD5 and x-amz-checksum-crc32 checks on uploads (S3 answers 400 BadDigest; s3rver
// stores whatever arrives, but its ETag is the MD5 of what it stored). It can also inject failures (HTTP 500/503 on chosen requests) for the fault
// suite. s3rver's continuation tokens use single DES, which OpenSSL 3 only has in its legacy provider:
// a shim gives it the same cipher as three-key DES with three equal keys, so listings of more than
// 1,000 keys work without `--openssl-legacy-provider`. s3rver ignores conditional writes; the proxy
// answers them as S3 does (If-None-Match: * and If-Match on PutObject, If-Match on DeleteObject:
// 412 PreconditionFailed), one conditional request per key at a time. Like a bucket under Object Lock,
// it can refuse a PUT that carries neither Content-MD5 nor an x-amz-checksum-* header (requireChecksums).
// s3rver has no Object Lock: the proxy keeps a minimal stand-in of object retention (PutObjectRetention
// and GetObjectRetention, `?retention`, kept in `<directory>/<bucket>.retention.json`) that, as S3
// does, refuses to shorten a COMPLIANCE lock or a GOVERNANCE one without the bypass header, so
// retention's lock extension runs locally and is tested. Objects carry the time of the clock the store
// is given (stampWith: a simulated run's time, so retention's grace for young strays sees the ages S3
// would), the real time without one.
import crypto from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import zlib from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import {
  presignClient,
  STORE_MAX_ATTEMPTS,
  type StoreClientOptions,
  storeClient,
} from '../../lambdas/adapters/s3-client.js';
import { type ListingStore, listFromThePrefix } from './s3rver-listing.js';

/** A request as the failure injector sees it. */
export interface S3Request {
  readonly method: string;
  /** Path without the query, e.g. `/mksysb-vault-local/images/aixprd01/…`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The request's headers (lower-case names), e.g. to see which checksum a PUT carried. */
  readonly headers: IncomingHttpHeaders;
}

/** An object's Object Lock retention, as the local stand-in keeps it. */
export interface ObjectRetention {
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  /** ISO time. */
  readonly until: string;
}

/** Decides, per request, whether to fail it: an HTTP status (500, 503) or undefined to serve it. */
export type FailureInjector = (request: S3Request) => number | undefined;

export interface LocalS3 {
  /** The proxy's endpoint: what every client uses. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly directory: string;
  /** The vault's store client (lambdas/adapters/s3-client.ts) pointed at the proxy. */
  client(): S3Client;
  /** The client that presigns URLs for the host, pointed at the proxy. */
  presignClient(): S3Client;
  /** Whether s3rver still holds the parts of a multipart upload. */
  uploadExists(uploadId: string): boolean;
  /** Replaces the failure injector (undefined: serve every request). */
  injectFailures(injector: FailureInjector | undefined): void;
  /** Turns the Object Lock rule of requireChecksums on or off. */
  requireChecksums(on: boolean): void;
  /** Requests failed on purpose so far. */
  readonly injectedFailures: number;
  /** The Object Lock retention the stand-in holds for a key, or null. */
  retentionOf(key: string): ObjectRetention | null;
  /**
   * Stamps what is written from now on (its LastModified) with `now` instead of the real time: a
   * simulated run's objects then carry the run's time, as S3's would. `now` answering undefined, or
   * no clock at all, stamps the real time. Returns what puts the previous clock back.
   */
  stampWith(now: StoreClock | undefined): () => void;
  close(): Promise<void>;
}

/** The time the local store stamps on an object it writes; undefined: the real time. */
export type StoreClock = () => Date | undefined;

export interface LocalS3Options {
  /** Where the objects live on disk; history accumulates across runs when this is kept. */
  readonly directory: string;
  readonly bucket?: string;
  /** The proxy's port. @default 0 (an ephemeral port) */
  readonly port?: number;
  readonly injectFailures?: FailureInjector;
  /**
   * Refuse, as S3 does for a bucket under Object Lock, a PutObject or UploadPart that carries neither
   * Content-MD5 nor an x-amz-checksum-* header (400 InvalidRequest).
   * @default false
   */
  readonly requireChecksums?: boolean;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

let desShimInstalled = false;

/** Single DES-CBC (legacy in OpenSSL 3) as DES-EDE3-CBC with K1 = K2 = K3: the same cipher. */
function installDesShim(): void {
  if (desShimInstalled) return;
  desShimInstalled = true;
  const mutable = crypto as unknown as Record<string, unknown>;
  const wrap = (original: (...args: unknown[]) => unknown) =>
    ((algorithm: unknown, key: unknown, ...rest: unknown[]) =>
      typeof algorithm === 'string' &&
      algorithm.toLowerCase() === 'des' &&
      Buffer.isBuffer(key) &&
      key.length === 8
        ? original('des-ede3-cbc', Buffer.concat([key, key, key]), ...rest)
        : original(algorithm, key, ...rest)) as unknown;
  mutable.createCipheriv = wrap(crypto.createCipheriv as (...args: unknown[]) => unknown);
  mutable.createDecipheriv = wrap(crypto.createDecipheriv as (...args: unknown[]) => unknown);
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}

/**
 * s3rver's ETag of a PUT object or part is the MD5 of the bytes it stored: compared with the
 * Content-MD5 the client sent (when s3rver is about to answer 2xx), it says whether they arrived
 * intact, without hashing them again. A mismatch is answered as S3 does (400 BadDigest); the client
 * retries the part, which replaces what s3rver kept.
 */
function refuseBadDigest(res: ServerResponse, expectedMd5: string): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    res.end = end as ServerResponse['end'];
    const etag = String(res.getHeader('etag') ?? '').replace(/"/g, '');
    const stored = /^[0-9a-f]{32}$/.test(etag) ? Buffer.from(etag, 'hex').toString('base64') : undefined;
    if (!res.headersSent && res.statusCode < 300 && stored !== undefined && stored !== expectedMd5) {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      s3Error(res, 400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
      return res;
    }
    return end(...args);
  }) as ServerResponse['end'];
}

/**
 * The x-amz-checksum-crc32 a client sent, checked as S3 checks it: the proxy hashes the body as it
 * arrives (every chunk the HTTP parser pushes into the request, whoever reads it), and a mismatch
 * becomes S3's 400 BadDigest when s3rver is about to answer 2xx. What s3rver kept is then replaced by
 * the client's retry, as with Content-MD5.
 */
function refuseBadCrc32(req: IncomingMessage, res: ServerResponse, expected: string): void {
  let crc = 0;
  const push = req.push.bind(req);
  req.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (Buffer.isBuffer(chunk)) crc = zlib.crc32(chunk, crc);
    return push(chunk, encoding);
  };
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    res.end = end as ServerResponse['end'];
    const sent = Buffer.alloc(4);
    sent.writeUInt32BE(crc >>> 0);
    if (!res.headersSent && res.statusCode < 300 && sent.toString('base64') !== expected) {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      s3Error(res, 400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
      return res;
    }
    return end(...args);
  }) as ServerResponse['end'];
}

/**
 * s3rver answers LastModified from the object file's mtime: when a write is about to be answered 2xx,
 * the file's mtime becomes the store clock's time (a simulated run's time), before the client can
 * list it. PutObject, CopyObject and CompleteMultipartUpload write an object; an UploadPart does not.
 */
function stampOnSuccess(res: ServerResponse, objectFile: string, now: StoreClock): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    res.end = end as ServerResponse['end'];
    const at = now();
    if (at !== undefined && res.statusCode < 300 && existsSync(objectFile)) utimesSync(objectFile, at, at);
    return end(...args);
  }) as ServerResponse['end'];
}

/**
 * s3rver logs every request, silent or not: koa-logger formats a line for each one and winston runs
 * it and the controllers' own lines through its formats before the silent transport drops them
 * (about 7% of the store's CPU in a local run). Silent here is nothing formatted at all.
 */
function withoutRequestLog(server: S3rver): void {
  const app = server as unknown as { middleware: { name: string }[]; logger: { silent: boolean } };
  app.middleware = app.middleware.filter((m) => m.name !== 'logger');
  app.logger.silent = true;
}

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  installDesShim();
  const bucket = options.bucket ?? 'mksysb-vault-local';
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: bucket, configs: [] }],
    resetOnClose: false,
  });
  withoutRequestLog(server);
  const upstream = (await server.run()) as AddressInfo;
  const store = (server as unknown as { store: S3rverStore }).store;
  completeAsS3Does(store);
  keepBucketConfigs(store);
  // Listings from the prefix's folder, as S3 answers them, not a walk of the whole bucket each time.
  listFromThePrefix(store as unknown as ListingStore);
  const uploadsDir = join(options.directory, bucket, '._S3rver_uploads');
  let injector = options.injectFailures;
  let injected = 0;
  let checksumsRequired = options.requireChecksums ?? false;
  let clock: StoreClock | undefined;
  const bucketDir = join(options.directory, bucket);

  const abortUpload = (uploadId: string, res: ServerResponse) => {
    const dir = join(uploadsDir, uploadId.replace(/[^0-9a-f]/g, ''));
    if (!existsSync(dir)) return s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    rmSync(dir, { recursive: true, force: true });
    res.writeHead(204);
    res.end();
  };

  // ListParts (s3rver has none): each part s3rver keeps, with its MD5 (its ETag) and size. One page:
  // a local upload of 10,000 parts is not a case the local store has to serve.
  const listParts = (uploadId: string, res: ServerResponse) => {
    const dir = join(uploadsDir, uploadId.replace(/[^0-9a-f]/g, ''));
    if (!existsSync(dir)) return s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    const parts = readdirSync(dir)
      .filter((name) => /^\d+$/.test(name) && existsSync(join(dir, `${name}.md5`)))
      .map((name) => ({
        n: Number(name),
        etag: readFileSync(join(dir, `${name}.md5`), 'utf8').trim(),
        size: statSync(join(dir, name)).size,
      }))
      .sort((a, b) => a.n - b.n);
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts
        .map(
          (p) =>
            `<Part><PartNumber>${p.n}</PartNumber><ETag>&quot;${p.etag}&quot;</ETag><Size>${p.size}</Size></Part>`,
        )
        .join('')}</ListPartsResult>`,
    );
  };

  // Object retention (s3rver has none): by object path, persisted beside the bucket's directory.
  const retentionFile = join(options.directory, `${bucket}.retention.json`);
  const retentions = new Map<string, ObjectRetention>(
    existsSync(retentionFile)
      ? Object.entries(JSON.parse(readFileSync(retentionFile, 'utf8')) as Record<string, ObjectRetention>)
      : [],
  );
  const objectRetention = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if ((await currentEtag(path)) === null)
      return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    const held = retentions.get(path);
    if (req.method === 'GET') {
      if (!held)
        return s3Error(
          res,
          404,
          'NoSuchObjectLockConfiguration',
          'The specified object does not have a ObjectLock configuration',
        );
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>${held.mode}</Mode><RetainUntilDate>${held.until}</RetainUntilDate></Retention>`,
      );
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const mode = /<Mode>(GOVERNANCE|COMPLIANCE)<\/Mode>/.exec(body)?.[1] as
      | ObjectRetention['mode']
      | undefined;
    const untilText = /<RetainUntilDate>([^<]+)<\/RetainUntilDate>/.exec(body)?.[1];
    const until = untilText === undefined ? Number.NaN : Date.parse(untilText);
    if (!mode || !Number.isFinite(until))
      return s3Error(res, 400, 'MalformedXML', 'The XML you provided was not well-formed');
    const bypass = req.headers['x-amz-bypass-governance-retention'] === 'true';
    const weaker =
      held !== undefined &&
      (until < Date.parse(held.until) || (held.mode === 'COMPLIANCE' && mode === 'GOVERNANCE'));
    if (weaker && (held?.mode === 'COMPLIANCE' || !bypass))
      return s3Error(res, 403, 'AccessDenied', 'Access Denied');
    retentions.set(path, { mode, until: new Date(until).toISOString() });
    writeFileSync(retentionFile, JSON.stringify(Object.fromEntries(retentions)));
    res.writeHead(200);
    res.end();
  };

  // Requests go to s3rver's own handler in this process (s3rver is a Koa app), not over a second
  // loopback connection: every byte of every image would otherwise cross the kernel twice more.
  const handle = server.callback();
  const forward = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const expectedMd5 = req.method === 'PUT' ? req.headers['content-md5'] : undefined;
    if (typeof expectedMd5 === 'string') refuseBadDigest(res, expectedMd5);
    const objectFile = clock === undefined ? null : writtenObjectFile(req.method, url, bucket, bucketDir);
    if (clock !== undefined && objectFile !== null) stampOnSuccess(res, objectFile, clock);
    void handle(req, res);
  };

  // Conditional writes: the object's current ETag (HEAD upstream) decides; requests on one key queue.
  const keyQueues = new Map<string, Promise<void>>();
  const currentEtag = (path: string) =>
    new Promise<string | null>((resolve) => {
      const head = request({ host: '127.0.0.1', port: upstream.port, method: 'HEAD', path }, (answer) => {
        answer.resume();
        resolve(answer.statusCode === 200 ? String(answer.headers.etag ?? '') : null);
      });
      head.on('error', () => resolve(null));
      head.end();
    });
  const conditional = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname;
    const ifNoneMatch = req.headers['if-none-match'];
    const ifMatch = req.headers['if-match'];
    const previous = keyQueues.get(path) ?? Promise.resolve();
    const turn = previous.then(async () => {
      const etag = await currentEtag(path);
      const strip = (t: string) => t.replace(/"/g, '');
      const failed =
        (ifNoneMatch === '*' && etag !== null) ||
        (typeof ifMatch === 'string' && (etag === null || strip(etag) !== strip(ifMatch)));
      if (failed) {
        req.resume();
        if (etag === null && req.method === 'DELETE')
          return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        return s3Error(
          res,
          412,
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
      }
      await new Promise<void>((resolve) => {
        res.on('close', () => resolve());
        forward(req, res, url);
      });
    });
    const settled = turn.catch(() => undefined);
    keyQueues.set(path, settled);
    void settled.then(() => {
      if (keyQueues.get(path) === settled) keyQueues.delete(path);
    });
  };

  const proxy: Server = createServer((req, res) => {
    // Hashed from the first byte on: a conditional PUT waits its turn while its body arrives.
    const expectedCrc32 = req.method === 'PUT' ? req.headers['x-amz-checksum-crc32'] : undefined;
    // An aws-chunked body carries its checksum in a trailer (the vault never sends one: s3-client.ts).
    if (
      typeof expectedCrc32 === 'string' &&
      !String(req.headers['content-encoding'] ?? '').includes('aws-chunked')
    )
      refuseBadCrc32(req, res, expectedCrc32);
    const url = new URL(req.url ?? '/', 'http://local');
    const status = injector?.({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
    });
    if (status !== undefined) {
      injected += 1;
      req.resume();
      return s3Error(
        res,
        status,
        status === 503 ? 'SlowDown' : 'InternalError',
        'Injected by the local store.',
      );
    }
    const uploadId = url.searchParams.get('uploadId');
    if (
      checksumsRequired &&
      req.method === 'PUT' &&
      !hasChecksum(req.headers) &&
      isUpload(req, url, bucket)
    ) {
      req.resume();
      return s3Error(
        res,
        400,
        'InvalidRequest',
        'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
      );
    }
    if (url.searchParams.has('retention') && (req.method === 'PUT' || req.method === 'GET'))
      return void objectRetention(req, res, url.pathname);
    if (req.method === 'DELETE' && uploadId !== null) {
      req.resume();
      return abortUpload(uploadId, res);
    }
    if (req.method === 'GET' && uploadId !== null && !url.searchParams.has('partNumber')) {
      req.resume();
      return listParts(uploadId, res);
    }
    if (
      (req.method === 'PUT' || req.method === 'DELETE') &&
      uploadId === null &&
      (req.headers['if-none-match'] !== undefined || req.headers['if-match'] !== undefined)
    )
      return conditional(req, res, url);
    forward(req, res, url);
  });
  await new Promise<void>((resolve) => proxy.listen(options.port ?? 0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    endpoint,
    bucket,
    directory: options.directory,
    client: () => localS3Client(endpoint),
    presignClient: () => localPresignClient(endpoint),
    uploadExists: (uploadId) => existsSync(join(uploadsDir, uploadId)),
    injectFailures: (next) => {
      injector = next;
    },
    requireChecksums: (on) => {
      checksumsRequired = on;
    },
    get injectedFailures() {
      return injected;
    },
    retentionOf: (key) => retentions.get(`/${bucket}/${key}`) ?? null,
    stampWith: (next) => {
      const previous = clock;
      clock = next;
      return () => {
        clock = previous;
      };
    },
    close: async () => {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await server.close();
    },
  };
}

/** s3rver's own error, answered as S3's XML error with its status (InvalidPart: 400). */
const S3Error = createRequire(import.meta.url)('s3rver/lib/models/error.js') as new (
  code: string,
  message: string,
  detail?: Record<string, unknown>,
) => Error;

/** The part of s3rver's FilesystemStore that CompleteMultipartUpload goes through. */
interface S3rverStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObjectMultipart(
    bucket: string,
    uploadId: string,
    parts: readonly { number: number; etag: string }[],
  ): Promise<{ md5: string; size: number }>;
  getSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>;
  putSubresource(bucket: string, key: string | undefined, resource: { type: string }): Promise<void>;
  deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void>;
}

/**
 * s3rver reads the bucket's CORS and website configuration files on every request (its cors and
 * website middleware: two failed file opens each, as the local bucket has neither): a bucket's
 * configuration is kept in memory once read, and forgotten when it is put or deleted.
 */
function keepBucketConfigs(store: S3rverStore): void {
  const held = new Map<string, Promise<unknown>>();
  const read = store.getSubresource.bind(store);
  const put = store.putSubresource.bind(store);
  const remove = store.deleteSubresource.bind(store);
  store.getSubresource = (bucket, key, type) => {
    if (key !== undefined) return read(bucket, key, type);
    const name = `${bucket}?${type}`;
    let config = held.get(name);
    if (config === undefined) {
      config = read(bucket, key, type);
      config.catch(() => held.delete(name));
      held.set(name, config);
    }
    return config;
  };
  store.putSubresource = async (bucket, key, resource) => {
    held.delete(`${bucket}?${resource.type}`);
    await put(bucket, key, resource);
    held.delete(`${bucket}?${resource.type}`);
  };
  store.deleteSubresource = async (bucket, key, type) => {
    held.delete(`${bucket}?${type}`);
    await remove(bucket, key, type);
    held.delete(`${bucket}?${type}`);
  };
}

/**
 * CompleteMultipartUpload as S3 does it: a part whose ETag is not the one the store holds is refused
 * (400 InvalidPart), and the object is the parts joined, its ETag md5(part MD5s)-N. s3rver instead
 * streams every part through the whole-object MD5 again and answers that MD5: a second pass over
 * every image byte in the local run's busiest process, and an ETag S3 never gives a multipart object
 * (so complete-upload's multipart ETag check could not run locally). The parts are joined aside and
 * renamed into place: a GET sees the old object or the new one, never half of it.
 */
function completeAsS3Does(store: S3rverStore): void {
  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const uploadDir = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    const [key, metadata] = await Promise.all([
      readFile(join(uploadDir, 'key'), 'utf8'),
      readFile(join(uploadDir, 'metadata'), 'utf8').then((text) => JSON.parse(text) as unknown),
    ]);
    const sorted = [...parts].sort((a, b) => a.number - b.number);
    const md5s: Buffer[] = [];
    for (const part of sorted) {
      const held = await readFile(join(uploadDir, `${part.number}.md5`), 'utf8').catch(() => null);
      if (held === null || held.trim() !== part.etag.toLowerCase())
        throw new S3Error(
          'InvalidPart',
          "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
          { PartNumber: part.number },
        );
      md5s.push(Buffer.from(held.trim(), 'hex'));
    }
    const objectPath = store.getResourcePath(bucket, key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const aside = `${objectPath}.${uploadId}.joining`;
    let size = 0;
    try {
      for (const [i, part] of sorted.entries()) {
        const file = join(uploadDir, String(part.number));
        if (i === 0) await copyFile(file, aside);
        else await appendFile(aside, await readFile(file));
        size += (await stat(file)).size;
      }
      const md5 = `${crypto.createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${sorted.length}`;
      await rename(aside, objectPath);
      await store.putMetadata(bucket, key, metadata, md5);
      await rm(uploadDir, { recursive: true, force: true });
      return { md5, size };
    } finally {
      await rm(aside, { force: true });
    }
  };
}

/**
 * The file s3rver keeps the object in that a request writes (PutObject, CopyObject,
 * CompleteMultipartUpload), or null for any other request or a key outside the bucket's directory.
 */
function writtenObjectFile(
  method: string | undefined,
  url: URL,
  bucket: string,
  bucketDir: string,
): string | null {
  const writes =
    (method === 'PUT' && !url.searchParams.has('uploadId') && !url.searchParams.has('retention')) ||
    (method === 'POST' && url.searchParams.has('uploadId'));
  const prefix = `/${bucket}/`;
  if (!writes || !url.pathname.startsWith(prefix)) return null;
  let key: string;
  try {
    key = decodeURIComponent(url.pathname.slice(prefix.length));
  } catch {
    return null;
  }
  const file = join(bucketDir, `${key}._S3rver_object`);
  return key === '' || !file.startsWith(`${bucketDir}/`) ? null : file;
}

/** Whether a request carries a checksum S3 checks the body against. */
function hasChecksum(headers: IncomingHttpHeaders): boolean {
  return Object.keys(headers).some((name) => name === 'content-md5' || name.startsWith('x-amz-checksum-'));
}

/** A PutObject or UploadPart (a body stored as an object or part), not a copy. */
/**
 * A PUT of an object's bytes into the store's bucket (the one Object Lock is about): not a copy, not a
 * bucket's own PUT (`/bucket` or `/bucket/`), not another bucket (the CDK asset bucket holding the fleet).
 */
function isUpload(req: IncomingMessage, url: URL, bucket: string): boolean {
  const [, name, ...key] = url.pathname.split('/');
  return req.headers['x-amz-copy-source'] === undefined && name === bucket && key.join('/') !== '';
}

type RetryStrategy = NonNullable<StoreClientOptions['retryStrategy']>;

/**
 * The standard strategy's decisions (STORE_MAX_ATTEMPTS attempts; throttling, transient and server
 * errors retried, client errors not) without its back-off: the local store's failures are injected by
 * count, not by load, so waiting only makes a test of a throttled store take minutes of wall time.
 */
function immediateRetries(maxAttempts: number): RetryStrategy {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => 0 });
  return {
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (previous, error) => {
      const next = previous.getRetryCount() + 1;
      if (next >= maxAttempts || error.errorType === 'CLIENT_ERROR') throw new Error('no retry left');
      return token(next);
    },
    recordSuccess: () => undefined,
  };
}

const LOCAL_CLIENT = { region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_CREDENTIALS } as const;

/** The vault's store client for the local store: the same checksums and attempts as in AWS. */
export function localS3Client(endpoint: string): S3Client {
  return storeClient({ endpoint, ...LOCAL_CLIENT, retryStrategy: immediateRetries(STORE_MAX_ATTEMPTS) });
}

/** The presigning client for the local store. */
export function localPresignClient(endpoint: string): S3Client {
  return presignClient({ endpoint, ...LOCAL_CLIENT });
}
