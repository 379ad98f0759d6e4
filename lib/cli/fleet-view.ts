// What the store knows about each host, read once for the status, history and report commands: the
// host's records (newest first), the problems met reading them, and whether the fleet lists it.
import {
  inBatches,
  listHostRecords,
  listHosts,
  recentRunReports,
  type StoredRunReport,
} from '../../lambdas/catalog/catalog.js';
import type { ImageRecord } from '../../lambdas/shared/image-record.js';
import type { RunReport } from '../../lambdas/shared/run-summary.js';
import type { OpenStore } from './store.js';

export interface HostView {
  readonly host: string;
  /** Listed in the configured fleet (null: the fleet is not known). */
  readonly inFleet: boolean | null;
  readonly enabled: boolean;
  /** Newest first. */
  readonly records: readonly ImageRecord[];
  readonly problems: readonly string[];
}

export async function readFleetView(store: OpenStore, only?: readonly string[]): Promise<HostView[]> {
  const stored = await listHosts(store);
  const fleet = new Map((store.fleet ?? []).map((h) => [h.host, h]));
  const names = only ?? [...new Set([...stored, ...fleet.keys()])].sort();
  const views: HostView[] = [];
  await inBatches(names, 8, async (host) => {
    const { records, problems } = stored.includes(host)
      ? await listHostRecords(store, host)
      : { records: [], problems: [] };
    views.push({
      host,
      inFleet: store.fleet ? fleet.has(host) : null,
      enabled: fleet.get(host)?.enabled ?? true,
      records,
      problems: problems.map((p) => p.problem),
    });
  });
  return views.sort((a, b) => a.host.localeCompare(b.host));
}

/** The host's newest rootvg image record. */
export function latestMksysb(view: HostView): ImageRecord | undefined {
  return view.records.find((r) => r.kind === 'mksysb');
}

/** Whole days between two instants. */
export function ageDays(date: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(date)) / 86_400_000);
}

export interface LastRun {
  readonly date: string;
  readonly verdict: string;
  readonly outcome: string;
  readonly codes: readonly string[];
}

/** The host's result in the newest of `reports` (newest first) that has it; null when none does. */
export function lastRunOf(host: string, reports: readonly RunReport[]): LastRun | null {
  for (const report of reports) {
    const result = report.results.find((r) => r.host === host);
    if (result)
      return { date: report.date, verdict: result.verdict, outcome: result.outcome, codes: result.codes };
    const notStarted = report.notStarted.find((n) => n.host === host);
    if (notStarted)
      return { date: report.date, verdict: 'FAIL', outcome: 'not_started', codes: [notStarted.reason] };
  }
  return null;
}

/** Run reports read to find each host's latest run: a run-now of a few hosts does not hide the others. */
const RUN_REPORTS_READ = 8;

/** The newest run reports, as stored (with their problems) and parsed. */
export async function readRecentRuns(
  store: OpenStore,
): Promise<{ stored: StoredRunReport[]; reports: RunReport[] }> {
  const stored = await recentRunReports(store, RUN_REPORTS_READ);
  return { stored, reports: stored.flatMap((r) => (r.report ? [r.report] : [])) };
}
