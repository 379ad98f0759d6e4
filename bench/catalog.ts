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
// file reads, and the SDK parses each listing's XML; against S3 it is round trips, 32 hosts at a time.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readAcknowledgements } from '../lambdas/adapters/acknowledgements.js';
import { applyRetention } from '../lambdas/adapters/retention.js';
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

/** Each host's weekly records with their image stand-ins and, unless told not to, its catalog index. */
function seed(s3: LocalS3, fleet: Fleet): { objects: number; seconds: number } {
  const started = performance.now();
  const bucketDir = join(s3.directory, s3.bucket);
  const dates = weeklyDates(NEWEST, fleet.weeks);
  let objects = 0;
  for (let h = 0; h < fleet.hosts; h += 1) {
    const host = hostName(h);
    mkdirSync(join(bucketDir, 'images', host), { recursive: true });
    const records = dates.map((date, w) => makeRecord({ host, date, verdict: verdictOf(h, w) }));
    for (const record of records) {
      putFile(bucketDir, record.key, '', 'application/octet-stream');
      // The record as verify writes it (renderImageRecord without its schema check, for speed).
      putFile(bucketDir, recordKey(record.key), `${JSON.stringify(record, null, 2)}\n`, 'application/json');
    }
    const indexKey = catalogIndexKey(host);
    mkdirSync(dirname(join(bucketDir, indexKey)), { recursive: true });
    putFile(bucketDir, indexKey, `${JSON.stringify(rebuildIndex(host, records))}\n`, 'application/json');
    objects += records.length * 2 + 1;
  }
  return { objects, seconds: (performance.now() - started) / 1000 };
}

function openStore(s3: LocalS3): { store: OpenStore; calls: S3Call[] } {
  const client = s3.client();
  const calls = countCalls(client);
  const store: OpenStore = {
    client,
    bucket: s3.bucket,
    description: 'bench store',
    local: true,
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

async function measure(s3: LocalS3, work: (store: OpenStore) => Promise<string>): Promise<Measured> {
  const { store, calls } = openStore(s3);
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
const row = (m: Measured, hosts: number) =>
  `${seconds(m.ms)} (${m.cpuSeconds.toFixed(1)} CPU s, local S3 included); ${m.calls.toLocaleString('en-US')} S3 calls (${perHost(m, hosts)} per host); ${m.detail}`;
/** Calls status makes once per fleet: the listing of the hosts, of the run reports, of the acknowledgements. */
const STATUS_FLEET_CALLS = 3;

async function benchFleet(fleet: Fleet): Promise<BenchFigure[]> {
  const directory = mkdtempSync(join(tmpdir(), 'mksysb-vault-bench-catalog-'));
  const s3 = await startLocalS3({ directory });
  const name = `${fleet.hosts.toLocaleString('en-US')} hosts × ${fleet.weeks} weeks`;
  try {
    const seeded = seed(s3, fleet);
    console.log(
      `  (${name}: seeded ${seeded.objects.toLocaleString('en-US')} objects in ${seeded.seconds.toFixed(0)} s, straight into the store's directory)`,
    );
    const atGoal = fleet.hosts >= GOAL_HOSTS;
    const st = await measure(s3, status);
    const rt = await measure(s3, retentionDryRun);
    const rp = await measure(s3, report);
    const figures: BenchFigure[] = [
      {
        figure: `status, ${name} (catalog index)`,
        target: `${atGoal ? `≤ ${STATUS_GOAL_MS / 1000} s, ` : ''}≤ ${STATUS_CALLS_PER_HOST} calls per host (+ ${STATUS_FLEET_CALLS} per fleet)`,
        measured: row(st, fleet.hosts),
        pass:
          st.calls <= STATUS_CALLS_PER_HOST * fleet.hosts + STATUS_FLEET_CALLS &&
          (!atGoal || st.ms <= STATUS_GOAL_MS),
      },
      {
        figure: `retention --dry-run, ${name} (catalog index)`,
        target: atGoal ? `≤ ${RETENTION_GOAL_MS / 1000} s` : '',
        measured: row(rt, fleet.hosts),
        pass: atGoal ? rt.ms <= RETENTION_GOAL_MS : null,
      },
      {
        figure: `report, ${name} (catalog index; the newest image's record read for what changed)`,
        target: '',
        measured: row(rp, fleet.hosts),
        pass: null,
      },
    ];
    if (!atGoal) {
      // The same reads without any index (every record read, as before it), on the first
      // BASELINE_HOSTS hosts: 52 GETs a host take minutes more on a loaded machine; × hosts/100 scales.
      rmSync(join(s3.directory, s3.bucket, 'catalog'), { recursive: true, force: true });
      const some = Array.from({ length: Math.min(BASELINE_HOSTS, fleet.hosts) }, (_, h) => hostName(h));
      const stOld = await measure(s3, (store) => status(store, some));
      const rtOld = await measure(s3, (store) => retentionDryRun(store, some));
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

export async function main(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  for (const fleet of fleetsWanted()) figures.push(...(await benchFleet(fleet)));
  printFigures('Catalog index: fleet-wide reads', figures);
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
