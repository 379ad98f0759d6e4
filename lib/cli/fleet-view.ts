// What the store knows about each host, read once for the status, history and report commands: the
// host's images (newest first), the problems met reading them, and whether the fleet lists it. The
// images come from each host's catalog index (lambdas/adapters/host-catalog.ts): one LIST and one GET
// per host, the records read only where the index lacks an image or is missing.
import {
  inBatches,
  listCatalogHosts,
  listHostRecords,
  recentRunReports,
  type StoredRunReport,
  type StrayKey,
} from '../../lambdas/adapters/catalog.js';
import { type HostCatalog, readHostCatalog } from '../../lambdas/adapters/host-catalog.js';
import { type CatalogImage, type IndexEntry, retiredEntryOf } from '../../lambdas/core/catalog-index.js';
import type { ImageRecord } from '../../lambdas/core/image-record.js';
import type { RunReport } from '../../lambdas/core/run-summary.js';
import type { OpenStore } from './store.js';

export interface HostView<I extends CatalogImage = CatalogImage> {
  readonly host: string;
  /** Listed in the configured fleet (null: the fleet is not known). */
  readonly inFleet: boolean | null;
  readonly enabled: boolean;
  /** `vios` for a Virtual I/O Server in the fleet, `lpar` for an LPAR; null or absent when the fleet does not list the host. */
  readonly kind?: 'lpar' | 'vios' | null;
  /** The volume groups the fleet saves with savevg; null or absent when the fleet does not list the host. */
  readonly volumeGroups?: readonly string[] | null;
  /** Newest first: index entries, or records where the index lacked the image (a record fits too). */
  readonly records: readonly I[];
  /** Images retention deleted, from the index (newest first); read only when asked (history). */
  readonly retired?: readonly IndexEntry[];
  /** How the host's catalog index was found (absent from views not read through it). */
  readonly index?: 'ok' | 'absent' | 'unreadable';
  /** Set when the host's catalog index was missing or unreadable and its records were read instead. */
  readonly indexNote?: string | null;
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

/** Hosts read at once: each is two S3 round trips (its listing and its index), latency not CPU. */
const HOST_CONCURRENCY = 32;

/**
 * Every host the store or the fleet knows (or only those of `only`), and the stray keys beside them.
 * With `history`, each view also holds the host's retired images (history/ entries the index lacks
 * are read too).
 */
export async function readFleet(
  store: OpenStore,
  only?: readonly string[],
  options: { readonly history?: boolean } = {},
): Promise<FleetView> {
  const { hosts: stored, strays } = await listCatalogHosts(store);
  const fleet = new Map((store.fleet ?? []).map((h) => [h.host, h]));
  const names = only ?? [...new Set([...stored, ...fleet.keys()])].sort();
  const storedHosts = new Set(stored);
  const views: HostView[] = [];
  await inBatches(names, HOST_CONCURRENCY, async (host) => {
    const listed: HostCatalog | null = storedHosts.has(host)
      ? await readHostCatalog(store, host, { history: options.history })
      : null;
    views.push({
      host,
      inFleet: store.fleet ? fleet.has(host) : null,
      enabled: fleet.get(host)?.enabled ?? true,
      kind: fleet.get(host)?.kind ?? null,
      volumeGroups: fleet.get(host)?.volumeGroups.filter((vg) => vg !== 'rootvg') ?? null,
      records: listed?.images ?? [],
      retired: listed
        ? [...listed.retired, ...listed.historyRead.map((h) => retiredEntryOf(h))].sort(
            (a, b) => Date.parse(b.date) - Date.parse(a.date),
          )
        : [],
      index: listed?.index,
      indexNote: listed?.indexNote ?? null,
      problems: listed?.problems.map((p) => p.problem) ?? [],
      missingImages: listed?.missingImages ?? [],
      strays: listed?.strays.map((s) => s.problem) ?? [],
    });
  });
  return { hosts: views.sort((a, b) => a.host.localeCompare(b.host)), strays };
}

/**
 * The named hosts (or every host) with their full records, read one by one: for the commands that
 * act on one host's images (diff, restore, restore-kit), which need what the index does not keep.
 */
export async function readFleetView(
  store: OpenStore,
  only?: readonly string[],
): Promise<HostView<ImageRecord>[]> {
  const stored = new Set((await listCatalogHosts(store)).hosts);
  const fleet = new Map((store.fleet ?? []).map((h) => [h.host, h]));
  const names = only ?? [...new Set([...stored, ...fleet.keys()])].sort();
  const views: HostView<ImageRecord>[] = [];
  await inBatches(names, 8, async (host) => {
    const listed = stored.has(host)
      ? await listHostRecords(store, host)
      : { records: [], problems: [], missingImages: [], strays: [] };
    views.push({
      host,
      inFleet: store.fleet ? fleet.has(host) : null,
      enabled: fleet.get(host)?.enabled ?? true,
      kind: fleet.get(host)?.kind ?? null,
      volumeGroups: fleet.get(host)?.volumeGroups.filter((vg) => vg !== 'rootvg') ?? null,
      records: listed.records,
      problems: listed.problems.map((p) => p.problem),
      missingImages: listed.missingImages,
      strays: listed.strays.map((s) => s.problem),
    });
  });
  return views.sort((a, b) => a.host.localeCompare(b.host));
}

/** The host's images whose objects are in the store (IMAGE_MISSING ones left out). */
export function presentRecords<I extends CatalogImage>(view: HostView<I>): I[] {
  const missing = new Set(view.missingImages ?? []);
  return view.records.filter((r) => !missing.has(r.key));
}

/** The host's newest rootvg image record whose image is in the store. */
export function latestMksysb<I extends CatalogImage>(view: HostView<I>): I | undefined {
  return presentRecords(view).find((r) => r.kind === 'mksysb');
}

/** Hosts named in full by indexNotes' summary line; the rest are counted. */
const INDEX_HOSTS_NAMED = 10;

/**
 * The lines saying which hosts' catalog index was missing or unreadable, so their records were read
 * instead: each unreadable index on its own line (something to look at), the missing ones in one line
 * naming them (a store written before the index, or a host whose first writer stopped before it).
 * Notes, not warnings: every image was still seen, and nothing is wrong with the hosts.
 */
export function indexNotes(views: readonly HostView[]): string[] {
  const unreadable = views.filter((v) => v.index === 'unreadable' && v.indexNote);
  const missing = views.filter((v) => v.index === 'absent' && v.indexNote);
  const named = missing.slice(0, INDEX_HOSTS_NAMED).map((v) => v.host);
  const more = missing.length - named.length;
  return [
    ...unreadable.map((v) => v.indexNote ?? ''),
    ...(missing.length === 0
      ? []
      : missing.length === 1
        ? [missing[0]?.indexNote ?? '']
        : [
            `no catalog index for ${missing.length} hosts (${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}): their records were read instead; "mksysb-vault catalog rebuild" writes the indexes`,
          ]),
  ];
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
