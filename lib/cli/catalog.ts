// `mksysb-vault catalog rebuild`: rebuilds each host's catalog index (catalog/<host>/index.json,
// lambdas/core/catalog-index.ts) from its records and history entries, and says where the index it
// found disagreed with them: the repair for a writer that stopped between its record and its index
// update, a hand-deleted record, or an index that no longer parses. --dry-run only reports.

import {
  listHostRecords,
  listHosts,
  listObjects,
  type StoreLocation,
} from '../../lambdas/adapters/catalog.js';
import { readIndex, updateIndex } from '../../lambdas/adapters/catalog-index.js';
import { listHostHistory } from '../../lambdas/adapters/image-history.js';
import {
  type CatalogIndex,
  compareIndex,
  type IndexDisagreement,
  rebuildIndex,
  renderCatalogIndex,
  upsertEntry,
} from '../../lambdas/core/catalog-index.js';
import { CATALOG_PREFIX, hostNameProblem } from '../../lambdas/core/catalog-keys.js';
import type { ImageHistoryEntry } from '../../lambdas/core/image-history.js';
import type { ImageRecord } from '../../lambdas/core/image-record.js';
import { type CliIo, type Command, EXIT, parseOptions, table, UsageError, usageHostName } from './command.js';
import { STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault catalog rebuild [--host HOST] [--dry-run] [options]

Rebuilds each host's catalog index (catalog/<HOST>/index.json) from its image records: one entry per
record, and the images retention deleted kept as retired entries (from the old index and from
history/<HOST>/). Reports where the index it found disagreed with the records:
  missing   a record with no entry (a writer stopped between its record and its index update)
  stale     an entry that says other than its record
  orphan    an entry with no record that is not marked retired
An index that does not parse is replaced. The records are never changed.

Options:
  --host HOST        only this host (default: every host with images or an index)
  --dry-run          report what a rebuild would change; write nothing
  --json             print JSON
  -h, --help         show this help

${STORE_HELP}

Exit status: 0 every index agreed with its records, 1 disagreements found (repaired, or with
--dry-run to repair) or records that cannot be read, 64 usage error, 69 store unreachable, 70
internal error.`;

export interface HostRebuild {
  readonly host: string;
  readonly key: string;
  /** What was there: `absent`, `ok` or `unreadable` (with the problem). */
  readonly found: 'absent' | 'ok' | 'unreadable';
  readonly unreadable: string | null;
  readonly disagreements: IndexDisagreement[];
  /** Records and history entries that could not be read: left out of the index, named. */
  readonly problems: string[];
  readonly entries: number;
  readonly retired: number;
  /** The index changed (or, with --dry-run, would). */
  readonly changed: boolean;
  readonly written: boolean;
}

/** The hosts that have images or an index (an index outlives its host's last image). */
async function catalogHosts(store: StoreLocation): Promise<string[]> {
  const indexed = (await listObjects(store, CATALOG_PREFIX))
    .map((o) => /^catalog\/([^/]+)\/index\.json$/.exec(o.key)?.[1])
    .filter((h): h is string => h !== undefined && hostNameProblem(h) === null);
  return [...new Set([...(await listHosts(store)), ...indexed])].sort();
}

/**
 * The rebuilt index, applied to the index as it is at write time: a live entry whose record this
 * rebuild did not list and that was verified after it started is another writer's, written meanwhile,
 * and stays.
 */
function rebuildOnto(
  host: string,
  records: readonly ImageRecord[],
  history: readonly ImageHistoryEntry[],
  startedAt: Date,
) {
  const listed = new Set(records.map((r) => r.key));
  return (current: CatalogIndex | null): CatalogIndex => {
    let index = rebuildIndex(host, records, history, current);
    for (const e of current?.entries ?? [])
      if (e.retired === null && !listed.has(e.key) && Date.parse(e.verifiedAt) >= startedAt.getTime())
        index = upsertEntry(index, e);
    return index;
  };
}

export async function rebuildHost(
  store: StoreLocation,
  host: string,
  options: { dryRun: boolean; startedAt: Date },
): Promise<HostRebuild> {
  const { records, problems } = await listHostRecords(store, host);
  const history = await listHostHistory(store, host);
  const stored = await readIndex(store, host);
  const previous = stored.state === 'ok' ? stored.index : null;
  const change = rebuildOnto(host, records, history.entries, options.startedAt);
  const disagreements = previous ? compareIndex(previous, records) : [];
  let index = change(previous);
  let written = false;
  const changed = previous === null || renderCatalogIndex(index) !== renderCatalogIndex(previous);
  if (!options.dryRun && changed) {
    const update = await updateIndex(store, host, change, { replaceUnreadable: true });
    index = update.index;
    written = update.written;
  }
  return {
    host,
    key: stored.key,
    found: stored.state,
    unreadable: stored.state === 'unreadable' ? stored.problem : null,
    disagreements,
    problems: [...problems.map((p) => p.problem), ...history.problems],
    entries: index.entries.length,
    retired: index.entries.filter((e) => e.retired !== null).length,
    changed,
    written,
  };
}

function outcome(r: HostRebuild, dryRun: boolean): string {
  const what = r.found === 'absent' ? 'created' : r.found === 'unreadable' ? 'replaced' : 'rewritten';
  if (!r.changed) return 'agrees';
  return dryRun ? `would be ${what}` : what;
}

export const catalogCommand: Command = {
  name: 'catalog',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseOptions(
      'catalog',
      argv,
      {
        ...STORE_OPTIONS,
        host: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      1,
    );
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    const [action] = positionals;
    if (action !== 'rebuild')
      throw new UsageError(
        action === undefined
          ? 'catalog needs an action: catalog rebuild'
          : `unknown catalog action "${action}" (catalog rebuild)`,
      );
    if (values.host !== undefined) usageHostName(values.host);
    const dryRun = values['dry-run'];
    const startedAt = io.now();
    // The index is derived from the records alone (no config, no fleet): a rebuild cannot act on a
    // wrong config, so it needs none named.
    return withStore(values, io, async (store) => {
      const hosts = values.host !== undefined ? [values.host] : await catalogHosts(store);
      const results: HostRebuild[] = [];
      for (const host of hosts) results.push(await rebuildHost(store, host, { dryRun, startedAt }));
      const disagreements = results.flatMap((r) => r.disagreements);
      const problems = results.flatMap((r) => r.problems);
      for (const p of problems) io.err(`! unreadable, left out of the index: ${p}`);
      if (values.json) io.out(JSON.stringify({ store: store.description, dryRun, hosts: results }, null, 2));
      else {
        io.out(
          table(
            ['HOST', 'ENTRIES', 'RETIRED', 'MISSING', 'STALE', 'ORPHAN', 'INDEX'],
            results.map((r) => {
              const count = (kind: IndexDisagreement['kind']) =>
                String(r.disagreements.filter((d) => d.kind === kind).length);
              return [
                r.host,
                String(r.entries),
                String(r.retired),
                count('missing'),
                count('stale'),
                count('orphan'),
                outcome(r, dryRun),
              ];
            }),
          ),
        );
        for (const r of results) if (r.unreadable) io.out(`${r.unreadable} (unreadable index)`);
        for (const d of disagreements) io.out(`${d.kind} ${d.problem}`);
        const changed = results.filter((r) => r.changed).length;
        io.out(
          `\n${store.description}: ${results.length} hosts, ${disagreements.length} disagreements, ${changed} indexes ${dryRun ? 'would be written (dry run: nothing written)' : 'written'}`,
        );
      }
      const unreadable = results.some((r) => r.unreadable !== null);
      return disagreements.length > 0 || problems.length > 0 || unreadable ? EXIT.warn : EXIT.ok;
    });
  },
};
