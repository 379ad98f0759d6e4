// Benchmark of `mksysb-vault restore-file` (issue 14 item 5): a 4 KiB file out of a 4 GiB image must
// cost under 1 MiB of the image. The image is a real BFF archive (bench/content-check.ts writeArchive)
// with /etc/security/passwd (4 KiB, stored plain) and /etc/services (packed text) halfway through
// its bulk; its index and record are made the way the pipeline makes them (ContentInspector over
// every byte, then the record as verify writes it). The local store is laid out as `--data DIR`
// expects; rather than copying 4 GiB through s3rver, a placeholder object is PUT and its file then
// replaced by a hard link to the archive. The real command runs as a user runs it (a spawned
// `bin/mksysb-vault.mjs` with its own local store), so what it read is taken from the line it prints
// on standard error; the store's own request count is not measured, since that store lives in the
// command's process.
import { createHash } from 'node:crypto';
import {
  createReadStream,
  linkSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ContentInspector } from '../lambdas/core/bff/content-check.js';
import { parseTocIndex, type TocEntry } from '../lambdas/core/bff/toc-index.js';
import { contentIndexKey, recordKey } from '../lambdas/core/catalog-keys.js';
import { renderImageRecord } from '../lambdas/core/image-record.js';
import { LOCAL_BUCKET, localPaths } from '../lib/local/paths.js';
import { startLocalS3 } from '../lib/local/s3-server.js';
import { type CliResult, runCli } from '../test/support/cli.js';
import { makeRecord } from '../test/support/local-store.js';
import { writeArchive } from './content-check.js';
import { type BenchFigure, printFigures } from './figures.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** Below this much free space the archive, its hard link and the restored files do not fit safely. */
const MIN_FREE_BYTES = 10 * GiB;
const HOST = 'benchhost';
const DATE = '2026-11-30T02:00:00.000Z';
const WALL_RUNS = 3;
const PASSWD_PATH = '/etc/security/passwd';
const SERVICES_PATH = '/etc/services';

/** An AIX /etc/security/passwd of exactly `bytes` bytes. */
function passwdFile(bytes: number): Uint8Array {
  const stanzas: string[] = [];
  for (let i = 0; stanzas.join('').length < bytes; i += 1)
    stanzas.push(
      `user${i}:\n\tpassword = {ssha512}06$${'x'.repeat(40)}\n\tlastupdate = ${1_790_000_000 + i}\n\n`,
    );
  return new TextEncoder().encode(`${stanzas.join('').slice(0, bytes - 1)}\n`);
}

/** An /etc/services of about `bytes` bytes: text that backup packs. */
function servicesFile(bytes: number): Uint8Array {
  const lines: string[] = [];
  for (let port = 1; lines.join('').length < bytes; port += 1)
    lines.push(`service${port}\t${port}/tcp\t\t# bench service number ${port}\n`);
  return new TextEncoder().encode(lines.join(''));
}

/** What the command's stderr line `read N bytes of the M-byte image … plus its K-byte index` says. */
interface ReadLine {
  readonly imageBytes: number;
  readonly imageSize: number;
  readonly requests: number;
  readonly indexBytes: number;
}

function readLine(result: CliResult, what: string): ReadLine {
  const m =
    /read (\d+) bytes of the (\d+)-byte image(?: in (\d+) ranged GETs?)?, plus its (\d+)-byte index/.exec(
      result.stderr,
    );
  if (result.status !== 0 || !m)
    throw new Error(`${what}: exit ${result.status}, stderr: ${result.stderr.trim().slice(-500)}`);
  return {
    imageBytes: Number(m[1]),
    imageSize: Number(m[2]),
    requests: Number(m[3] ?? 0),
    indexBytes: Number(m[4]),
  };
}

function timed(args: readonly string[]): { result: CliResult; ms: number } {
  const started = performance.now();
  const result = runCli(args);
  return { result, ms: performance.now() - started };
}

const sameBytes = (path: string, expected: Uint8Array) => Buffer.compare(readFileSync(path), expected) === 0;
const bytes = (n: number) => n.toLocaleString('en-US');

export async function main(): Promise<BenchFigure[]> {
  const gib = Number(process.env.BENCH_RESTORE_GIB ?? 4);
  const dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-bench-restore-'));
  try {
    const fs = statfsSync(dir);
    const free = fs.bavail * fs.bsize;
    if (free < MIN_FREE_BYTES) {
      const figures: BenchFigure[] = [
        {
          figure: `restore-file of a 4 KiB file from a ${gib} GiB image: image bytes read`,
          target: '< 1 MiB',
          measured: `not run: ${(free / GiB).toFixed(1)} GiB free in ${tmpdir()}, ${MIN_FREE_BYTES / GiB} GiB needed`,
          pass: false,
        },
      ];
      printFigures('restore-file', figures);
      return figures;
    }

    const passwd = passwdFile(4096);
    const services = servicesFile(64 * 1024);
    const archive = join(dir, 'image.bff');
    writeArchive(archive, gib * GiB, [
      { path: `.${PASSWD_PATH}`, data: passwd, mode: 0o100600 },
      { path: `.${SERVICES_PATH}`, data: services },
    ]);

    // The content check as inspect-image runs it, over every byte; the MD5 in the same pass is the
    // ETag s3rver keeps beside its object file (it would read all 4 GiB to make one otherwise).
    const inspector = new ContentInspector({ kind: 'mksysb', volumeGroup: 'rootvg' });
    const md5 = createHash('md5');
    for await (const chunk of createReadStream(archive, { highWaterMark: 8 * MiB })) {
      inspector.push(chunk);
      md5.update(chunk);
    }
    const report = inspector.finish();
    if (!report.complete || report.problem)
      throw new Error(`the benchmark archive did not read as complete: ${report.problem?.message ?? ''}`);
    const sizeBytes = statSync(archive).size;
    // A record as verify writes it for a PASS image: restore-file trusts the index only when its
    // image key and SHA-256 are the record's.
    const checked = makeRecord({ host: HOST, date: DATE, sizeBytes, sha256: report.sha256 });
    const record = {
      ...checked,
      content: checked.content && { ...checked.content, entries: report.entries, files: report.files },
    };
    const index = inspector.renderIndex(record.key);
    const toc = parseTocIndex(index).entries;
    const entryOf = (path: string) => toc.find((e) => e.path === `.${path}`) as TocEntry;

    const data = join(dir, 'data');
    const paths = localPaths(data);
    const s3 = await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET });
    const client = s3.client();
    try {
      const put = (Key: string, Body: Uint8Array | string, ContentType?: string) =>
        client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body, ContentType }));
      await put(record.key, 'placeholder');
      await put(contentIndexKey(record.key), index, 'application/gzip');
      await put(recordKey(record.key), renderImageRecord(record), 'application/json');
    } finally {
      client.destroy();
      await s3.close();
    }
    const objectFile = join(paths.store, LOCAL_BUCKET, `${record.key}._S3rver_object`);
    unlinkSync(objectFile);
    linkSync(archive, objectFile);
    writeFileSync(`${objectFile}.md5`, md5.digest('hex'));

    // The 4 KiB file: the first run's read is the figure; the wall time is the median of all runs.
    const passwdOut = join(dir, 'passwd');
    const passwdRuns = Array.from({ length: WALL_RUNS }, () =>
      timed(['restore-file', HOST, PASSWD_PATH, '--data', data, '--out', passwdOut]),
    );
    const passwdRead = readLine(passwdRuns[0]?.result as CliResult, `restore-file ${PASSWD_PATH}`);
    const passwdOk = sameBytes(passwdOut, passwd);
    const wallMs = passwdRuns.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(WALL_RUNS / 2)] as number;

    const servicesOut = join(dir, 'services');
    const servicesRead = readLine(
      runCli(['restore-file', HOST, SERVICES_PATH, '--data', data, '--out', servicesOut]),
      `restore-file ${SERVICES_PATH}`,
    );
    const servicesOk = sameBytes(servicesOut, services);
    const servicesEntry = entryOf(SERVICES_PATH);

    const listed = runCli(['restore-file', HOST, '--list', '/etc/*', '--data', data]);
    const listRead = readLine(listed, "restore-file --list '/etc/*'");
    const listOk = ['/etc/inittab', '/etc/filesystems', SERVICES_PATH].every((p) =>
      listed.stdout.includes(p),
    );

    const ofImage = `of the ${bytes(passwdRead.imageSize)}-byte image`;
    const figures: BenchFigure[] = [
      {
        figure: `restore-file of a 4 KiB file (${PASSWD_PATH}, halfway into a ${gib} GiB image): image bytes read`,
        target: '< 1 MiB',
        measured: passwdOk
          ? `${bytes(passwdRead.imageBytes)} bytes ${ofImage} in ${passwdRead.requests} ranged GET${passwdRead.requests === 1 ? '' : 's'}`
          : `restored bytes differ from the ${passwd.length} written (read ${bytes(passwdRead.imageBytes)} bytes)`,
        pass: passwdOk && passwdRead.imageBytes < MiB,
      },
      {
        figure: 'its index (gzip’d TOC read before the image)',
        target: '',
        measured: `${bytes(passwdRead.indexBytes)} bytes, ${toc.length} entries`,
        pass: null,
      },
      {
        figure: `restore-file of ${PASSWD_PATH}: wall time of the command (Node + tsx start, local store start, index, GET), median of ${WALL_RUNS}`,
        target: '',
        measured: `${(wallMs / 1000).toFixed(2)} s (${passwdRuns.map((r) => (r.ms / 1000).toFixed(2)).join(', ')} s)`,
        pass: null,
      },
      {
        figure: `restore-file of a packed text file (${SERVICES_PATH}, ${bytes(services.length)} bytes, stored as ${bytes(servicesEntry.storedSize)}): image bytes read`,
        target: 'its stored bytes only',
        measured: servicesOk
          ? `${bytes(servicesRead.imageBytes)} bytes in ${servicesRead.requests} ranged GET${servicesRead.requests === 1 ? '' : 's'}, unpacked to the bytes written`
          : `restored bytes differ from the ${services.length} written (read ${bytes(servicesRead.imageBytes)} bytes)`,
        pass: servicesOk && servicesRead.imageBytes === servicesEntry.storedSize,
      },
      {
        figure: "restore-file --list '/etc/*': image bytes read",
        target: '0',
        measured: listOk
          ? `${bytes(listRead.imageBytes)} bytes (${/(\d+) of \d+ entries/.exec(listed.stdout)?.[1]} entries listed, from the ${bytes(listRead.indexBytes)}-byte index)`
          : `the listing lacks /etc/inittab, /etc/filesystems or ${SERVICES_PATH}: ${listed.stdout.slice(0, 200)}`,
        pass: listOk && listRead.imageBytes === 0,
      },
    ];
    printFigures('restore-file', figures);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
