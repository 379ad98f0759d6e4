// `mksysb-vault restore-file` against the local store: images that are real archives, each with the
// vault's index beside it as the content check writes it (ContentInspector.renderIndex). The real AIX
// sample test.bff (plain records) is stored as it is; the rootvg image is written with the project's
// BffWriter and holds the real AIX packed record of test/fixtures/bff/huffman_encoded.bin (the writer
// packs huffman_decoded.bin to exactly those bytes, which a test asserts). Most tests drive the command
// in this process with a store around a spied S3 client, to count the bytes each run asks S3 for.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { ContentInspector } from '../../lambdas/core/bff/content-check.js';
import { parseTocIndex, type TocEntry } from '../../lambdas/core/bff/toc-index.js';
import { BffWriter } from '../../lambdas/core/bff/writer.js';
import { contentIndexKey, recordKey } from '../../lambdas/core/catalog-keys.js';
import { renderImageRecord } from '../../lambdas/core/image-record.js';
import { type CliIo, UsageError } from '../../lib/cli/command.js';
import { imageCommand } from '../../lib/cli/image.js';
import { planReads, restoreFileCommandWith } from '../../lib/cli/restore-file.js';
import type { OpenStore } from '../../lib/cli/store.js';
import { LOCAL_BUCKET } from '../../lib/local/paths.js';
import { runCliAsync } from '../support/cli.js';
import { makeRecord, useTestStore } from '../support/local-store.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/bff/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-restore-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The clock is passed in: nothing here depends on today's date.
const NOW = '2026-11-24T06:00:00Z';
const MTIME = Date.parse('2026-11-16T22:15:00Z') / 1000;
const MiB = 1024 * 1024;
const text = (s: string) => new TextEncoder().encode(s);

const NUMBERS = readFileSync(fixture('huffman_decoded.bin'));
const NUMBERS_PACKED = readFileSync(fixture('huffman_encoded.bin'));
const PASSWD = 'root:!:0:0::/:/usr/bin/ksh\ndaemon:*:1:1::/etc:\n';
const LONG_DIR = `./opt/${'d'.repeat(60)}/${'e'.repeat(60)}`;
const LONG_NAME = `${LONG_DIR}/file-with-a-long-name.txt`; // 152 bytes: the ustar prefix field
const DEEPER_NAME = `./opt/${`${'x'.repeat(50)}/`.repeat(5)}deep.txt`; // 267 bytes: a pax header
/** Deterministic bytes that Huffman packing cannot shrink: stored plain, as mksysb stores a kernel. */
const KERNEL = (() => {
  const bytes = new Uint8Array(2 * MiB);
  let x = 2463534242;
  for (let i = 0; i < bytes.length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
})();

/** A rootvg image as mksysb lays it out, with a packed file, a symlink, long names and a kernel. */
function rootvgArchive(hosts: string, extra: { path: string; data: Uint8Array }[] = []): Uint8Array {
  const w = new BffWriter({ pack: true, date: MTIME });
  const file = (path: string, data: Uint8Array, mode = 0o100644) =>
    w.entry({ path, type: 'file', mode, uid: 0, gid: 0, mtime: MTIME, data });
  const directory = (path: string, mode = 0o40755) =>
    w.entry({ path, type: 'directory', mode, uid: 0, gid: 0, mtime: MTIME });
  const symlink = (path: string, linkTarget: string) =>
    w.entry({ path, type: 'symlink', mode: 0o120777, uid: 0, gid: 0, mtime: MTIME, linkTarget });
  return Buffer.concat([
    w.volumeHeader(),
    ...directory('.'),
    ...file('./bosinst.data', text('control_flow:\n    CONSOLE = Default\n')),
    ...file('./image.data', text('image_data:\n\tIMAGE_TYPE= bff\n')),
    ...directory('./etc'),
    ...file('./etc/hosts', text(hosts)),
    ...file('./etc/motd', text('Authorized use only.\n')),
    ...symlink('./etc/localtime', '/usr/share/lib/zoneinfo/UTC'),
    ...directory('./etc/security', 0o40750),
    ...w.entry({
      path: './etc/security/passwd',
      type: 'file',
      mode: 0o100600,
      uid: 0,
      gid: 7,
      mtime: MTIME - 3600,
      data: text(PASSWD),
    }),
    ...extra.flatMap((e) => file(e.path, e.data)),
    ...directory('./usr'),
    ...directory('./usr/share'),
    ...directory('./usr/share/doc'),
    ...file('./usr/share/doc/numbers.txt', NUMBERS),
    ...directory('./usr/lib'),
    ...directory('./usr/lib/boot'),
    ...file('./usr/lib/boot/unix_64', KERNEL, 0o100755),
    ...symlink('./unix', '/usr/lib/boot/unix_64'),
    ...file(LONG_NAME, text('long\n')),
    ...file(DEEPER_NAME, text('deeper\n')),
    w.end(),
  ]);
}

interface StoredImage {
  readonly host: string;
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly entries: TocEntry[];
}

const local = useTestStore();

/** Puts the image, its index (unless `index` is false) and its record; `stored` replaces the bytes S3 holds. */
async function storeImage(
  host: string,
  day: string,
  bytes: Uint8Array,
  options: { index?: boolean; stored?: Uint8Array; kind?: 'mksysb' | 'savevg' } = {},
): Promise<StoredImage> {
  const inspector = new ContentInspector({ kind: 'mksysb' });
  inspector.push(bytes);
  const report = inspector.finish();
  const record = makeRecord({
    host,
    date: `${day}T02:00:00.000Z`,
    sizeBytes: (options.stored ?? bytes).length,
    sha256: report.sha256,
  });
  const index = inspector.renderIndex(record.key);
  const put = (Key: string, Body: Uint8Array | string) =>
    local.client.send(new PutObjectCommand({ Bucket: local.store.bucket, Key, Body }));
  await put(record.key, options.stored ?? bytes);
  if (options.index !== false) await put(contentIndexKey(record.key), index);
  await put(recordKey(record.key), renderImageRecord(record));
  return { host, key: record.key, bytes, entries: parseTocIndex(index).entries };
}

const HOSTS_OLD = `127.0.0.1 loopback localhost\n${'10.1.2.3 aixprd01\n'.repeat(3)}`;
const HOSTS_NEW = `127.0.0.1 loopback localhost\n10.1.2.4 aixprd01\n`;
let images: Promise<{ older: StoredImage; newest: StoredImage; sample: StoredImage }> | undefined;
/** The images most tests read, stored once (after the store is up). */
function seeded() {
  images ??= (async () => {
    const older = await storeImage('aixprd01', '2026-11-17', rootvgArchive(HOSTS_OLD));
    const newest = await storeImage('aixprd01', '2026-11-23', rootvgArchive(HOSTS_NEW));
    const sample = await storeImage('aixbff01', '2026-11-23', readFileSync(fixture('test.bff')));
    return { older, newest, sample };
  })();
  return images;
}

const entry = (image: StoredImage, path: string) => {
  const found = image.entries.find((e) => e.path === path);
  if (!found) throw new Error(`${path} is not in the fixture`);
  return found;
};

interface GetCall {
  readonly key: string;
  readonly range: string | undefined;
}

/** A client of the test store that records every GetObject (key and Range). */
function spiedClient(): { client: S3Client; gets: GetCall[] } {
  const client = local.store.client();
  const gets: GetCall[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string; Range?: string };
      if (context.commandName === 'GetObjectCommand') gets.push({ key: input.Key ?? '', range: input.Range });
      return next(args);
    },
    { step: 'initialize', name: 'spyGets' },
  );
  return { client, gets };
}

/** Bytes the ranged GETs of `key` asked for. */
function rangedBytes(gets: readonly GetCall[], key: string): number {
  return gets
    .filter((g) => g.key === key && g.range)
    .reduce((sum, g) => {
      const [start, end] = (g.range as string).replace('bytes=', '').split('-').map(Number);
      return sum + ((end ?? 0) - (start ?? 0) + 1);
    }, 0);
}

/**
 * Answers every ranged GetObject as S3 does for an object in an archive storage class: HTTP 403 with
 * an InvalidObjectState error document, which the SDK's own deserializer turns into its error.
 */
function archivedImages(client: S3Client, storageClass: string, accessTier?: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidObjectState</Code><Message>The operation is not valid for the object's storage class</Message><StorageClass>${storageClass}</StorageClass>${accessTier ? `<AccessTier>${accessTier}</AccessTier>` : ''}<RequestId>TESTREQUEST</RequestId><HostId>test</HostId></Error>`;
  // In the deserialize step at low priority: inside the SDK's deserializer, in place of the HTTP call.
  client.middlewareStack.add(
    (next) => async (args) => {
      if (!(args.input as { Range?: string }).Range) return next(args);
      return {
        response: {
          statusCode: 403,
          headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'TESTREQUEST' },
          body: Readable.from([Buffer.from(xml)]),
        },
        output: {},
      } as unknown as Awaited<ReturnType<typeof next>>;
    },
    { step: 'deserialize', priority: 'low', name: 'archivedImages' },
  );
}

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** What went to standard output as bytes (a file, a tar stream). */
  readonly bytes: Buffer;
}

/** Runs restore-file in this process, as bin/cli.ts does (a UsageError is exit 64), on `client`. */
async function restoreFile(
  args: string[],
  options: { client?: S3Client; stdoutIsTTY?: boolean } = {},
): Promise<Run> {
  await seeded();
  const client = options.client ?? local.client;
  const store: OpenStore = {
    client,
    presignClient: client,
    bucket: local.store.bucket,
    description: 'the test store',
    local: true,
    fleet: null,
    config: null,
    configSource: 'none',
    nextLocalRun: null,
    clock: new Date(NOW),
    close: async () => undefined,
  };
  const out: string[] = [];
  const err: string[] = [];
  const written: Buffer[] = [];
  const command = restoreFileCommandWith({
    withStore: async (_values, _io, work) => work(store),
    stdout: {
      isTTY: options.stdoutIsTTY ?? false,
      write: async (bytes) => {
        written.push(Buffer.from(bytes));
      },
    },
  });
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {},
    cwd: dir,
    now: () => new Date(NOW),
  };
  let status: number;
  try {
    status = await command.run(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.push(error.message);
    status = 64;
  }
  return { status, stdout: out.join('\n'), stderr: err.join('\n'), bytes: Buffer.concat(written) };
}

/** `image extract` of the same archive file: the reference a restore is compared with. */
async function imageExtract(bytes: Uint8Array, path: string): Promise<Buffer> {
  const file = join(dir, `archive-${sha256(bytes).slice(0, 12)}`);
  if (!existsSync(file)) writeFileSync(file, bytes);
  const out = join(dir, `extract-${Math.random().toString(36).slice(2)}`);
  const io: CliIo = {
    out: () => undefined,
    err: () => undefined,
    env: {},
    cwd: dir,
    now: () => new Date(NOW),
  };
  expect(await imageCommand.run(['extract', file, path, '--out', out], io)).toBe(0);
  return readFileSync(out);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const fresh = (name: string) => mkdtempSync(join(dir, `${name}-`));

describe('mksysb-vault restore-file: one file', () => {
  it('restores a packed file byte for byte to standard output with one ranged GET of its stored bytes, plus the index', async () => {
    const { newest } = await seeded();
    const numbers = entry(newest, './usr/share/doc/numbers.txt');
    // The writer packs the sample exactly as AIX did: the stored bytes are the real AIX record's.
    expect(numbers.packed).toBe(true);
    expect(
      Buffer.from(newest.bytes.subarray(numbers.dataOffset, numbers.dataOffset + numbers.storedSize)),
    ).toEqual(NUMBERS_PACKED);

    const { client, gets } = spiedClient();
    const r = await restoreFile(['aixprd01', '/usr/share/doc/numbers.txt'], { client });
    expect(r.status).toBe(0);
    expect(r.bytes).toEqual(NUMBERS);
    const image = gets.filter((g) => g.key === newest.key);
    expect(image).toEqual([
      {
        key: newest.key,
        range: `bytes=${numbers.dataOffset}-${numbers.dataOffset + numbers.storedSize - 1}`,
      },
    ]);
    expect(rangedBytes(gets, newest.key)).toBe(5838);
    expect(gets.filter((g) => g.key === contentIndexKey(newest.key))).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `read 5838 bytes of the ${newest.bytes.length}-byte image in 1 ranged GET, plus its \\d+-byte index`,
      ),
    );
  });

  it('restores a packed file to --out as image extract gives it, with its mode and modification time', async () => {
    const { newest } = await seeded();
    const out = join(fresh('passwd'), 'passwd');
    const r = await restoreFile(['aixprd01', '/etc/security/passwd', '--out', out]);
    expect(r.status).toBe(0);
    expect(readFileSync(out)).toEqual(await imageExtract(newest.bytes, './etc/security/passwd'));
    expect(readFileSync(out, 'utf8')).toBe(PASSWD);
    expect(statSync(out).mode & 0o7777).toBe(0o600);
    expect(statSync(out).mtimeMs).toBe((MTIME - 3600) * 1000);
    expect(r.stderr).toContain(`./etc/security/passwd: ${PASSWD.length} B written to ${out} (mode 0600`);
  });

  it('names the missing directory of --out, exit 64, and leaves nothing behind', async () => {
    await seeded();
    const missing = join(fresh('nodir'), 'not-made');
    const r = await restoreFile(['aixprd01', '/etc/security/passwd', '--out', join(missing, 'passwd')]);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain(`--out ${join(missing, 'passwd')}: the directory ${missing} does not exist`);
    expect(existsSync(missing)).toBe(false);
  });

  it('restores a plain record of the real AIX sample byte for byte, as image extract does, with mode and mtime', async () => {
    const { sample } = await seeded();
    const file = entry(sample, 'backup/folder/file_in_folder.txt');
    expect(file.packed).toBe(false);
    const out = join(fresh('sample'), 'file_in_folder.txt');
    const { client, gets } = spiedClient();
    const r = await restoreFile(['aixbff01', 'backup/folder/file_in_folder.txt', '--out', out], { client });
    expect(r.status).toBe(0);
    expect(readFileSync(out)).toEqual(await imageExtract(sample.bytes, 'backup/folder/file_in_folder.txt'));
    expect(readFileSync(out, 'utf8')).toBe('xyz');
    expect(statSync(out).mode & 0o777).toBe(file.mode & 0o777);
    expect(statSync(out).mtimeMs).toBe(file.mtime * 1000);
    expect(rangedBytes(gets, sample.key)).toBe(3);
    expect(r.stderr).toMatch(/read 3 bytes of the 1024-byte image in 1 ranged GET, plus its \d+-byte index/);
  });

  it('takes the path as /etc/hosts, etc/hosts or ./etc/hosts', async () => {
    for (const path of ['/etc/hosts', 'etc/hosts', './etc/hosts']) {
      const r = await restoreFile(['aixprd01', path]);
      expect(r.status, path).toBe(0);
      expect(r.bytes.toString()).toBe(HOSTS_NEW);
    }
  });

  it("restores from the newest image by default and from the day's image with --date", async () => {
    expect((await restoreFile(['aixprd01', '/etc/hosts'])).bytes.toString()).toBe(HOSTS_NEW);
    const older = await restoreFile(['aixprd01', '/etc/hosts', '--date', '2026-11-17']);
    expect(older.bytes.toString()).toBe(HOSTS_OLD);
    const none = await restoreFile(['aixprd01', '/etc/hosts', '--date', '2026-11-18']);
    expect(none.status).toBe(64);
    expect(none.stderr).toContain(
      'aixprd01 has no mksysb image of 2026-11-18 (it has: 2026-11-23, 2026-11-17)',
    );
  });

  it('writes into --out DIR under the file name, and makes a symlink for a symlink', async () => {
    const into = fresh('into');
    expect((await restoreFile(['aixprd01', '/etc/motd', '--out', into])).status).toBe(0);
    expect(readFileSync(join(into, 'motd'), 'utf8')).toBe('Authorized use only.\n');
    const r = await restoreFile(['aixprd01', '/etc/localtime', '--out', join(into, 'localtime')]);
    expect(r.status).toBe(0);
    expect(readlinkSync(join(into, 'localtime'))).toBe('/usr/share/lib/zoneinfo/UTC');
  });

  it('says which host, image and path when the image has no such entry: exit 2', async () => {
    const { newest } = await seeded();
    const r = await restoreFile(['aixprd01', '/etc/passwd']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`aixprd01: ${newest.key} has no entry ./etc/passwd`);
    expect(r.stderr).toContain('did you mean ./etc/security/passwd?');
    expect(r.bytes).toHaveLength(0);
  });

  it('fails an entry whose stored bytes are cut short, naming host, image and path: exit 2', async () => {
    const bytes = rootvgArchive(HOSTS_NEW);
    const full = parseIndexOf(bytes);
    const numbers = full.find((e) => e.path === './usr/share/doc/numbers.txt') as TocEntry;
    const cut = await storeImage('aixcut01', '2026-11-23', bytes, {
      stored: bytes.subarray(0, numbers.dataOffset + 100),
    });
    const r = await restoreFile(['aixcut01', '/usr/share/doc/numbers.txt']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`aixcut01: ${cut.key}:`);
    expect(r.stderr).toContain('100 bytes came back, not 5838');
    expect(r.bytes).toHaveLength(0);
  });
});

function parseIndexOf(bytes: Uint8Array): TocEntry[] {
  const inspector = new ContentInspector({ kind: 'mksysb' });
  inspector.push(bytes);
  return parseTocIndex(inspector.renderIndex('images/x/x_mksysb_2026-11-23')).entries;
}

describe('mksysb-vault restore-file --list', () => {
  it('lists the entries a glob matches, with type, size and date, reading no byte of the image', async () => {
    const { newest } = await seeded();
    const { client, gets } = spiedClient();
    const r = await restoreFile(['aixprd01', '--list', '/etc/*'], { client });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^TYPE\s+MODE\s+SIZE\s+MODIFIED\s+PATH$/);
    expect(lines.slice(1, -1).map((l) => l.split(/\s+/).at(-1))).toEqual([
      './etc/hosts',
      './etc/motd',
      './etc/localtime',
      './etc/security',
    ]);
    expect(lines[1]).toMatch(
      new RegExp(`^file\\s+-rw-r--r--\\s+${HOSTS_NEW.length}\\s+2026-11-16 22:15\\s+\\./etc/hosts$`),
    );
    expect(lines.at(-1)).toBe(
      `4 of ${newest.entries.length} entries of ${newest.key} match /etc/* (from the vault's index)`,
    );
    expect(gets.filter((g) => g.key === newest.key)).toHaveLength(0);
    expect(r.stderr).toMatch(/^read 0 bytes of the \d+-byte image, plus its \d+-byte index$/);
  });

  it('matches ** across directories and ? within a name, as JSON', async () => {
    const r = await restoreFile(['aixprd01', '--list', '**/unix_6?', '--json']);
    const listed = JSON.parse(r.stdout) as {
      from: string;
      entries: { path: string; type: string; size: number }[];
    };
    expect(listed.from).toBe('index');
    expect(listed.entries).toEqual([
      expect.objectContaining({ path: './usr/lib/boot/unix_64', type: 'file', size: 2 * MiB }),
    ]);
    const passwd = JSON.parse((await restoreFile(['aixprd01', '--list', 'etc/**/passwd', '--json'])).stdout);
    expect(passwd.entries.map((e: { path: string }) => e.path)).toEqual(['./etc/security/passwd']);
  });
});

describe('mksysb-vault restore-file: a directory', () => {
  it('restores a subtree into --out DIR (modes, dates, symlinks) in one ranged GET of its neighbouring entries', async () => {
    const { newest } = await seeded();
    const root = fresh('tree');
    const { client, gets } = spiedClient();
    const r = await restoreFile(['aixprd01', '/etc', '--out', root], { client });
    expect(r.status).toBe(0);
    expect(readFileSync(join(root, 'etc/hosts'), 'utf8')).toBe(HOSTS_NEW);
    expect(readFileSync(join(root, 'etc/security/passwd'), 'utf8')).toBe(PASSWD);
    expect(statSync(join(root, 'etc/security/passwd')).mode & 0o7777).toBe(0o600);
    expect(statSync(join(root, 'etc/security')).mode & 0o7777).toBe(0o750);
    expect(statSync(join(root, 'etc')).mtimeMs).toBe(MTIME * 1000);
    expect(readlinkSync(join(root, 'etc/localtime'))).toBe('/usr/share/lib/zoneinfo/UTC');
    expect(lstatSync(join(root, 'etc/localtime')).mtimeMs).toBe(MTIME * 1000);
    expect(gets.filter((g) => g.key === newest.key)).toHaveLength(1);
    expect(r.stderr).toContain('3 files (');
    expect(r.stderr).toContain('2 directories, 1 symlink restored under');
  });

  it('writes a subtree as a POSIX tar stream that tar lists and unpacks, long names included', async () => {
    const r = await restoreFile(['aixprd01', '/']);
    expect(r.status).toBe(0);
    const tarFile = join(fresh('tar'), 'root.tar');
    writeFileSync(tarFile, r.bytes);
    const listing = execFileSync('tar', ['-tvf', tarFile], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rw------- 0\/7 +\d+ 2026-11-16 \d\d:\d\d etc\/security\/passwd$/m);
    expect(listing).toMatch(/^lrwxrwxrwx 0\/0 +0 .* unix -> \/usr\/lib\/boot\/unix_64$/m);
    expect(listing).toContain(LONG_NAME.slice(2));
    expect(listing).toContain(DEEPER_NAME.slice(2));
    const out = fresh('untar');
    execFileSync('tar', ['-xf', tarFile, '-C', out]);
    expect(readFileSync(join(out, 'usr/share/doc/numbers.txt'))).toEqual(NUMBERS);
    // A digest, not toEqual: vitest compares 2 MiB element by element in seconds.
    expect(sha256(readFileSync(join(out, 'usr/lib/boot/unix_64')))).toBe(sha256(KERNEL));
    expect(readFileSync(join(out, LONG_NAME), 'utf8')).toBe('long\n');
    expect(readFileSync(join(out, DEEPER_NAME), 'utf8')).toBe('deeper\n');
    expect(statSync(join(out, 'etc/security/passwd')).mtimeMs).toBe((MTIME - 3600) * 1000);
  });

  it('writes the tar to --out F.tar, and refuses to send one to a terminal', async () => {
    const tarFile = join(fresh('tarfile'), 'usr.tar');
    expect((await restoreFile(['aixprd01', '/usr/share', '--out', tarFile])).status).toBe(0);
    expect(execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).split('\n')).toEqual([
      'usr/share/',
      'usr/share/doc/',
      'usr/share/doc/numbers.txt',
      '',
    ]);
    const tty = await restoreFile(['aixprd01', '/usr/share'], { stdoutIsTTY: true });
    expect(tty.status).toBe(64);
    expect(tty.stderr).toContain('not to a terminal');
  });

  it('refuses an image whose names climb out with "..", writing nothing', async () => {
    const w = new BffWriter({ pack: false, date: MTIME });
    const bytes = Buffer.concat([
      w.volumeHeader(),
      ...w.entry({ path: './etc', type: 'directory', mode: 0o40755, uid: 0, gid: 0, mtime: MTIME }),
      ...w.entry({
        path: './etc/../../escaped.txt',
        type: 'file',
        mode: 0o100644,
        uid: 0,
        gid: 0,
        mtime: MTIME,
        data: text('out\n'),
      }),
      w.end(),
    ]);
    await storeImage('aixdot01', '2026-11-23', bytes);
    const root = join(fresh('climb'), 'a', 'b');
    const r = await restoreFile(['aixdot01', '/etc', '--out', root]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('./etc/../../escaped.txt');
    expect(existsSync(join(root, '..', 'escaped.txt'))).toBe(false);
    expect(existsSync(root)).toBe(false);
  });

  it('never writes through a symlink in DIR that leads outside it', async () => {
    const root = fresh('guarded');
    const elsewhere = fresh('elsewhere');
    symlinkSync(elsewhere, join(root, 'etc'));
    const r = await restoreFile(['aixprd01', '/etc', '--out', root]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(root, 'etc')} is a symbolic link`);
    expect(existsSync(join(elsewhere, 'hosts'))).toBe(false);
  });
});

describe('mksysb-vault restore-file: images without an index, in cold storage', () => {
  it('says an image has no index and what --scan costs, exit 69; with --scan it reads the image from its start', async () => {
    const bytes = rootvgArchive(HOSTS_NEW);
    const image = await storeImage('aixold01', '2026-11-23', bytes, { index: false });
    const r = await restoreFile(['aixold01', '/etc/hosts']);
    expect(r.status).toBe(69);
    expect(r.stderr).toContain(`${image.key}) has no index beside it`);
    expect(r.stderr).toContain('--scan reads the image itself from its start, until the file is found');
    expect(r.bytes).toHaveLength(0);

    const numbers = parseIndexOf(bytes).find((e) => e.path === './usr/share/doc/numbers.txt') as TocEntry;
    const scan = await restoreFile(['aixold01', '/usr/share/doc/numbers.txt', '--scan']);
    expect(scan.status).toBe(0);
    expect(scan.bytes).toEqual(NUMBERS);
    const read = Number(/read (\d+) bytes/.exec(scan.stderr)?.[1]);
    expect(read).toBeGreaterThanOrEqual(numbers.dataOffset);
    expect(read).toBeLessThan(numbers.dataOffset + MiB); // it stops at the file, before the 2 MiB kernel
    expect(scan.stderr).toContain('(scanned from its start, without an index)');
  });

  it('says a Glacier Deep Archive image must be restored first and how, exit 69, after one refused GET', async () => {
    const { newest } = await seeded();
    const { client, gets } = spiedClient();
    archivedImages(client, 'DEEP_ARCHIVE');
    const r = await restoreFile(['aixprd01', '/etc/hosts'], { client });
    expect(r.status).toBe(69);
    expect(r.stderr).toContain(`s3://${LOCAL_BUCKET}/${newest.key} is in S3 Glacier Deep Archive`);
    expect(r.stderr).toContain(
      `aws s3api restore-object --bucket ${LOCAL_BUCKET} --key ${newest.key} --restore-request Days=1`,
    );
    expect(gets.filter((g) => g.range)).toHaveLength(1);
    expect(r.bytes).toHaveLength(0);
  });

  it('gives an Intelligent-Tiering archive tier the restore request without Days', async () => {
    const { client } = spiedClient();
    archivedImages(client, 'INTELLIGENT_TIERING', 'ARCHIVE_ACCESS');
    const r = await restoreFile(['aixprd01', '/etc/hosts'], { client });
    expect(r.status).toBe(69);
    expect(r.stderr).toContain('the Archive Access tier of S3 Intelligent-Tiering');
    expect(r.stderr).toContain("--restore-request '{}'");
  });
});

describe('reads of neighbouring entries', () => {
  it('share one GET when less than 1 MiB apart and not when further', () => {
    expect(
      planReads([
        { offset: 5000, length: 100 },
        { offset: 0, length: 10 },
        { offset: 5100 + MiB - 1, length: 1 },
        { offset: 9 * MiB, length: 0 },
      ]),
    ).toEqual([{ offset: 0, length: 5100 + MiB }]);
    expect(
      planReads([
        { offset: 0, length: 10 },
        { offset: 10 + MiB, length: 5 },
      ]),
    ).toEqual([
      { offset: 0, length: 10 },
      { offset: 10 + MiB, length: 5 },
    ]);
  });
});

describe('mksysb-vault restore-file, run as a command', () => {
  it('is listed, and writes a stored file to standard output from a local data directory', async () => {
    await seeded();
    const data = fresh('data');
    mkdirSync(data, { recursive: true });
    symlinkSync(local.store.directory, join(data, 'store'));
    const r = await runCliAsync(['restore-file', 'aixprd01', '/usr/share/doc/numbers.txt', '--data', data], {
      env: { MKSYSB_VAULT_NOW: NOW },
    });
    expect(r.stderr).toMatch(
      /read 5838 bytes of the \d+-byte image in 1 ranged GET, plus its \d+-byte index/,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(NUMBERS.toString('utf8'));
    const help = await runCliAsync(['--help']);
    expect(help.stdout).toMatch(/restore-file\s+one file or directory out of a stored image/);
  });
  it('image toc --host reads the image itself when the index beside it is unreadable, and says so', async () => {
    const bad = await storeImage('aixbad01', '2026-11-23', rootvgArchive(HOSTS_NEW));
    await local.client.send(
      new PutObjectCommand({ Bucket: local.store.bucket, Key: contentIndexKey(bad.key), Body: 'not gzip' }),
    );
    const data = fresh('data-bad-index');
    mkdirSync(data, { recursive: true });
    symlinkSync(local.store.directory, join(data, 'store'));
    const r = await runCliAsync(['image', 'toc', '--host', 'aixbad01', '--data', data, '--json'], {
      env: { MKSYSB_VAULT_NOW: NOW },
    });
    expect(r.stderr).toMatch(
      /the index beside images\/aixbad01\/\S+ is unreadable .*reading the image instead/,
    );
    expect(r.status).toBe(0);
    const toc = JSON.parse(r.stdout) as { from: string; entries: { path: string }[] };
    expect(toc.from).toBe('image');
    expect(toc.entries.map((e) => e.path)).toEqual(bad.entries.map((e) => e.path));
  });
});
