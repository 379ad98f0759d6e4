// `mksysb-vault status`: one row per host — its newest mksysb image, how old, how big, the verdict,
// the size trend and the next scheduled run — so "is every host backed up?" is one command.
import { readAcknowledgements } from '../../lambdas/adapters/acknowledgements.js';
import {
  type Acknowledgement,
  describeAcknowledgement,
  isActive,
} from '../../lambdas/core/acknowledgement.js';
import { formatBytes } from '../../lambdas/core/anomaly.js';
import { type HostState, IMAGE_MISSING, judgeHost, RESTORE_FAILED } from '../../lambdas/core/host-state.js';
import { historyEntryOf } from '../../lambdas/core/image-record.js';
import { nextCronRun } from '../../lambdas/core/next-run.js';
import { DEFAULT_VERIFICATION_POLICY } from '../../lambdas/core/policy.js';
import { type RestoreTestSummary, restoreTestOfImage } from '../../lambdas/core/restore-test.js';
import { computeBaseline } from '../../lambdas/core/size-history.js';
import type { Verdict } from '../../lambdas/core/vocabulary.js';
import { type CliIo, type Command, EXIT, parseOptions, table, wholeNumberOption } from './command.js';
import {
  type HostView,
  hostWarnings,
  indexNotes,
  type LastRun,
  lastRunOf,
  latestMksysb,
  presentRecords,
  readFleet,
  readRecentRuns,
} from './fleet-view.js';
import { fleetForecast, forecastLines } from './forecast-view.js';
import { type OpenStore, STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault status [options]

One row per host: the date and age of its newest mksysb image, its size, verdict and size trend,
each savevg volume group's newest image (SAVEVG: verdict and age, or none), and when the next
scheduled run is. A Virtual I/O Server shows as "HOST (vios)" (its image is backupios's mksysb,
checked with its viosbr archive). Hosts in the fleet without any image show as "never". A volume group the fleet
saves whose newest savevg image is missing or FAIL makes the host FAIL; a stale one, STALE.
Below the table, each host's last restore test (restoreTests: its newest PASS mksysb put on a test
LPAR's spare disk with alt_disk_mksysb): PASS or FAIL, when, on which LPAR and disk, the RTO, why it
failed ("restoreTest" of each host in --json). A host whose newest mksysb image failed its test on
the image itself (its SHA-256, OS level or boot files are not the record's) is FAIL, RESTORE_FAILED,
until a newer image is stored; a test the test LPAR could not run leaves the state alone.

Options:
  --max-age DAYS     an image older than this many days (8 or 8d) is STALE (default: the
                     config's maxImageAgeDays, else 8)
  --forecast         also forecast, per host, the weeks until its staging filesystem is too small
                     for preflight's test (free < workflow.stagingSizeFactor × the next images),
                     or "not within 52 weeks", and the bucket's size and monthly cost now, in 3
                     and in 12 months under the retention policy (config forecast.* prices;
                     default us-east-1 list prices)
  --json             print JSON instead of a table (with --forecast: a "forecast" object)
  -h, --help         show this help

${STORE_HELP}

Warnings go to standard error, each with its code: unreadable records, IMAGE_MISSING (a record
whose image object is gone: never counted as the host's image), STRAY_KEY (a key under images/ no
image owns). Acknowledged alert codes (mksysb-vault ack) are listed under the table. Each host is
read from its catalog index (catalog/HOST/index.json: one listing and one read per host); a host
whose index is missing or unreadable is read from its records instead, named in a "note:" line.

Exit status: 0 every host has a fresh PASS image, 1 some WARN (or stray keys; with --forecast, a
staging filesystem STAGING_FULL_SOON), 2 some FAIL, stale, never backed up or an unreadable record,
64 usage error or bad option value, 69 store unreachable, 70 internal error.`;

export interface HostStatus {
  readonly host: string;
  /** `vios` for a Virtual I/O Server, `lpar` for an LPAR, null when the fleet does not list the host. */
  readonly kind: 'lpar' | 'vios' | null;
  readonly lastImage: string | null;
  readonly ageDays: number | null;
  readonly sizeBytes: number | null;
  readonly verdict: Verdict | null;
  readonly state: HostState;
  readonly anomalies: readonly string[];
  /** Why the state is worse than the last image's verdict: IMAGE_MISSING, RESTORE_FAILED, the failed run's codes. */
  readonly findings: readonly string[];
  readonly trendPercentPerWeek: number | null;
  readonly osLevel: string | null;
  readonly problems: readonly string[];
  /** Keys of images whose record is there and whose object is not. */
  readonly missingImages: readonly string[];
  /** The host's line in the newest run report: how its latest run ended, even without an image. */
  readonly lastRun: LastRun | null;
  /** Alert codes of the host acknowledged until a date (`mksysb-vault ack`): not alerted, still shown. */
  readonly acknowledged: readonly Acknowledgement[];
  /** Each volume group saved with savevg: its newest image there, and its state in the host's. */
  readonly savevg: readonly SavevgStatus[];
  /** The host's newest restore test (of any of its mksysb images) and the image; null: never tested. */
  readonly restoreTest: (RestoreTestSummary & { readonly image: string }) | null;
}

export interface SavevgStatus {
  readonly volumeGroup: string;
  readonly lastImage: string | null;
  readonly ageDays: number | null;
  readonly sizeBytes: number | null;
  readonly verdict: Verdict | null;
  readonly state: 'ok' | 'warn' | 'stale' | 'fail';
}

/** A host's status: its state from judgeHost (the one the report uses too), and its newest image's facts. */
export function hostStatus(
  view: HostView,
  now: Date,
  maxAgeDays: number,
  lastRun: LastRun | null = null,
  acks: readonly Acknowledgement[] = [],
): HostStatus {
  const missingImages = view.missingImages ?? [];
  const judged = judgeHost(
    {
      enabled: view.enabled,
      images: view.records,
      missingImages,
      lastRun,
      volumeGroups: view.volumeGroups ?? null,
    },
    now,
    maxAgeDays,
  );
  const last = latestMksysb(view);
  const mksysb = presentRecords(view)
    .filter((r) => r.kind === 'mksysb')
    .map(historyEntryOf);
  const baseline = last
    ? computeBaseline(
        mksysb,
        new Date(Date.parse(last.date) + 1000).toISOString(),
        DEFAULT_VERIFICATION_POLICY,
      )
    : null;
  return {
    host: view.host,
    kind: view.kind ?? null,
    lastImage: last?.date ?? null,
    ageDays: judged.ageDays,
    sizeBytes: last?.sizeBytes ?? null,
    verdict: last?.verdict ?? null,
    state: judged.state,
    anomalies: last?.anomalies.map((a) => a.code) ?? [],
    findings: judged.findings,
    trendPercentPerWeek: baseline ? Math.round(baseline.trendPercentPerWeek * 10) / 10 : null,
    osLevel: last?.osLevel ?? null,
    problems: view.problems,
    missingImages,
    lastRun,
    acknowledged: acks.filter((a) => a.host === view.host && isActive(a, now)),
    savevg: judged.volumeGroups.map((vg) => {
      const record = vg.last ? view.records.find((r) => r.key === vg.last?.key) : undefined;
      return {
        volumeGroup: vg.volumeGroup,
        lastImage: vg.last?.date ?? null,
        ageDays: vg.ageDays,
        sizeBytes: record?.sizeBytes ?? null,
        verdict: vg.last?.verdict ?? null,
        state: vg.state,
      };
    }),
    restoreTest: newestRestoreTest(view),
  };
}

/** The newest restore test among the host's mksysb images, retired ones too (the index keeps theirs). */
export function newestRestoreTest(view: HostView): HostStatus['restoreTest'] {
  let newest: HostStatus['restoreTest'] = null;
  for (const r of [...view.records, ...(view.retired ?? [])]) {
    const test = r.kind === 'mksysb' ? restoreTestOfImage(r) : null;
    if (test && (!newest || Date.parse(test.finishedAt) > Date.parse(newest.finishedAt)))
      newest = { ...test, image: r.key };
  }
  return newest;
}

/** A line of the restore-test section: `aixprd01  PASS 2026-10-17 on aixtlp01 hdisk1, RTO 25m`. */
function restoreTestLine(r: HostStatus): string | null {
  const t = r.restoreTest;
  if (!t) return null;
  const rto = t.rtoSeconds === null ? '' : `, RTO ${Math.max(1, Math.round(t.rtoSeconds / 60))}m`;
  const why = t.result === 'FAIL' && t.reason ? ` (${t.reason})` : '';
  const lastPass = t.result === 'FAIL' ? `; last PASS ${t.lastPassAt?.slice(0, 10) ?? 'never'}` : '';
  return `  ${r.host}  ${t.result} ${t.finishedAt.slice(0, 10)} on ${t.target.host} ${t.target.disk}${rto}${why}${lastPass}`;
}

/** The SAVEVG cell: each volume group's newest image, `datavg PASS 0d`, or `datavg none`. */
function savevgCell(r: HostStatus): string {
  return (
    r.savevg
      .map((vg) =>
        vg.lastImage === null
          ? `${vg.volumeGroup} none`
          : `${vg.volumeGroup} ${vg.verdict}${vg.state === 'stale' ? ' STALE' : ''} ${vg.ageDays}d`,
      )
      .join(', ') || '-'
  );
}

function nextRun(store: OpenStore, now: Date): string | null {
  if (store.nextLocalRun) return `${store.nextLocalRun} (local clock)`;
  const schedule = store.config?.schedule;
  if (!schedule) return null;
  if (!schedule.enabled) return 'schedule disabled';
  const next = nextCronRun(schedule.cron, schedule.timeZone, now);
  return next
    ? `${next.toISOString().slice(0, 16).replace('T', ' ')}Z`
    : `never (${schedule.cron} does not fire again)`;
}

/** --max-age: whole days, as `8` or as status prints ages, `8d`. */
function maxAgeDays(text: string): number {
  return wholeNumberOption('--max-age', text.replace(/^(\d+)d$/, '$1'), { min: 1, max: 3660, unit: 'days' });
}

export const statusCommand: Command = {
  name: 'status',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseOptions('status', argv, {
      ...STORE_OPTIONS,
      'max-age': { type: 'string' },
      forecast: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    // Checked before the store is opened: a bad value is the user's to fix (64), whatever the store.
    const maxAgeOption = values['max-age'] === undefined ? undefined : maxAgeDays(values['max-age']);
    return withStore(values, io, async (store) => {
      const maxAge = maxAgeOption ?? store.config?.schedule.maxImageAgeDays ?? 8;
      const now = store.clock;
      const { stored, reports } = await readRecentRuns(store);
      const fleet = await readFleet(store);
      const acks = await readAcknowledgements(store);
      const rows = fleet.hosts.map((v) => hostStatus(v, now, maxAge, lastRunOf(v.host, reports), acks.acks));
      // Warnings go to standard error, each with its code: the table on standard output stays the table.
      const warnings = [
        ...fleet.hosts.flatMap(hostWarnings),
        ...fleet.strays.map((s) => s.problem),
        ...acks.problems.map((p) => `unreadable acknowledgement ${p.problem}`),
      ];
      const next = nextRun(store, now);
      const forecast = values.forecast ? fleetForecast(fleet.hosts, store.config, now) : null;
      for (const w of warnings) io.err(`! ${w}`);
      // Not warnings (the exit status stands): every image was seen, through the records.
      const notes = indexNotes(fleet.hosts);
      for (const n of notes) io.err(`note: ${n}`);
      for (const r of stored) if (r.problem) io.err(`! unreadable run report ${r.problem}`);
      if (values.json)
        io.out(
          JSON.stringify(
            {
              store: store.description,
              now: now.toISOString(),
              nextRun: next,
              runReports: stored.map((r) => ({ key: r.key, problem: r.problem ?? null })),
              indexNotes: notes,
              hosts: rows,
              strays: fleet.strays,
              ...(forecast ? { forecast } : {}),
            },
            null,
            2,
          ),
        );
      else if (rows.length === 0) io.out(`${store.description}: no hosts yet`);
      else {
        io.out(
          table(
            [
              'HOST',
              'LAST IMAGE',
              'AGE',
              'SIZE',
              'VERDICT',
              'TREND',
              'SAVEVG',
              'STATE',
              'LAST RUN',
              'ANOMALIES',
            ],
            rows.map((r) => [
              r.kind === 'vios' ? `${r.host} (vios)` : r.host,
              r.lastImage?.slice(0, 10) ?? 'never',
              r.ageDays === null ? '-' : `${r.ageDays}d`,
              r.sizeBytes === null ? '-' : formatBytes(r.sizeBytes),
              r.verdict ?? '-',
              r.trendPercentPerWeek === null
                ? '-'
                : `${r.trendPercentPerWeek >= 0 ? '+' : ''}${r.trendPercentPerWeek}%/wk`,
              savevgCell(r),
              r.state.toUpperCase(),
              r.lastRun === null
                ? '-'
                : r.lastRun.outcome === 'verified'
                  ? r.lastRun.verdict
                  : `${r.lastRun.outcome} ${r.lastRun.codes.join(' ')}`.trim(),
              [
                ...(r.missingImages.length > 0 ? [IMAGE_MISSING] : []),
                ...(r.findings.includes(RESTORE_FAILED) ? [RESTORE_FAILED] : []),
                ...r.anomalies,
              ].join(' ') || '-',
            ]),
          ),
        );
        const acked = rows.flatMap((r) =>
          r.acknowledged.map((a) => `  ${r.host}  ${describeAcknowledgement(a)}`),
        );
        if (acked.length > 0)
          io.out(['\nacknowledged (not alerted until then; the state above stands):', ...acked].join('\n'));
        const restored = rows.map(restoreTestLine).filter((l): l is string => l !== null);
        if (restored.length > 0)
          io.out(['\nlast restore test (alt_disk_mksysb on a test LPAR):', ...restored].join('\n'));
        io.out(
          `\n${rows.length} hosts in ${store.description}; next run: ${next ?? 'unknown (give --config)'}`,
        );
      }
      if (forecast && !values.json) io.out(['', ...forecastLines(forecast)].join('\n'));
      if (
        rows.some(
          (r) => r.state === 'fail' || r.state === 'stale' || r.state === 'never' || r.problems.length > 0,
        )
      )
        return EXIT.fail;
      // A stray key is no host's failure, but the store holds what nothing explains: never a silent 0.
      const fillingUp = forecast?.staging.some((f) => f.outlook === 'soon' || f.outlook === 'full') ?? false;
      return rows.some((r) => r.state === 'warn') || warnings.length > 0 || fillingUp ? EXIT.warn : EXIT.ok;
    });
  },
};
