// `mksysb-vault status`: one row per host — its newest mksysb image, how old, how big, the verdict,
// the size trend and the next scheduled run — so "is every host backed up?" is one command.
import { formatBytes } from '../../lambdas/shared/anomaly.js';
import { historyEntryOf } from '../../lambdas/shared/image-record.js';
import { DEFAULT_VERIFICATION_POLICY } from '../../lambdas/shared/policy.js';
import { computeBaseline } from '../../lambdas/shared/size-history.js';
import { nextCronRun } from '../next-run.js';
import { type CliIo, type Command, EXIT, parseOptions, table, wholeNumberOption } from './command.js';
import {
  ageDays,
  type HostView,
  type LastRun,
  lastRunOf,
  latestMksysb,
  readFleetView,
  readRecentRuns,
} from './fleet-view.js';
import { type OpenStore, STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault status [options]

One row per host: the date and age of its newest mksysb image, its size, verdict and size trend,
and when the next scheduled run is. Hosts in the fleet without any image show as "never".

Options:
  --max-age DAYS     an image older than this many days (8 or 8d) is STALE (default: the
                     config's maxImageAgeDays, else 8)
  --json             print JSON instead of a table
  -h, --help         show this help

${STORE_HELP}

Exit status: 0 every host has a fresh PASS image, 1 some WARN, 2 some FAIL, stale or never backed
up, 64 usage error or bad option value, 69 store unreachable, 70 internal error.`;

export interface HostStatus {
  readonly host: string;
  readonly lastImage: string | null;
  readonly ageDays: number | null;
  readonly sizeBytes: number | null;
  readonly verdict: 'PASS' | 'WARN' | 'FAIL' | null;
  readonly state: 'ok' | 'warn' | 'fail' | 'stale' | 'never' | 'disabled';
  readonly anomalies: readonly string[];
  readonly trendPercentPerWeek: number | null;
  readonly osLevel: string | null;
  readonly problems: readonly string[];
  /** The host's line in the newest run report: how its latest run ended, even without an image. */
  readonly lastRun: LastRun | null;
}

export function hostStatus(
  view: HostView,
  now: Date,
  maxAgeDays: number,
  lastRun: LastRun | null = null,
): HostStatus {
  const last = latestMksysb(view);
  // The latest run failed for the host after its last image: the image may still be fresh, the host is not fine.
  const lastRunFailed =
    lastRun !== null &&
    lastRun.verdict === 'FAIL' &&
    lastRun.outcome !== 'verified' &&
    (!last || Date.parse(lastRun.date) > Date.parse(last.date));
  const age = last ? ageDays(last.date, now) : null;
  const mksysb = view.records.filter((r) => r.kind === 'mksysb').map(historyEntryOf);
  const baseline = last
    ? computeBaseline(
        mksysb,
        new Date(Date.parse(last.date) + 1000).toISOString(),
        DEFAULT_VERIFICATION_POLICY,
      )
    : null;
  const state: HostStatus['state'] = !view.enabled
    ? 'disabled'
    : !last
      ? 'never'
      : last.verdict === 'FAIL' || lastRunFailed
        ? 'fail'
        : (age ?? 0) > maxAgeDays
          ? 'stale'
          : last.verdict === 'WARN'
            ? 'warn'
            : 'ok';
  return {
    host: view.host,
    lastImage: last?.date ?? null,
    ageDays: age,
    sizeBytes: last?.sizeBytes ?? null,
    verdict: last?.verdict ?? null,
    state,
    anomalies: last?.anomalies.map((a) => a.code) ?? [],
    trendPercentPerWeek: baseline ? Math.round(baseline.trendPercentPerWeek * 10) / 10 : null,
    osLevel: last?.osLevel ?? null,
    problems: view.problems,
    lastRun,
  };
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
  summary: 'one row per host: newest image, age, size, verdict, trend, next run',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseOptions('status', argv, {
      ...STORE_OPTIONS,
      'max-age': { type: 'string' },
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
      const rows = (await readFleetView(store)).map((v) =>
        hostStatus(v, now, maxAge, lastRunOf(v.host, reports)),
      );
      const next = nextRun(store, now);
      if (values.json)
        io.out(
          JSON.stringify(
            {
              store: store.description,
              now: now.toISOString(),
              nextRun: next,
              runReports: stored.map((r) => ({ key: r.key, problem: r.problem ?? null })),
              hosts: rows,
            },
            null,
            2,
          ),
        );
      else if (rows.length === 0) io.out(`${store.description}: no hosts yet`);
      else {
        io.out(
          table(
            ['HOST', 'LAST IMAGE', 'AGE', 'SIZE', 'VERDICT', 'TREND', 'STATE', 'LAST RUN', 'ANOMALIES'],
            rows.map((r) => [
              r.host,
              r.lastImage?.slice(0, 10) ?? 'never',
              r.ageDays === null ? '-' : `${r.ageDays}d`,
              r.sizeBytes === null ? '-' : formatBytes(r.sizeBytes),
              r.verdict ?? '-',
              r.trendPercentPerWeek === null
                ? '-'
                : `${r.trendPercentPerWeek >= 0 ? '+' : ''}${r.trendPercentPerWeek}%/wk`,
              r.state.toUpperCase(),
              r.lastRun === null
                ? '-'
                : r.lastRun.outcome === 'verified'
                  ? r.lastRun.verdict
                  : `${r.lastRun.outcome} ${r.lastRun.codes.join(' ')}`.trim(),
              r.anomalies.join(' ') || '-',
            ]),
          ),
        );
        // Warnings go to standard error: the table on standard output stays the table.
        for (const r of rows) for (const p of r.problems) io.err(`! ${r.host}: unreadable record ${p}`);
        for (const r of stored) if (r.problem) io.err(`! unreadable run report ${r.problem}`);
        io.out(
          `\n${rows.length} hosts in ${store.description}; next run: ${next ?? 'unknown (give --config)'}`,
        );
      }
      if (
        rows.some(
          (r) => r.state === 'fail' || r.state === 'stale' || r.state === 'never' || r.problems.length > 0,
        )
      )
        return EXIT.fail;
      return rows.some((r) => r.state === 'warn') ? EXIT.warn : EXIT.ok;
    });
  },
};
