// Benchmark of the content check (issue 12): the ContentInspector that inspect-image and
// `mksysb-vault image verify` feed with a stored image — SHA-256 and the BFF walk in one pass — against
// `sha256sum` of the same file in the same run, and its peak memory on a 4 GiB image. The archive is
// written here with the project's BffWriter: a rootvg's install and boot files, then 64 MiB files of
// incompressible bytes (stored unpacked, as backup stores what packing would not shrink). The
// inspector runs in a child process so its peak RSS is its own. From its speed: what the Lambda
// (1,769 MB, one vCPU) would take and cost per GiB.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContentInspector } from '../lambdas/core/bff/content-check.js';
import { BffWriter } from '../lambdas/core/bff/writer.js';
import { type BenchFigure, printFigures } from './figures.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** Lambda price per GB-second (x86, us-east-1) and per 1,000 GET requests (S3 Standard). */
const LAMBDA_GB_SECOND_USD = 0.0000166667;
const GET_PER_1000_USD = 0.0004;
const LAMBDA_MEMORY_GB = 1769 / 1024;
const RANGE_BYTES = 8 * MiB;

/** A small file put in the middle of the bulk (bench/restore-file.ts restores it from there). */
export interface ArchiveFile {
  /** The name as archived, e.g. `./etc/security/passwd`. */
  readonly path: string;
  readonly data: Uint8Array;
  /** @default 0o100644 */
  readonly mode?: number;
}

/**
 * Writes a rootvg-shaped archive of about `bytes` to `path`; `middle` files go halfway through the
 * bulk. Files are packed as `backup` packs them (when that saves a 4 KiB block): the bulk is written
 * by size, never packed, and the install files are too small to pack, so only `middle` files can be.
 */
export function writeArchive(path: string, bytes: number, middle: readonly ArchiveFile[] = []): void {
  const fd = openSync(path, 'w');
  const w = new BffWriter({ pack: true, date: 1_795_000_000 });
  const put = (chunks: Uint8Array | Uint8Array[]) => {
    for (const c of [chunks].flat()) writeSync(fd, c);
  };
  const text = (s: string) => new TextEncoder().encode(s);
  const meta = { uid: 0, gid: 0, mtime: 1_795_000_000 };
  put(w.volumeHeader());
  put(w.entry({ path: '.', type: 'directory', mode: 0o40755, ...meta }));
  for (const [path, body] of [
    ['./bosinst.data', 'control_flow:\n    CONSOLE = Default\n'],
    ['./image.data', 'image_data:\n\tIMAGE_TYPE= bff\n\nvg_data:\n\tVGNAME= rootvg\n'],
    ['./etc/inittab', 'init:2:initdefault:\n'],
    ['./etc/filesystems', '/:\n\tdev = /dev/hd4\n'],
    ['./sbin/rc.boot', '#!/bin/ksh\n'],
    ['./usr/lib/boot/unix_64', 'kernel'],
  ] as const)
    put(w.entry({ path, type: 'file', mode: 0o100644, ...meta, data: text(body) }));
  const block = randomBytes(MiB);
  const fileBytes = 64 * MiB;
  let pending = middle;
  for (let n = 0, written = 0; written < bytes; n += 1, written += fileBytes) {
    if (pending.length > 0 && written >= bytes / 2) {
      for (const f of pending)
        put(w.entry({ path: f.path, type: 'file', mode: f.mode ?? 0o100644, ...meta, data: f.data }));
      pending = [];
    }
    put(
      w.entry({ path: `./usr/lib/bench/file${n}`, type: 'file', mode: 0o100644, ...meta, size: fileBytes }),
    );
    for (let i = 0; i < fileBytes / MiB; i += 1) writeSync(fd, block);
    put(BffWriter.padding(fileBytes));
  }
  put(w.end());
  closeSync(fd);
}

/** The child: streams the file through a ContentInspector and prints what it took. */
async function worker(path: string): Promise<void> {
  const inspector = new ContentInspector({ kind: 'mksysb', volumeGroup: 'rootvg' });
  const started = performance.now();
  for await (const chunk of createReadStream(path, { highWaterMark: RANGE_BYTES })) inspector.push(chunk);
  const report = inspector.finish();
  const ms = performance.now() - started;
  console.log(
    JSON.stringify({
      ms,
      bytes: report.bytesRead,
      entries: report.entries,
      complete: report.complete,
      problem: report.problem,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    }),
  );
}

function inspect(path: string): { ms: number; bytes: number; complete: boolean; maxRssBytes: number } {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', path],
    { encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' }, maxBuffer: 16 * MiB },
  );
  if (run.status !== 0) throw new Error(`content-check worker failed: ${run.stderr.slice(-500)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
}

function sha256sumMs(path: string): number {
  const started = performance.now();
  const run = spawnSync('sha256sum', [path], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`sha256sum failed: ${run.stderr}`);
  return performance.now() - started;
}

export async function main(): Promise<BenchFigure[]> {
  const gib = Number(process.env.BENCH_CONTENT_GIB ?? 4);
  const dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-bench-content-'));
  const path = join(dir, 'bench01_mksysb_2026-11-23');
  try {
    writeArchive(path, gib * GiB);
    // Both read the same file from the page cache: the first pass warms it, the comparison is CPU.
    sha256sumMs(path);
    const shaMs = Math.min(sha256sumMs(path), sha256sumMs(path));
    const runs = [inspect(path), inspect(path)];
    const best = runs.reduce((a, b) => (a.ms <= b.ms ? a : b));
    if (!best.complete) throw new Error('the benchmark archive did not read as complete');
    const mbps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);
    const inspectRate = mbps(best.bytes, best.ms);
    const shaRate = mbps(best.bytes, shaMs);
    const peakRss = Math.max(...runs.map((r) => r.maxRssBytes));
    const secondsPerGiB = GiB / MiB / inspectRate;
    const costPerGiB =
      secondsPerGiB * LAMBDA_MEMORY_GB * LAMBDA_GB_SECOND_USD + (GiB / RANGE_BYTES / 1000) * GET_PER_1000_USD;
    const figures: BenchFigure[] = [
      {
        figure: `content check (SHA-256 + archive walk) of a ${gib} GiB image vs sha256sum of the same file`,
        target: '≥ 80%',
        measured: `${inspectRate.toFixed(0)} MiB/s vs ${shaRate.toFixed(0)} MiB/s = ${((inspectRate / shaRate) * 100).toFixed(0)}%`,
        pass: inspectRate / shaRate >= 0.8,
      },
      {
        figure: `content check peak RSS on a ${gib} GiB image (the whole process)`,
        target: gib >= 4 ? '≤ 256 MiB' : '',
        measured: `${(peakRss / MiB).toFixed(0)} MiB`,
        pass: gib >= 4 ? peakRss <= 256 * MiB : null,
      },
      {
        figure: 'inspect-image Lambda (1,769 MB, one vCPU) per GiB, at this machine’s speed',
        target: '',
        measured: `${secondsPerGiB.toFixed(1)} s and $${costPerGiB.toFixed(5)} per GiB (GB-s + ${GiB / RANGE_BYTES} GETs); 15 min reach ≈ ${((900 - 30) / secondsPerGiB).toFixed(0)} GiB if S3 keeps up`,
        pass: null,
      },
    ];
    printFigures('Content check', figures);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--worker') await worker(process.argv[3] as string);
else if (import.meta.url === `file://${process.argv[1]}`) await main();
