// freshness: for every inventoried host, the date of its newest PASS mksysb image from the catalog,
// judged by the pure freshness check, the forecast of its staging filesystem from the preflight
// readings its images carry (STAGING_FULL_SOON) and, while restore tests are on, its last passing
// test (RESTORE_TEST_OVERDUE). Each host is read through its catalog index (readHostCatalog: its
// listing and its index, 2 S3 calls whatever its history; a record only for an image the index
// lacks). The inventory is load-fleet's snapshot in the store; the findings go beside it and the
// state carries their key and counts (at 10,000 stale hosts they are 1.1 MB, four times what a state
// may hold). Hosts are read HOST_CONCURRENCY at a time.
import type { S3Client } from '@aws-sdk/client-s3';
import { readHostCatalog } from '../adapters/host-catalog.js';
import { readFleetProblems, readRunFleet, writeFreshnessFindings } from '../adapters/map-run.js';
import { parseWith } from '../adapters/validation.js';
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

/**
 * Hosts read at once. Each host is two S3 round trips at once (its listing and its catalog index); at
 * 8 at a time 10,000 hosts took minutes, at 32 they stay well inside the Lambda's timeout (README,
 * Performance). The SDK's 50 sockets bound the calls in flight anyway.
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
    const catalog = await readHostCatalog(store, host, { filter: { kind: 'mksysb' } });
    const gone = new Set(catalog.missingImages);
    // Newest first; an image whose record is listed and whose object is not is no backup.
    const present = catalog.images.filter((i) => !gone.has(i.key));
    const image = present.find((i) => i.verdict === 'PASS');
    lastPass.set(host, image?.date ?? null);
    if (image) lastPassKey.set(host, image.key);
    if (deps.restoreWindowDays !== undefined) {
      // The index remembers the tests of images retention deleted since (retired entries) and so the
      // host's first image; the records read for images it lacked carry their own tests.
      const everImaged = [...catalog.images, ...catalog.retired];
      const dates = everImaged.map((i) => i.date).sort((a, b) => Date.parse(a) - Date.parse(b));
      restore.push({
        host,
        firstImageDate: image ? (dates[0] ?? image.date) : null,
        lastPassAt: lastRestorePassWithIndex(
          lastPassingRestoreTest(catalog.records)?.test.startedAt ?? null,
          everImaged,
        ),
      });
    }
    forecasts.push(
      forecastStaging(host, present, {
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
