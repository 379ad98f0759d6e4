// What the store knows about each host, read once for the status, history and report commands: the
// host's records (newest first), the problems met reading them, and whether the fleet lists it.
import {
  inBatches,
  listCatalogHosts,
  listHostRecords,
  recentRunReports,
  type StoredRunReport,
  type StrayKey,
} from '../../lambdas/adapters/catalog.js';
import type { ImageRecord } from '../../lambdas/core/image-record.js';
import type { RunReport } from '../../lambdas/core/run-summary.js';
import type { OpenStore } from './store.js';

export interface HostView {
  readonly host: string;
  /** Listed in the configured fleet (null: the fleet is not known). */
  readonly inFleet: boolean | null;
  readonly enabled: boolean;
  /** The volume groups the fleet saves with savevg; null or absent when the fleet does not list the host. */
  readonly volumeGroups?: readonly string[] | null;
  /** Newest first. */
  readonly records: readonly ImageRecord[];
  readonly problems: readonly string[];
  /** Keys of the images whose record is there and whose object is not (IMAGE_MISSING). */
  readonly missingImages?: readonly string[];
  /** Keys in the host's folder that belong to none of its images (STRAY_KEY), as problem lines. */
  readonly strays?: readonly string[];
}

export interface FleetView {
  readonly hosts: HostView[];
  /** Keys under images/ outside any host's folder (`images/bad host!/junk`): named, never fatal. */
  readonly strays: StrayKey[];
}

/** Every host the store or the fleet knows (or only those of `only`), and the stray keys beside them. */
export async function readFleet(store: OpenStore, only?: readonly string[]): Promise<FleetView> {
  const { hosts: stored, strays } = await listCatalogHosts(store);
  const fleet = new Map((store.fleet ?? []).map((h) => [h.host, h]));
  const names = only ?? [...new Set([...stored, ...fleet.keys()])].sort();
  const views: HostView[] = [];
  await inBatches(names, 8, async (host) => {
    const listed = stored.includes(host)
      ? await listHostRecords(store, host)
      : { records: [], problems: [], missingImages: [], strays: [] };
    views.push({
      host,
      inFleet: store.fleet ? fleet.has(host) : null,
      enabled: fleet.get(host)?.enabled ?? true,
      volumeGroups: fleet.get(host)?.volumeGroups.filter((vg) => vg !== 'rootvg') ?? null,
      records: listed.records,
      problems: listed.problems.map((p) => p.problem),
      missingImages: listed.missingImages,
      strays: listed.strays.map((s) => s.problem),
    });
  });
  return { hosts: views.sort((a, b) => a.host.localeCompare(b.host)), strays };
}

export async function readFleetView(store: OpenStore, only?: readonly string[]): Promise<HostView[]> {
  return (await readFleet(store, only)).hosts;
}

/** The records of the host's images whose objects are in the store (IMAGE_MISSING ones left out). */
export function presentRecords(view: HostView): ImageRecord[] {
  const missing = new Set(view.missingImages ?? []);
  return view.records.filter((r) => !missing.has(r.key));
}

/** The host's newest rootvg image record whose image is in the store. */
export function latestMksysb(view: HostView): ImageRecord | undefined {
  return presentRecords(view).find((r) => r.kind === 'mksysb');
}

/** Warning lines for what the catalog met reading a host: unreadable records, missing images, stray keys. */
export function hostWarnings(view: HostView): string[] {
  const byKey = new Map(view.records.map((r) => [r.key, r]));
  return [
    ...view.problems.map((p) => `${view.host}: unreadable record ${p}`),
    ...(view.missingImages ?? []).map((key) => {
      const r = byKey.get(key);
      return `${view.host}: IMAGE_MISSING ${key}: its record (${r ? `${r.verdict}, ${r.date.slice(0, 10)}` : 'read'}) is there, the image object is not; it is not counted as an image`;
    }),
    ...(view.strays ?? []).map((s) => `${view.host}: ${s}`),
  ];
}

export { ageDays } from '../../lambdas/core/host-state.js';

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
