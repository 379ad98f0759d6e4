// Benchmark of verify: its S3 calls, the bytes it reads and its time for a 1 GiB and an 8 GiB image,
// against the local S3 server. verify never reads image bytes, so neither calls nor time may grow
// with the image. What is measured, honestly:
// - Each image is a real object in the local store whose HEAD answers its full size: it is PUT as one
//   byte and then its file in s3rver's store is extended to 1 or 8 GiB (a sparse file: no disk used).
//   A GET of it would stream the full size of zeros; the counters below would show it.
// - Each host has 26 weeks of records beside (record objects only: verify never looks at older
//   images), the `lsmksysb` and log sidecars and the transfer report of the upload (one line per
//   64 MiB part: 16 lines for 1 GiB, 128 for 8 GiB: the one input that does grow with the image).
// - S3 calls are counted by command with an SDK middleware, and the bytes of every GetObject body by
//   its Content-Length, per key.
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  imageKey,
  imageName,
  recordKey,
  sidecarKey,
  transferReportKey,
} from '../lambdas/core/catalog-keys.js';
import { renderImageRecord } from '../lambdas/core/image-record.js';
import { DEFAULT_VERIFICATION_POLICY } from '../lambdas/core/policy.js';
import type { VerifyOutput } from '../lambdas/verify/schema.js';
import { verifyImage } from '../lambdas/verify/verify.js';
import { type LocalS3, startLocalS3 } from '../lib/local/s3-server.js';
import { lsmksysbListing, makeRecord, SUCCESS_LOG, weeklyDates } from '../test/support/local-store.js';
import { type BenchFigure, printFigures } from './figures.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TODAY = '2026-11-23T02:00:00.000Z';
const RUN_ID = 'run-2026-11-23';
const PART = 64 * MiB;
const RUNS = 21;

interface Traffic {
  /** Calls by command name. */
  readonly calls: Map<string, number>;
  /** GetObject body bytes by key. */
  readonly bytes: Map<string, number>;
}

/** Counts every command the client sends and the size of every GetObject body it receives. */
function meter(client: S3Client): Traffic {
  const traffic: Traffic = { calls: new Map(), bytes: new Map() };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName).replace(/Command$/, '');
      traffic.calls.set(command, (traffic.calls.get(command) ?? 0) + 1);
      const result = await next(args);
      if (command === 'GetObject') {
        const key = (args.input as { Key?: string }).Key ?? '';
        const response = result.response as { headers?: Record<string, string> };
        const length = Number(response.headers?.['content-length'] ?? 0);
        traffic.bytes.set(key, (traffic.bytes.get(key) ?? 0) + length);
      }
      return result;
    },
    { step: 'deserialize', name: 'benchMeter' },
  );
  return traffic;
}

const put = (s3: LocalS3, client: S3Client, Key: string, Body: string | Uint8Array) =>
  client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body }));

/** One host with an image of `size` bytes uploaded today and 26 weeks of records before it. */
async function seedHost(s3: LocalS3, client: S3Client, host: string, size: number) {
  const ref = { host, kind: 'mksysb' as const, volumeGroup: 'rootvg', date: TODAY };
  const key = imageKey(ref);
  for (const date of weeklyDates(TODAY, 27).slice(0, 26)) {
    const record = makeRecord({ host, date, sizeBytes: size - 64 * MiB });
    await put(s3, client, recordKey(record.key), renderImageRecord(record));
  }
  await put(s3, client, key, new Uint8Array(1));
  const file = join(s3.directory, s3.bucket, 'images', host, `${imageName(ref)}._S3rver_object`);
  truncateSync(file, size);
  const onDisk = statSync(file).blocks * 512;
  const sizeMB = size / MiB;
  await put(
    s3,
    client,
    sidecarKey(key, 'lsmksysb'),
    lsmksysbListing(TODAY, { backupMB: sizeMB, shrinkMB: Math.round(sizeMB * 0.8) }),
  );
  await put(s3, client, sidecarKey(key, 'log'), SUCCESS_LOG);
  const lines = Array.from({ length: Math.ceil(size / PART) }, (_, i) => {
    const md5 = (i + 1).toString(16).padStart(32, '0');
    return `part=${i + 1} etag=${md5} md5=${md5}`;
  });
  await put(s3, client, transferReportKey(RUN_ID, host, imageName(ref)), `${lines.join('\n')}\n`);
  return { key, onDisk, parts: lines.length };
}

function verify(client: S3Client, bucket: string, host: string, key: string, size: number) {
  return verifyImage(
    {
      runId: RUN_ID,
      host,
      kind: 'mksysb',
      date: TODAY,
      key,
      sizeBytes: size,
      sha256: 'd'.repeat(64),
      osLevel: '7300-02-01-2346',
    },
    { s3: client, bucket, policy: DEFAULT_VERIFICATION_POLICY, historyLimit: 26, now: () => new Date() },
  );
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const describeCalls = (calls: Map<string, number>) =>
  [...calls.entries()]
    .sort()
    .map(([c, n]) => `${n} ${c}`)
    .join(', ');
const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

export async function main(): Promise<BenchFigure[]> {
  const directory = mkdtempSync(join(tmpdir(), 'mksysb-vault-bench-verify-'));
  const s3 = await startLocalS3({ directory });
  try {
    const cases = [
      { label: '1 GiB', host: 'bench1g', size: GiB },
      { label: '8 GiB', host: 'bench8g', size: 8 * GiB },
    ];
    const seedClient = s3.client();
    const seeded = [];
    for (const c of cases) seeded.push({ ...c, ...(await seedHost(s3, seedClient, c.host, c.size)) });

    // One metered run each: the calls and bytes of a single verify.
    const metered: { key: string; parts: number; onDisk: number; traffic: Traffic; out: VerifyOutput }[] = [];
    for (const c of seeded) {
      const client = s3.client();
      const traffic = meter(client);
      const out: VerifyOutput = await verify(client, s3.bucket, c.host, c.key, c.size);
      metered.push({ ...c, traffic, out });
    }
    // Timed runs, interleaved so that any drift of the machine hits both sizes alike.
    const times: number[][] = seeded.map(() => []);
    const client = s3.client();
    for (let run = 0; run < RUNS + 1; run += 1)
      for (const [i, c] of seeded.entries()) {
        const start = performance.now();
        await verify(client, s3.bucket, c.host, c.key, c.size);
        if (run > 0) times[i]?.push(performance.now() - start);
      }

    // A control for the meter: a 1 MiB ranged GET of the image is counted (and nothing of it by verify).
    const control = s3.client();
    const controlTraffic = meter(control);
    const first = seeded[0] as (typeof seeded)[0];
    const sample = await control.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: first.key, Range: `bytes=0-${MiB - 1}` }),
    );
    await sample.Body?.transformToByteArray();
    const controlBytes = controlTraffic.bytes.get(first.key) ?? 0;

    const [small, large] = metered as [(typeof metered)[0], (typeof metered)[0]];
    const [smallMs, largeMs] = times.map(median) as [number, number];
    const imageBytes = metered.map((m) => m.traffic.bytes.get(m.key) ?? 0);
    const bodyKB = (m: { traffic: Traffic }) => (total(m.traffic.bytes) / 1024).toFixed(1);
    const growth = (largeMs - smallMs) / smallMs;
    const figures: BenchFigure[] = [
      {
        figure: 'verify: S3 calls for a 1 GiB and an 8 GiB image',
        target: 'the same number',
        measured: `${total(small.traffic.calls)} (${describeCalls(small.traffic.calls)}) and ${total(large.traffic.calls)} (${describeCalls(large.traffic.calls)}); verdicts ${small.out.verdict}, ${large.out.verdict}`,
        pass: describeCalls(small.traffic.calls) === describeCalls(large.traffic.calls),
      },
      {
        figure: `verify: time for a 1 GiB and an 8 GiB image, local S3 (median of ${RUNS})`,
        target: 'within 20%',
        measured: `${smallMs.toFixed(1)} ms and ${largeMs.toFixed(1)} ms (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)}%)`,
        pass: Math.abs(growth) <= 0.2,
      },
      {
        figure: 'verify: image bytes read (GetObject bodies of the image key)',
        target: '0',
        measured: `${imageBytes[0]} of 1 GiB and ${imageBytes[1]} of 8 GiB; all GetObject bodies ${bodyKB(small)} KB and ${bodyKB(large)} KB (26 records, 2 sidecars, the transfer report of ${small.parts} and ${large.parts} parts); images are sparse objects in the local store (${small.onDisk + large.onDisk} bytes on disk), HEAD answers their full size; control: a 1 MiB ranged GET of the image meters ${controlBytes} bytes`,
        pass: imageBytes.every((b) => b === 0) && controlBytes === MiB,
      },
    ];
    printFigures('verify', figures);
    return figures;
  } finally {
    await s3.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
