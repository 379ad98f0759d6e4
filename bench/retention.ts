// Benchmarks of retention: the pure planner over 100,000 records, and a whole retention run (list
// every host, read every record, plan; then once for real, with the deletes) over a year of weekly
// images against the local S3 server, with its S3 calls counted by an SDK middleware.
//
// The store holds only what retention reads: each image's record and a zero-byte stand-in for the
// image. Creating 1,000 hosts × 52 weeks × 2 objects in s3rver takes minutes, so by default the run
// uses BENCH_RETENTION_HOSTS=100 hosts and scales to 1,000 linearly (the work per host does not
// depend on the number of hosts: one listing and one GET per record); set it to 1000 to measure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { inBatches } from '../lambdas/adapters/catalog.js';
import { applyRetention, type RetentionOutput } from '../lambdas/adapters/retention.js';
import { recordKey } from '../lambdas/core/catalog-keys.js';
import { renderImageRecord } from '../lambdas/core/image-record.js';
import {
  DEFAULT_RETENTION_POLICY,
  planRetention,
  type RetentionImage,
} from '../lambdas/core/retention-plan.js';
import { startLocalS3 } from '../lib/local/s3-server.js';
import { countCalls, makeRecord, weeklyDates } from '../test/support/local-store.js';
import { type BenchFigure, medianMs, printFigures } from './figures.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const NEWEST = '2026-11-23T02:00:00.000Z';
const FULL_FLEET = 1000;

const hostName = (i: number) => `lpar${String(i).padStart(4, '0')}`;
/** About one run in forty fails, spread over hosts and weeks without a pattern the planner could favour. */
const verdictOf = (host: number, week: number) => ((host * 7 + week * 13) % 40 === 0 ? 'FAIL' : 'PASS');

/** 100,000 catalogued images: 1,000 hosts × 100 weekly mksysb images (two years). */
function plannerInput(): RetentionImage[] {
  const dates = weeklyDates(NEWEST, 100);
  return Array.from({ length: FULL_FLEET }, (_, h) =>
    dates.map((date, w): RetentionImage => {
      const host = hostName(h);
      return {
        key: `images/${host}/${host}_mksysb_${date.slice(0, 10)}`,
        host,
        kind: 'mksysb',
        volumeGroup: 'rootvg',
        date,
        verdict: verdictOf(h, w),
      };
    }),
  ).flat();
}

const describeCalls = (calls: { command: string }[]) => {
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(c.command, (counts.get(c.command) ?? 0) + 1);
  return [...counts.entries()]
    .sort()
    .map(([command, n]) => `${n.toLocaleString('en-US')} ${command.replace(/Command$/, '')}`)
    .join(', ');
};

export async function main(): Promise<BenchFigure[]> {
  const images = plannerInput();
  let plan = planRetention(images, NOW);
  const planMs = await medianMs(5, () => {
    plan = planRetention(images, NOW);
  });

  const hosts = Number(process.env.BENCH_RETENTION_HOSTS ?? 100);
  const directory = mkdtempSync(join(tmpdir(), 'mksysb-vault-bench-retention-'));
  const s3 = await startLocalS3({ directory });
  const figures: BenchFigure[] = [
    {
      figure: `plan retention over ${images.length.toLocaleString('en-US')} records (${FULL_FLEET} hosts × 100 weeks; median of 5)`,
      target: '≤ 1 s',
      measured: `${planMs.toFixed(0)} ms (${plan.keep.length.toLocaleString('en-US')} kept, ${plan.delete.length.toLocaleString('en-US')} to delete)`,
      pass: planMs <= 1000,
    },
  ];
  try {
    const client = s3.client();
    const records = Array.from({ length: hosts }, (_, h) =>
      weeklyDates(NEWEST, 52).map((date, w) =>
        makeRecord({ host: hostName(h), date, verdict: verdictOf(h, w) }),
      ),
    ).flat();
    const seedStart = performance.now();
    await inBatches(records, 32, async (record) => {
      await client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: record.key, Body: new Uint8Array(0) }),
      );
      await client.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: recordKey(record.key),
          Body: renderImageRecord(record),
        }),
      );
    });
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const calls = countCalls(client);
    const deps = { s3: client, bucket: s3.bucket, policy: DEFAULT_RETENTION_POLICY, objectLock: false };
    let dry: RetentionOutput | undefined;
    const dryMs = await medianMs(3, async () => {
      dry = await applyRetention({ dryRun: true }, { ...deps, now: () => NOW });
    });
    const threeDryRuns = calls.splice(0);
    const dryCalls = threeDryRuns.slice(0, threeDryRuns.length / 3);
    const realStart = performance.now();
    const real = await applyRetention({ dryRun: false }, { ...deps, now: () => NOW });
    const realMs = performance.now() - realStart;
    const realCalls = calls.splice(0);

    const scale = FULL_FLEET / hosts;
    const scaled =
      scale === 1 ? '' : `; × ${scale} for ${FULL_FLEET} hosts ≈ ${((dryMs * scale) / 1000).toFixed(0)} s`;
    figures.push(
      {
        figure: `retention dry run (list, read every record, plan) over ${hosts} hosts × 52 weekly images, local S3 (median of 3)`,
        target: '',
        measured: `${(dryMs / 1000).toFixed(2)} s; ${dryCalls.length.toLocaleString('en-US')} S3 calls (${describeCalls(dryCalls)})${scaled}`,
        pass: null,
      },
      {
        figure: `retention run with deletes over ${hosts} hosts × 52 weekly images, local S3`,
        target: '',
        measured: `${(realMs / 1000).toFixed(2)} s; ${realCalls.length.toLocaleString('en-US')} S3 calls (${describeCalls(realCalls)}); ${real.delete.length.toLocaleString('en-US')} images deleted, ${real.keep.length.toLocaleString('en-US')} kept`,
        pass: null,
      },
      {
        figure: `S3 calls of a dry run for ${FULL_FLEET.toLocaleString('en-US')} hosts × 52 weeks`,
        target: '',
        measured:
          scale === 1
            ? `${dryCalls.length.toLocaleString('en-US')} (measured)`
            : `${((dryCalls.length - 1) * scale + 1).toLocaleString('en-US')} (from the ${hosts}-host run: one listing and 52 record GETs per host, × ${scale}, plus one page of host names)`,
        pass: null,
      },
    );
    console.log(
      `  (seeded ${(records.length * 2).toLocaleString('en-US')} objects in ${seedSeconds.toFixed(1)} s; dry-run plan: ${dry?.delete.length} deletes)`,
    );
  } finally {
    await s3.close();
    rmSync(directory, { recursive: true, force: true });
  }
  printFigures('Retention', figures);
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
