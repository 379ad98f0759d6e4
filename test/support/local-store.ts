// A local image store for tests: the local store (lib/local/s3-server.ts: s3rver behind the proxy that
// adds AbortMultipartUpload and the Content-MD5 check) in a temp directory, removed on close. Plus a
// call counter, record builders and a stand-in for the transfer step that PUTs parts through the
// presigned URLs with fetch.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { contentIndexKey, recordKey } from '../../lambdas/core/catalog-keys.js';
import {
  type ContentCheck,
  type CurrentImageRecord,
  IMAGE_RECORD_SCHEMA_VERSION,
  type ImageRecord,
  renderImageRecord,
} from '../../lambdas/core/image-record.js';
import { parseManifest } from '../../lambdas/core/upload-manifest.js';
import type { InspectImageOutput } from '../../lambdas/inspect-image/schema.js';
import { type LocalS3, startLocalS3 } from '../../lib/local/s3-server.js';

export type TestStore = LocalS3;

/**
 * The local store of one test file: started before its tests, closed after them. Read
 * `local.store` and `local.client` inside tests and hooks (they throw before the store is up).
 */
export function useTestStore(): { readonly store: TestStore; readonly client: S3Client } {
  let started: { store: TestStore; client: S3Client } | undefined;
  beforeAll(async () => {
    const store = await startTestStore();
    started = { store, client: store.client() };
  });
  afterAll(async () => {
    await started?.store.close();
  });
  const get = () => {
    if (!started) throw new Error('the test store is used before its beforeAll ran');
    return started;
  };
  return {
    get store() {
      return get().store;
    },
    get client() {
      return get().client;
    },
  };
}

export async function startTestStore(): Promise<TestStore> {
  const directory = mkdtempSync(join(tmpdir(), 'mksysb-vault-store-'));
  const s3 = await startLocalS3({ directory });
  return Object.assign(Object.create(s3) as LocalS3, {
    close: async () => {
      await s3.close();
      rmSync(directory, { recursive: true, force: true });
    },
  });
}

export interface S3Call {
  readonly command: string;
  readonly key: string | undefined;
}

/** Records every command the client sends (name and Key), for tests that count S3 calls. */
export function countCalls(client: S3Client): S3Call[] {
  const calls: S3Call[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string };
      calls.push({ command: String(context.commandName), key: input.Key });
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return calls;
}

const MiB = 1024 * 1024;
const DAY_MS = 86_400_000;

/**
 * A record as verify writes it, with sensible defaults for what a test does not care about: by default
 * its stored bytes were read and agreed with everything (`content`), as a PASS image's must have.
 */
export function makeRecord(
  fields: Partial<CurrentImageRecord> & Pick<CurrentImageRecord, 'host' | 'date'>,
): CurrentImageRecord {
  const kind = fields.kind ?? 'mksysb';
  const volumeGroup = fields.volumeGroup ?? 'rootvg';
  const day = fields.date.slice(0, 10);
  const name =
    kind === 'mksysb' ? `${fields.host}_mksysb_${day}` : `${fields.host}_savevg_${volumeGroup}_${day}`;
  const record: Omit<CurrentImageRecord, 'content'> = {
    schemaVersion: IMAGE_RECORD_SCHEMA_VERSION,
    changes: null,
    staging: null,
    kind,
    volumeGroup,
    key: `images/${fields.host}/${name}`,
    sizeBytes: 4 * MiB,
    sha256: 'a'.repeat(64),
    partMd5s: [],
    etag: null,
    osLevel: '7300-02-01-2346',
    lsmksysb: null,
    log: null,
    anomalies: [],
    verdict: 'PASS',
    timings: {},
    runId: `run-${day}`,
    verifiedAt: fields.date,
    ...fields,
  };
  const content: ContentCheck | null =
    fields.content !== undefined
      ? fields.content
      : {
          checkedAt: fields.date,
          complete: true,
          bytesRead: record.sizeBytes,
          sha256: record.sha256,
          entries: 1200,
          files: 1000,
          codes: [],
          indexKey: contentIndexKey(record.key),
        };
  return { ...record, content };
}

/** Writes a record and (unless told otherwise) a stand-in image object of `imageBytes` bytes. */
export async function seedImage(
  client: S3Client,
  bucket: string,
  record: ImageRecord,
  options: { imageBytes?: number; sidecars?: boolean } = {},
): Promise<void> {
  await client.send(
    new PutObjectCommand({ Bucket: bucket, Key: record.key, Body: Buffer.alloc(options.imageBytes ?? 16) }),
  );
  if (options.sidecars)
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${record.key}.log`, Body: 'log' }));
  await client.send(
    new PutObjectCommand({ Bucket: bucket, Key: recordKey(record.key), Body: renderImageRecord(record) }),
  );
}

/** Weekly dates (Mondays 02:00 UTC) going back from `newest`, oldest first. */
export function weeklyDates(newest: string, weeks: number): string[] {
  return Array.from({ length: weeks }, (_, i) =>
    new Date(Date.parse(newest) - (weeks - 1 - i) * 7 * DAY_MS).toISOString(),
  );
}

/** Deterministic image bytes (a counter pattern), so part MD5s differ from part to part. */
export function imageBytes(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4096) bytes.writeUInt32BE((i / 4096 + seed) >>> 0, i);
  return bytes;
}

export const md5Hex = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

export interface TransferOptions {
  /** Sidecar texts to PUT (by manifest name). */
  readonly sidecars?: Partial<Record<'log' | 'lsmksysb', string>>;
  /** Part numbers not sent at all (a transfer that died). */
  readonly skipParts?: readonly number[];
  /** Flip one byte of this part on the wire after the MD5 was computed (corruption in transit). */
  readonly corruptPart?: number;
  /** Report a wrong MD5 for this part in the transfer report (a host that hashed other bytes). */
  readonly misreportPart?: number;
  /** Send the last part this many bytes short, reporting the MD5 of what was sent. */
  readonly shortenLastPartBy?: number;
  /** Write the transfer report (default true). */
  readonly report?: boolean;
}

/** Plays the host's transfer step: reads the manifest, PUTs parts with Content-MD5, writes the report. */
export async function playTransfer(manifestUrl: string, image: Buffer, options: TransferOptions = {}) {
  const manifestResponse = await fetch(manifestUrl);
  if (!manifestResponse.ok) throw new Error(`manifest GET answered ${manifestResponse.status}`);
  const manifest = parseManifest(await manifestResponse.text(), manifestUrl);
  const lines: string[] = [];
  for (const part of manifest.parts) {
    if (options.skipParts?.includes(part.partNumber)) continue;
    let bytes = image.subarray(part.offset, part.offset + part.length);
    if (options.shortenLastPartBy && part.partNumber === manifest.parts.length)
      bytes = bytes.subarray(0, bytes.length - options.shortenLastPartBy);
    const md5 = createHash('md5').update(bytes).digest();
    let sent = bytes;
    if (options.corruptPart === part.partNumber) {
      sent = Buffer.from(bytes);
      sent[0] = (sent[0] ?? 0) ^ 0xff;
    }
    const answer = await fetch(part.url, {
      method: 'PUT',
      body: sent,
      headers: { 'Content-MD5': md5.toString('base64') },
    });
    if (!answer.ok) throw new Error(`part ${part.partNumber} PUT answered ${answer.status}`);
    const etag = (answer.headers.get('etag') ?? '').replace(/"/g, '');
    const reported =
      options.misreportPart === part.partNumber ? md5Hex(Buffer.from('other bytes')) : md5.toString('hex');
    lines.push(`part=${part.partNumber} etag=${etag} md5=${reported}`);
  }
  const put = async (name: string, body: string) => {
    const url = manifest.sidecars.find((s) => s.name === name)?.url;
    if (!url) throw new Error(`manifest has no ${name} sidecar URL`);
    const answer = await fetch(url, { method: 'PUT', body });
    if (!answer.ok) throw new Error(`${name} PUT answered ${answer.status}`);
  };
  for (const [name, text] of Object.entries(options.sidecars ?? {}))
    if (text !== undefined) await put(name, text);
  if (options.report !== false) await put('transfer-report', `${lines.join('\n')}\n`);
  return manifest;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An `lsmksysb -lf` listing in the real format, dated `date`, of a rootvg of `backupMB`. */
export function lsmksysbListing(
  date: string,
  options: { backupMB?: number; shrinkMB?: number; vg?: string } = {},
) {
  const d = new Date(date);
  const pad = (n: number) => String(n).padStart(2, '0');
  const when = `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
  const vg = options.vg ?? 'rootvg';
  return [
    `VOLUME GROUP:           ${vg}`,
    `BACKUP DATE/TIME:       ${when}`,
    'UNAME INFO:             AIX lpar01 3 7 00F9C1964C00',
    'BACKUP OSLEVEL:         7.3.2.0',
    'MAINTENANCE LEVEL:      7300-02',
    `BACKUP SIZE (MB):       ${options.backupMB ?? 8}`,
    `SHRINK SIZE (MB):       ${options.shrinkMB ?? 4}`,
    'VG DATA ONLY:           no',
    '',
    `${vg}:`,
    'LV NAME             TYPE       LPs     PPs     PVs  LV STATE      MOUNT POINT',
    'hd5                 boot       1       1       1    closed/syncd  N/A',
    'hd6                 paging     16      16      1    open/syncd    N/A',
    'hd8                 jfs2log    1       1       1    open/syncd    N/A',
    'hd4                 jfs2       106     106     1    open/syncd    /',
    'hd2                 jfs2       152     152     1    open/syncd    /usr',
    '',
  ].join('\n');
}

export const SUCCESS_LOG = [
  'Creating information file (/image.data) for rootvg.',
  '',
  'Creating list of files to back up',
  'Backing up 80239 files........................',
  '',
  '80239 of 80239 files backed up (100%)',
  '0512-038 mksysb: Backup Completed Successfully.',
  '',
].join('\n');

/**
 * What inspect-image answers for stored bytes that agree with the host (SUCCESS_LOG's 80,239 files),
 * with an index of `indexEntries` written beside `key`: for tests about what verify does with it, not
 * about archives (test/lambdas/inspect-image/ reads real ones).
 */
export function inspectedImage(
  key: string,
  sizeBytes: number,
  checkedAt: string,
  indexEntries = 80239,
): InspectImageOutput {
  return {
    complete: true,
    sizeBytes,
    content: {
      bytesRead: sizeBytes,
      sha256: 'c'.repeat(64),
      entries: 80239,
      files: 70000,
      directories: 10239,
      contentBytes: sizeBytes,
      complete: true,
      problem: null,
      volumeGroup: 'rootvg',
      bootFiles: { present: ['./bosinst.data', './image.data'], missing: [], empty: [] },
      imageData: null,
      index: { entries: indexEntries, complete: true },
    },
    indexKey: contentIndexKey(key),
    checkedAt,
    seconds: 0.2,
  };
}
