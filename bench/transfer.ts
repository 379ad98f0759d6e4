// Transfer benchmark (issue 8): how close the transfer script (lib/host-scripts/transfer.sh) gets to
// what the link carries. (a) Its goodput for a 2 GiB image to the local S3 server against one plain
// `curl -T` PUT of the same file to the same server, in the same run (the script's parts carry
// Content-MD5, which the store checks against s3rver's ETag with no second hash, so both cost the
// server alike). (b) With every stream capped (curl --limit-rate, standing in for a long-distance
// link where one TCP stream cannot fill the pipe), 4 parallel parts against one stream. Real presigned URLs from prepare-upload's logic. Each
// image gets its part MD5s beside it the way backup.sh writes them (part-md5.sh write_part_md5s), so
// the script streams each part from the image; that pass is timed on its own, as backup's cost.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { HOST_SCRIPTS } from '../lib/host-scripts/index.js';
import { type LocalS3, localS3Client, startLocalS3 } from '../lib/local/s3-server.js';
import { prepareImageUpload, presignPut, type UploadTarget } from '../test/host-scripts/s3-upload.js';
import { type BenchFigure, printFigures } from './figures.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const RUNS = 3;
/** Per-stream cap of the long-distance case, as curl --limit-rate takes it (20 MiB/s). */
const STREAM_CAP = '20M';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** CPU seconds (user + system) of the command and everything it started: the client side. */
  readonly clientCpuS: number;
  /** CPU seconds of this process meanwhile: the local S3 server, which runs in it. */
  readonly serverCpuS: number;
}

// The shell's `times` prints the CPU of its children on its second line: "0m1.23s 0m0.45s".
const TIMES = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/;

function run(command: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', '"$@"; rc=$?; times >&2; exit $rc', 'sh', command, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const t = TIMES.exec(stderr);
      const clientCpuS = t ? Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4]) : Number.NaN;
      resolve({ code, stdout, stderr, ms, clientCpuS, serverCpuS: (used.user + used.system) / 1e6 });
    });
  });
}

function must(what: string, r: Run): Run {
  if (r.code !== 0) throw new Error(`bench/transfer: ${what} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r;
}

/** An image of real (non-zero, non-sparse) bytes: a random MiB repeated, every MiB stamped. */
function writeImage(path: string, size: number): void {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i += 4) block.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < size; at += MiB) {
      block.write(`MiB ${at / MiB}\n`, 0);
      writeSync(fd, block, 0, Math.min(MiB, size - at));
    }
  } finally {
    closeSync(fd);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mibps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

interface Bench {
  readonly dir: string;
  readonly s3: LocalS3;
  readonly target: UploadTarget;
  readonly script: string;
  readonly env: Record<string, string>;
}

let uploads = 0;

const HOST_SCRIPTS_DIR = fileURLToPath(new URL('../lib/host-scripts/', import.meta.url));

/** The part MD5 sidecar of an image, written by the very function backup.sh calls. */
async function writePartMd5s(b: Bench, image: string, partSize: number): Promise<Run> {
  return must(
    'write_part_md5s',
    await run(
      'sh',
      [
        '-c',
        // The pieces write_part_md5s needs, in a step's order (protocol.sh: its PATH and umask).
        'for p in protocol validate aix part-md5; do . "$0/$p.sh" || exit; done; write_part_md5s "$1" "$2" "$(command -v openssl)"',
        HOST_SCRIPTS_DIR,
        image,
        String(partSize),
      ],
      b.env,
    ),
  );
}

/** One run of the transfer script in direct mode (it reads the image itself, as on an LPAR). */
async function transfer(
  b: Bench,
  image: string,
  size: number,
  partSize: number,
  extra: string[],
): Promise<Run> {
  uploads += 1;
  const date = new Date(Date.UTC(2025, 0, 1) + uploads * 86_400_000).toISOString().slice(0, 10);
  const upload = await prepareImageUpload(b.target, {
    host: 'benchlpar',
    date,
    sizeBytes: size,
    partSizeBytes: partSize,
  });
  const r = must(
    'the transfer script',
    await run(
      'sh',
      [
        b.script,
        'mode=direct',
        'host=benchlpar',
        `imagePath=${image}`,
        `manifestUrl=${upload.manifestUrl}`,
        ...extra,
      ],
      b.env,
    ),
  );
  if (!r.stdout.includes('\nmd5_source=sidecar\n'))
    throw new Error(`bench/transfer: the script did not use the part MD5 sidecar: ${r.stdout}`);
  // The parts are not needed once measured: drop them the way an abort would (s3rver has no abort).
  rmSync(join(b.s3.directory, b.s3.bucket, '._S3rver_uploads', upload.uploadId), {
    recursive: true,
    force: true,
  });
  return r;
}

async function singlePut(b: Bench, image: string, extra: string[]): Promise<Run> {
  const url = await presignPut(b.target, 'bench/single-put');
  return must(
    'curl -T',
    await run('curl', ['--fail', '-sS', ...extra, '-T', image, '-o', '/dev/null', url], b.env),
  );
}

export async function main(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mvbench-transfer-'));
  const s3 = await startLocalS3({ directory: join(dir, 's3') });
  const script = join(dir, 'transfer.sh');
  writeFileSync(script, HOST_SCRIPTS.transfer);
  const b: Bench = {
    dir,
    s3,
    target: { client: localS3Client(s3.endpoint), bucket: s3.bucket },
    script,
    env: { PATH: '/usr/bin:/bin', TMPDIR: dir },
  };
  try {
    // (a) 2 GiB, 64 MiB parts (prepare-upload's default), 4 in flight, against one curl -T.
    const big = join(dir, 'image-2g');
    const bigSize = 2 * GiB;
    writeImage(big, bigSize);
    const md5Pass = await writePartMd5s(b, big, 64 * MiB);
    // Pairs run back to back and the ratio is taken per pair: the machine's load moves both alike.
    const puts: Run[] = [];
    const xfers: Run[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      puts.push(await singlePut(b, big, []));
      xfers.push(await transfer(b, big, bigSize, 64 * MiB, ['parallelParts=4']));
    }
    rmSync(big);
    rmSync(`${big}.partmd5`);
    const put = mibps(bigSize, median(puts.map((r) => r.ms)));

    const xfer = mibps(bigSize, median(xfers.map((r) => r.ms)));
    const ratio = median(puts.map((r, i) => r.ms / (xfers[i] as Run).ms));
    const perGiB = (runs: Run[], side: 'clientCpuS' | 'serverCpuS') =>
      (median(runs.map((r) => r[side])) / (bigSize / GiB)).toFixed(2);

    // (b) Every stream capped: 256 MiB in 16 parts of 16 MiB (a multiple of 4, so no worker idles at
    // the end), 4 in flight, against one capped curl -T and against the script with one part at a time.
    const small = join(dir, 'image-256m');
    const smallSize = 256 * MiB;
    writeImage(small, smallSize);
    await writePartMd5s(b, small, 16 * MiB);
    const cap = ['--limit-rate', STREAM_CAP];
    const oneCurl = await singlePut(b, small, cap);
    const oneScript = await transfer(b, small, smallSize, 16 * MiB, [
      'parallelParts=1',
      `limitRate=${STREAM_CAP}`,
    ]);
    const four = await transfer(b, small, smallSize, 16 * MiB, [
      'parallelParts=4',
      `limitRate=${STREAM_CAP}`,
    ]);
    const vsCurl = oneCurl.ms / four.ms;
    const vsScript = oneScript.ms / four.ms;

    const figures: BenchFigure[] = [
      {
        figure: `transfer script goodput, 2 GiB, 64 MiB parts ×4 in flight, streamed with the part MD5s from backup, vs one curl -T PUT (local S3, median of ${RUNS} pairs)`,
        target: '≥ 80%',
        measured: `${(ratio * 100).toFixed(0)}% (${xfer.toFixed(0)} vs ${put.toFixed(0)} MiB/s)`,
        pass: ratio >= 0.8,
      },
      {
        figure: `CPU seconds per GiB, sender + local S3 server (${cpus().length} CPUs shared by both)`,
        target: '',
        measured: `transfer script ${perGiB(xfers, 'clientCpuS')} + ${perGiB(xfers, 'serverCpuS')}; curl -T ${perGiB(puts, 'clientCpuS')} + ${perGiB(puts, 'serverCpuS')}`,
        pass: null,
      },
      {
        figure: 'backup-side part MD5 pass over the 2 GiB image (write_part_md5s, once per image, in backup)',
        target: '',
        measured: `${(md5Pass.ms / 1000).toFixed(1)} s, ${(md5Pass.clientCpuS / (bigSize / GiB)).toFixed(2)} CPU s per GiB`,
        pass: null,
      },
      {
        figure: `each stream capped at ${STREAM_CAP}iB/s: 4 parallel parts vs one curl -T stream (256 MiB)`,
        target: '≥ 3×',
        measured: `${vsCurl.toFixed(2)}× (${mibps(smallSize, four.ms).toFixed(1)} vs ${mibps(smallSize, oneCurl.ms).toFixed(1)} MiB/s)`,
        pass: vsCurl >= 3,
      },
      {
        figure: `each stream capped at ${STREAM_CAP}iB/s: 4 parallel parts vs the script with 1 part in flight`,
        target: '≥ 3×',
        measured: `${vsScript.toFixed(2)}× (${mibps(smallSize, oneScript.ms).toFixed(1)} MiB/s with one)`,
        pass: vsScript >= 3,
      },
    ];
    printFigures('Transfer', figures);
    return figures;
  } finally {
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
