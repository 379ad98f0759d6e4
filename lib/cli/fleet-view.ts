// What the store knows about each host, read once for the status, history and report commands: the
// host's records (newest first), the problems met reading them, and whether the fleet lists it.
import { inBatches, listHostRecords, listHosts } from '../../lambdas/catalog/catalog.js';
import type { ImageRecord } from '../../lambdas/shared/image-record.js';
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
