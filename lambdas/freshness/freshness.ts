// freshness: for every inventoried host, the date of its newest PASS mksysb image from the catalog,
// judged by the pure freshness check, and the forecast of its staging filesystem from its newest
// mksysb records (STAGING_FULL_SOON). The inventory is load-fleet's snapshot in the store; the
// findings go beside it and the state carries their key and counts (at 10,000 stale hosts they are
// 1.1 MB, four times what a state may hold). Hosts are read HOST_CONCURRENCY at a time.
import type { S3Client } from '@aws-sdk/client-s3';
import { lastPassImage, listHostRecords, listObjects } from '../adapters/catalog.js';
import { readIndex } from '../adapters/catalog-index.js';
import { readFleetProblems, readRunFleet, writeFreshnessFindings } from '../adapters/map-run.js';
import { parseWith } from '../adapters/validation.js';
import { hostPrefix } from '../core/catalog-keys.js';
import type { FleetParameterProblem } from '../core/fleet.js';
import { forecastStaging, type StagingForecast } from '../core/forecast.js';
import {
  assessFreshness,
  countByFinding,
  type FreshnessFinding,
  restoreTestFindings,
  stagingFindings,
} from '../core/freshness.js';
import { freshnessFindingsKey } from '../core/map-run.js';
import {
  lastPassingRestoreTest,
  lastRestorePassWithIndex,
  overdueRestoreTests,
} from '../core/restore-test.js';
import { inPool } from '../core/work-pool.js';
import {
  type FreshnessOutput,
  FreshnessOutputSchema,
  InlineFreshnessInputSchema,
  SnapshotFreshnessInputSchema,
} from './schema.js';

export interface FreshnessDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly maxAgeDays: number;
  /** workflow.stagingSizeFactor; absent: the factor each host's newest preflight reading implies. */
  readonly stagingSizeFactor?: number;
  /** STAGING_FULL_SOON this many weeks (or fewer) before preflight would refuse. @default 4 */
  readonly stagingWarnWeeks?: number;
  /** restoreTests.windowDays while restore tests are on: RESTORE_TEST_OVERDUE. @default off */
  readonly restoreWindowDays?: number;
  readonly now: () => Date;
}

/** The newest mksysb records a staging forecast is fitted to: a quarter of weekly runs. */
const FORECAST_RECORDS = 13;

/**
 * Hosts read at once. Each host is a few S3 round trips one after another (its listing, its newest
 * records, its catalog index); at 8 at a time 10,000 hosts took minutes, at 32 they stay well inside
 * the Lambda's timeout (README, Performance). The SDK's 50 sockets bound the calls in flight anyway.
 */
export const HOST_CONCURRENCY = 32;

export async function checkFreshness(event: unknown, deps: FreshnessDeps): Promise<FreshnessOutput> {
  if (event && typeof event === 'object' && 'fleetKey' in event) {
    // The input is checked before any client is touched: garbage in calls nothing.
    const input = parseWith(SnapshotFreshnessInputSchema, event, 'freshness input');
    const store = { client: deps.s3, bucket: deps.bucket };
    const [items, problems] = [
      await readRunFleet(store, input.fleetKey),
      await readFleetProblems(store, input.fleetProblemsKey),
    ];
    const checked = await assessFleet(
      items.map((i) => i.host),
      problems,
      deps,
    );
    const findingsKey = freshnessFindingsKey(input.date, input.runId);
    await writeFreshnessFindings(store, findingsKey, { schemaVersion: 1, ...checked });
    return parseWith(
      FreshnessOutputSchema,
      {
        checkedAt: checked.checkedAt,
        maxAgeDays: checked.maxAgeDays,
        hosts: checked.hosts,
        findingsKey,
        findingCount: checked.findings.length,
        counts: countByFinding(checked.findings),
      },
      'freshness output',
    );
  }
  const input = parseWith(InlineFreshnessInputSchema, event, 'freshness input');
  const checked = await assessFleet(input.hosts, input.fleetProblems, deps);
  return parseWith(
    FreshnessOutputSchema,
    { ...checked, findingCount: checked.findings.length, counts: countByFinding(checked.findings) },
    'freshness output',
  );
}

/** Every host's findings, and one per fleet problem. */
async function assessFleet(
  inventory: readonly string[],
  fleetProblems: readonly FleetParameterProblem[],
  deps: FreshnessDeps,
): Promise<{ checkedAt: string; maxAgeDays: number; hosts: number; findings: FreshnessFinding[] }> {
  const store = { client: deps.s3, bucket: deps.bucket };
  const hosts = [...new Set(inventory)];
  const lastPass = new Map<string, string | null>();
  const lastPassKey = new Map<string, string>();
  const forecasts: StagingForecast[] = [];
  const restore: { host: string; firstImageDate: string | null; lastPassAt: string | null }[] = [];
  const now = deps.now();
  await inPool(hosts, HOST_CONCURRENCY, async (host) => {
    // One listing of the host serves both reads: the newest PASS is almost always among the records
    // the forecast reads (the first of them whose image is present is the newest there is); only a
    // host without one there is looked up further back.
    const listed = await listObjects(store, hostPrefix(host), host);
    const { records, missingImages } = await listHostRecords(
      store,
      host,
      { kind: 'mksysb', newest: FORECAST_RECORDS },
      listed,
    );
    const gone = new Set(missingImages);
    const recent = records.find((r) => r.verdict === 'PASS' && !gone.has(r.key));
    const image = recent ? { date: recent.date, key: recent.key } : await lastPassImage(store, host);
    lastPass.set(host, image?.date ?? null);
    if (image) lastPassKey.set(host, image.key);
    if (deps.restoreWindowDays !== undefined) {
      // The catalog index remembers the tests of images retention deleted since, and the host's first
      // image; without it, the oldest record read stands for the first image (a host with more
      // records than read is old enough to have needed a test anyway).
      const index = await readIndex(store, host);
      const entries = index.state === 'ok' ? index.index.entries : [];
      const dates = [...entries.map((e) => e.date), ...records.map((r) => r.date)].sort(
        (a, b) => Date.parse(a) - Date.parse(b),
      );
      restore.push({
        host,
        firstImageDate: image ? (dates[0] ?? image.date) : null,
        lastPassAt: lastRestorePassWithIndex(
          lastPassingRestoreTest(records)?.test.startedAt ?? null,
          entries,
        ),
      });
    }
    forecasts.push(
      forecastStaging(host, records, {
        now,
        sizeFactor: deps.stagingSizeFactor,
        ...(deps.stagingWarnWeeks === undefined ? {} : { warnWeeks: deps.stagingWarnWeeks }),
      }),
    );
  });
  return {
    checkedAt: now.toISOString(),
    maxAgeDays: deps.maxAgeDays,
    hosts: hosts.length,
    findings: [
      ...fleetProblems.map((p) => ({
        host: p.host ?? p.parameter,
        finding: 'FLEET_PARAMETER_INVALID' as const,
        lastPassDate: null,
        ageDays: null,
        problem: p.message,
      })),
      // Each finding names the image it is about (the alert's subject and body say which).
      ...assessFreshness(hosts, lastPass, now, deps.maxAgeDays).map((f) => ({
        ...f,
        lastPassKey: lastPassKey.get(f.host) ?? null,
      })),
      ...stagingFindings(forecasts),
      ...(deps.restoreWindowDays === undefined
        ? []
        : restoreTestFindings(
            overdueRestoreTests(restore, now, deps.restoreWindowDays),
            deps.restoreWindowDays,
          )),
    ],
  };
}
