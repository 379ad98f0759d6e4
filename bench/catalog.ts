// Fleet-wide reads through the per-host catalog index (issue 16 item 2): `status`, `retention
// --dry-run` and the report over 1,000 hosts × 52 weekly images and 10,000 hosts in the local S3 server,
// each with its S3 calls (counted by an SDK middleware), its time and its CPU time (the local S3
// server runs in this process: its share is in it), side by side; then, at the smaller fleet, the
// same reads with the indexes removed (every record read, as before the index) on its first 100
// hosts, scaled to the fleet.
//
// The store is seeded straight into the local server's directory (s3rver's files: the object, its
// MD5 and its metadata), not through the pipeline or S3 PUTs: 10,000 × 52 images are 1,040,000 objects
// (image stand-in and record) plus an index per host, which PUTs would take hours to write. Each
// command is what the CLI runs, minus printing: the same functions (readFleet, hostStatus,
// applyRetention, withChangesShown, renderHtmlReport) on a store opened the way the CLI opens it.
// BENCH_CATALOG_FLEETS (HOSTSxWEEKS, default "1000x52,10000x4") picks the fleets: 10,000 × 52 is
// 3.1 million files in the local store, minutes to write and about half an hour to delete on a
// 2-core machine, so by default 10,000 hosts have 4 weeks each ("10000x52" measures the whole year).
// In the local store, time is mostly the stand-in's: each listed key costs s3rver a stat and two
// file reads, and the SDK parses each listing's XML, all on this process's one core (about 3 ms of
// CPU a call); against S3 it is round trips, 32 hosts at a time. So the time goals are S3's to meet:
// BENCH_CATALOG_BUCKET=<an empty bucket of yours> (credentials and region as the AWS CLI finds them;
// BENCH_CATALOG_ENDPOINT for an S3-compatible store) runs the same reads against it, after seeding it
// with PUTs (64 at a time: 10,000 × 4 is 90,001 PUTs). The bench never deletes there: it leaves a
// note of the fleet it seeded (bench-catalog-fleet.json) and reuses it on the next run; one fleet per
// bucket, and a bucket holding anything else is refused. Delete the bucket's objects when done.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readAcknowledgements } from '../lambdas/adapters/acknowledgements.js';
import { inBatches } from '../lambdas/adapters/catalog.js';
import { applyRetention } from '../lambdas/adapters/retention.js';
import { storeClient } from '../lambdas/adapters/s3-client.js';
import { rebuildIndex } from '../lambdas/core/catalog-index.js';
import { catalogIndexKey, recordKey } from '../lambdas/core/catalog-keys.js';
import { DEFAULT_RETENTION_POLICY } from '../lambdas/core/retention-plan.js';
import { lastRunOf, readFleet, readRecentRuns } from '../lib/cli/fleet-view.js';
import { fleetForecast } from '../lib/cli/forecast-view.js';
import { reportHost, withChangesShown } from '../lib/cli/report.js';
import { hostStatus } from '../lib/cli/status.js';
import type { OpenStore } from '../lib/cli/store.js';
import { type LocalS3, startLocalS3 } from '../lib/local/s3-server.js';
import { renderHtmlReport } from '../lib/report/html-report.js';
import { countCalls, makeRecord, type S3Call, weeklyDates } from '../test/support/local-store.js';
import { type BenchFigure, printFigures } from './figures.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const NEWEST = '2026-11-23T02:00:00.000Z';
/** Issue 16's goals: status of 10,000 hosts ≤ 10 s and ≤ 2 calls per host; a retention dry run ≤ 60 s. */
const STATUS_GOAL_MS = 10_000;
const STATUS_CALLS_PER_HOST = 2;
const RETENTION_GOAL_MS = 60_000;
const GOAL_HOSTS = 10_000;
/** Hosts the no-index comparison reads (every record of each), scaled to the fleet. */
const BASELINE_HOSTS = 100;

const hostName = (i: number) => `lpar${String(i).padStart(5, '0')}`;
/** About one run in forty fails, spread over hosts and weeks (as bench/retention.ts). */
const verdictOf = (host: number, week: number) => ((host * 7 + week * 13) % 40 === 0 ? 'FAIL' : 'PASS');

interface Fleet {
  readonly hosts: number;
  readonly weeks: number;
}

function fleetsWanted(): Fleet[] {
  return (process.env.BENCH_CATALOG_FLEETS ?? '1000x52,10000x4').split(',').map((spec) => {
    const [hosts, weeks] = spec.split('x').map(Number);
    if (!hosts || !weeks) throw new Error(`BENCH_CATALOG_FLEETS: "${spec}" is not HOSTSxWEEKS`);
    return { hosts, weeks };
  });
}

/**
 * Writes one object the way s3rver's filesystem store keeps what a PUT sent: the bytes, their MD5 and
 * the object's metadata beside them (without it, every listing of the key costs s3rver a failed open).
 */
function putFile(bucketDir: string, key: string, body: string, contentType: string): void {
  const path = join(bucketDir, `${key}._S3rver_object`);
  writeFileSync(path, body);
  writeFileSync(`${path}.md5`, createHash('md5').update(body).digest('hex'));
  writeFileSync(
    join(bucketDir, `${key}._S3rver_metadata.json`),
    JSON.stringify({ 'content-type': contentType }),
  );
}

interface SeedObject {
  readonly key: string;
  readonly body: string;
  readonly contentType: string;
}

/** Each host's objects, host by host: its weekly images' stand-ins and records, and its catalog index. */
function* fleetObjects(fleet: Fleet): Generator<SeedObject[]> {
  const dates = weeklyDates(NEWEST, fleet.weeks);
  for (let h = 0; h < fleet.hosts; h += 1) {
    const host = hostName(h);
    const records = dates.map((date, w) => makeRecord({ host, date, verdict: verdictOf(h, w) }));
    yield [
      ...records.flatMap((record) => [
        { key: record.key, body: '', contentType: 'application/octet-stream' },
        // The record as verify writes it (renderImageRecord without its schema check, for speed).
        {
          key: recordKey(record.key),
          body: `${JSON.stringify(record, null, 2)}\n`,
          contentType: 'application/json',
        },
      ]),
      {
        key: catalogIndexKey(host),
        body: `${JSON.stringify(rebuildIndex(host, records))}\n`,
        contentType: 'application/json',
      },
    ];
  }
}

/** The fleet written straight into the local store's directory. */
function seed(s3: LocalS3, fleet: Fleet): { objects: number; seconds: number } {
  const started = performance.now();
  const bucketDir = join(s3.directory, s3.bucket);
  let objects = 0;
  for (const hostObjects of fleetObjects(fleet)) {
    const folders = new Set(hostObjects.map((o) => dirname(join(bucketDir, o.key))));
    for (const folder of folders) mkdirSync(folder, { recursive: true });
    for (const o of hostObjects) putFile(bucketDir, o.key, o.body, o.contentType);
    objects += hostObjects.length;
  }
  return { objects, seconds: (performance.now() - started) / 1000 };
}

/** Where the reads are measured: the local S3 server (seeded on disk) or a real bucket (seeded by PUTs). */
interface Target {
  readonly bucket: string;
  readonly local: boolean;
  client(): S3Client;
}

function openStore(target: Target): { store: OpenStore; calls: S3Call[] } {
  const client = target.client();
  const calls = countCalls(client);
  const store: OpenStore = {
    client,
    bucket: target.bucket,
    description: 'bench store',
    local: target.local,
    presignClient: client,
    fleet: null,
    config: null,
    configSource: 'none',
    nextLocalRun: null,
    clock: NOW,
    close: async () => undefined,
  };
  return { store, calls };
}

interface Measured {
  readonly ms: number;
  /** CPU seconds of this process (the command and the local S3 server in it): load-independent. */
  readonly cpuSeconds: number;
  readonly calls: number;
  readonly detail: string;
}

async function measure(target: Target, work: (store: OpenStore) => Promise<string>): Promise<Measured> {
  const { store, calls } = openStore(target);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const detail = await work(store);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  store.client.destroy();
  const measured = { ms, cpuSeconds: (used.user + used.system) / 1e6, calls: calls.length, detail };
  // As each is measured: a large fleet's whole run takes a while.
  console.log(
    `  (${work.name}: ${(ms / 1000).toFixed(1)} s, ${measured.cpuSeconds.toFixed(1)} CPU s, ${calls.length} calls)`,
  );
  return measured;
}

/** What `status` reads and judges (lib/cli/status.ts), without printing the table. */
async function status(store: OpenStore, only?: readonly string[]): Promise<string> {
  const { reports } = await readRecentRuns(store);
  const fleet = await readFleet(store, only);
  const acks = await readAcknowledgements(store);
  const rows = fleet.hosts.map((v) => hostStatus(v, store.clock, 8, lastRunOf(v.host, reports), acks.acks));
  const images = fleet.hosts.reduce((n, v) => n + v.records.length, 0);
  return `${rows.length.toLocaleString('en-US')} hosts, ${images.toLocaleString('en-US')} images, ${rows.filter((r) => r.state === 'ok').length.toLocaleString('en-US')} ok`;
}

async function retentionDryRun(store: OpenStore, hosts?: readonly string[]): Promise<string> {
  const out = await applyRetention(
    { dryRun: true, ...(hosts ? { hosts: [...hosts] } : {}) },
    {
      s3: store.client,
      bucket: store.bucket,
      policy: DEFAULT_RETENTION_POLICY,
      objectLock: false,
      now: () => NOW,
    },
  );
  return `${out.keep.length.toLocaleString('en-US')} kept, ${out.delete.length.toLocaleString('en-US')} to delete`;
}

/** What `report` reads and renders (lib/cli/report.ts), without writing the file. */
async function report(store: OpenStore): Promise<string> {
  const fleet = await readFleet(store);
  const views = await withChangesShown(store, fleet.hosts);
  const { reports } = await readRecentRuns(store);
  const forecast = fleetForecast(views, null, store.clock);
  const html = renderHtmlReport({
    title: 'bench',
    generatedAt: store.clock.toISOString(),
    store: store.description,
    hosts: views.map((v, i) => ({
      ...reportHost(v),
      lastRun: lastRunOf(v.host, reports),
      staging: forecast.staging[i] ?? null,
    })),
    bucket: forecast.bucket,
    maxImageAgeDays: 8,
  });
  return `${(html.length / 1024 ** 2).toFixed(1)} MiB of HTML`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const perHost = (m: Measured, hosts: number) => (m.calls / hosts).toFixed(2);
const row = (m: Measured, hosts: number, local = true) =>
  `${seconds(m.ms)} (${m.cpuSeconds.toFixed(1)} CPU s${local ? ', local S3 included' : ' here'}); ${m.calls.toLocaleString('en-US')} S3 calls (${perHost(m, hosts)} per host); ${m.detail}`;
/** Calls status makes once per fleet: the listing of the hosts, of the run reports, of the acknowledgements. */
const STATUS_FLEET_CALLS = 3;

/** The three fleet-wide reads, measured on a seeded target, as figures. */
async function readFigures(target: Target, fleet: Fleet, name: string): Promise<BenchFigure[]> {
  const atGoal = fleet.hosts >= GOAL_HOSTS;
  const st = await measure(target, status);
  const rt = await measure(target, retentionDryRun);
  const rp = await measure(target, report);
  return [
    {
      figure: `status, ${name} (catalog index)`,
      target: `${atGoal ? `≤ ${STATUS_GOAL_MS / 1000} s, ` : ''}≤ ${STATUS_CALLS_PER_HOST} calls per host (+ ${STATUS_FLEET_CALLS} per fleet)`,
      measured: row(st, fleet.hosts, target.local),
      pass:
        st.calls <= STATUS_CALLS_PER_HOST * fleet.hosts + STATUS_FLEET_CALLS &&
        (!atGoal || st.ms <= STATUS_GOAL_MS),
    },
    {
      figure: `retention --dry-run, ${name} (catalog index)`,
      target: atGoal ? `≤ ${RETENTION_GOAL_MS / 1000} s` : '',
      measured: row(rt, fleet.hosts, target.local),
      pass: atGoal ? rt.ms <= RETENTION_GOAL_MS : null,
    },
    {
      figure: `report, ${name} (catalog index; the newest image's record read for what changed)`,
      target: '',
      measured: row(rp, fleet.hosts, target.local),
      pass: null,
    },
  ];
}

async function benchLocalFleet(fleet: Fleet): Promise<BenchFigure[]> {
  const directory = mkdtempSync(join(tmpdir(), 'mksysb-vault-bench-catalog-'));
  const s3 = await startLocalS3({ directory });
  const target: Target = { bucket: s3.bucket, local: true, client: () => s3.client() };
  const name = `${fleet.hosts.toLocaleString('en-US')} hosts × ${fleet.weeks} weeks`;
  try {
    const seeded = seed(s3, fleet);
    console.log(
      `  (${name}: seeded ${seeded.objects.toLocaleString('en-US')} objects in ${seeded.seconds.toFixed(0)} s, straight into the store's directory)`,
    );
    const figures = await readFigures(target, fleet, name);
    if (fleet.hosts < GOAL_HOSTS) {
      // The same reads without any index (every record read, as before it), on the first
      // BASELINE_HOSTS hosts: 52 GETs a host take minutes more on a loaded machine; × hosts/100 scales.
      rmSync(join(s3.directory, s3.bucket, 'catalog'), { recursive: true, force: true });
      const some = Array.from({ length: Math.min(BASELINE_HOSTS, fleet.hosts) }, (_, h) => hostName(h));
      const stOld = await measure(target, (store) => status(store, some));
      const rtOld = await measure(target, (store) => retentionDryRun(store, some));
      const scale = (m: Measured) =>
        `; × ${fleet.hosts / some.length} ≈ ${seconds((m.ms * fleet.hosts) / some.length)}, ${Math.round((m.calls * fleet.hosts) / some.length).toLocaleString('en-US')} calls for ${fleet.hosts.toLocaleString('en-US')} hosts`;
      figures.push(
        {
          figure: `status, ${some.length} of the ${name}, no index (every record read)`,
          target: '',
          measured: `${row(stOld, some.length)}${scale(stOld)}`,
          pass: null,
        },
        {
          figure: `retention --dry-run, ${some.length} of the ${name}, no index (every record read)`,
          target: '',
          measured: `${row(rtOld, some.length)}${scale(rtOld)}`,
          pass: null,
        },
      );
    }
    return figures;
  } finally {
    await s3.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The note a seeded bucket keeps of its fleet (one fleet per bucket: the readers see the whole bucket). */
const SEEDED_KEY = 'bench-catalog-fleet.json';
const SEED_CONCURRENCY = 64;

async function seededFleet(client: S3Client, bucket: string): Promise<Fleet | null> {
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: SEEDED_KEY }));
    return JSON.parse((await got.Body?.transformToString()) ?? '') as Fleet;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return null;
    throw error;
  }
}

/** Seeds a real bucket with PUTs, unless it already holds this fleet; refuses a bucket holding anything else. */
async function seedBucket(client: S3Client, bucket: string, fleet: Fleet): Promise<string> {
  const seeded = await seededFleet(client, bucket);
  if (seeded && seeded.hosts === fleet.hosts && seeded.weeks === fleet.weeks)
    return 'seeded by an earlier run';
  if (seeded)
    throw new Error(
      `BENCH_CATALOG_BUCKET ${bucket}: seeded with ${seeded.hosts}x${seeded.weeks} (${SEEDED_KEY}), not ${fleet.hosts}x${fleet.weeks}: one fleet per bucket (empty it, or use another)`,
    );
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
  if ((listed.KeyCount ?? 0) > 0)
    throw new Error(
      `BENCH_CATALOG_BUCKET ${bucket}: not empty (${listed.Contents?.[0]?.Key} …): the bench seeds only an empty bucket and never deletes`,
    );
  const started = performance.now();
  const puts = [...fleetObjects(fleet)].flat();
  await inBatches(puts, SEED_CONCURRENCY, async ({ key, body, contentType }) => {
    // ContentLength told: the SDK takes an empty string for a stream of unknown length otherwise.
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentLength: Buffer.byteLength(body),
        ContentType: contentType,
      }),
    );
  });
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: SEEDED_KEY,
      Body: JSON.stringify(fleet),
      ContentType: 'application/json',
    }),
  );
  return `seeded ${puts.length.toLocaleString('en-US')} objects in ${((performance.now() - started) / 1000).toFixed(0)} s`;
}

async function benchBucketFleet(bucket: string, fleet: Fleet): Promise<BenchFigure[]> {
  const endpoint = process.env.BENCH_CATALOG_ENDPOINT;
  const options = endpoint ? { endpoint, forcePathStyle: true } : {};
  const target: Target = { bucket, local: false, client: () => storeClient(options) };
  const name = `${fleet.hosts.toLocaleString('en-US')} hosts × ${fleet.weeks} weeks in s3://${bucket}`;
  const seeder = target.client();
  try {
    console.log(`  (${name}: ${await seedBucket(seeder, bucket, fleet)})`);
  } finally {
    seeder.destroy();
  }
  return readFigures(target, fleet, name);
}

export async function main(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const bucket = process.env.BENCH_CATALOG_BUCKET;
  const fleets = fleetsWanted();
  if (bucket && fleets.length !== 1)
    throw new Error(
      `BENCH_CATALOG_BUCKET measures one fleet per bucket: set BENCH_CATALOG_FLEETS to one HOSTSxWEEKS (e.g. 10000x4), not "${fleets.map((f) => `${f.hosts}x${f.weeks}`).join(',')}"`,
    );
  for (const fleet of fleets)
    figures.push(...(await (bucket ? benchBucketFleet(bucket, fleet) : benchLocalFleet(fleet))));
  printFigures('Catalog index: fleet-wide reads', figures);
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
