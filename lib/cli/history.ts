// `mksysb-vault history HOST`: every image of one host, newest first, with size, verdict, anomalies
// and OS level — what changed, and when.
import { listCatalogHosts } from '../../lambdas/adapters/catalog.js';
import { formatBytes } from '../../lambdas/core/anomaly.js';
import type { CatalogImage, IndexEntry } from '../../lambdas/core/catalog-index.js';
import { IMAGE_MISSING } from '../../lambdas/core/host-state.js';
import {
  type CliIo,
  type Command,
  EXIT,
  parseOptions,
  table,
  UsageError,
  usageHostName,
  wholeNumberOption,
} from './command.js';
import { hostWarnings, indexNotes, readFleet } from './fleet-view.js';
import { STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault history HOST [options]

The host's images, newest first: date, kind and volume group, size, verdict, OS level and every
anomaly, and the images retention deleted (RETIRED, with the day and the rule; --json: "retired").
Read from the host's catalog index (catalog/HOST/index.json), with the records and history entries
it lacks; without a usable index, from the records (a "note:" line says so). Records that cannot be
read are listed too, never skipped.

Options:
  --kind KIND        only mksysb or only savevg images
  --limit N          only the newest N images
  --json             print JSON instead of a table (each image as the catalog index keeps it)
  -h, --help         show this help

${STORE_HELP}

Exit status: 0 listed, 64 usage error, bad option value or unknown host, 69 store unreachable,
70 internal error.`;

/**
 * A retired image as the table shows it: its entry's facts; an entry kept from a history entry has
 * codes only, shown without a message (the severity is not shown).
 */
function retiredImageOf(entry: IndexEntry, host: string): CatalogImage {
  return {
    host,
    key: entry.key,
    kind: entry.kind,
    volumeGroup: entry.volumeGroup,
    date: entry.date,
    sizeBytes: entry.sizeBytes,
    verdict: entry.verdict,
    anomalies:
      entry.anomalies ?? entry.codes.map((code) => ({ code, severity: 'warn' as const, message: '' })),
    osLevel: entry.osLevel,
    sha256: entry.sha256,
    runId: entry.runId,
    verifiedAt: entry.verifiedAt,
    content: entry.content
      ? { ...entry.content, sha256: entry.storedSha256, indexKey: entry.content.indexKey ?? null }
      : null,
    staging: entry.staging ?? null,
  };
}

export const historyCommand: Command = {
  name: 'history',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseOptions(
      'history',
      argv,
      {
        ...STORE_OPTIONS,
        kind: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      1,
    );
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    const host = positionals[0];
    if (!host) throw new UsageError('which host? (mksysb-vault history HOST)');
    usageHostName(host);
    if (values.kind !== undefined && values.kind !== 'mksysb' && values.kind !== 'savevg')
      throw new UsageError(`--kind must be mksysb or savevg, not "${values.kind}"`);
    const limit =
      values.limit === undefined
        ? Number.POSITIVE_INFINITY
        : wholeNumberOption('--limit', values.limit, { min: 1, unit: 'images' });

    return withStore(values, io, async (store) => {
      const fleet = await readFleet(store, [host], { history: true });
      const view = fleet.hosts[0];
      const retiredAll = view?.retired ?? [];
      if (
        !view ||
        (view.records.length === 0 && retiredAll.length === 0 && view.problems.length === 0 && !view.inFleet)
      ) {
        const stored = (await listCatalogHosts(store)).hosts;
        const known = [...new Set([...stored, ...(store.fleet ?? []).map((h) => h.host)])].sort();
        throw new UsageError(
          `no host "${host}" in ${store.description}${known.length ? ` (hosts: ${known.join(', ')})` : ''}`,
        );
      }
      const ofKind = (r: { kind: string }) => values.kind === undefined || r.kind === values.kind;
      // Live images and retired ones in one listing, newest first; --limit counts both.
      const rows = [
        ...view.records.filter(ofKind).map((image) => ({ image, retired: null, entry: null })),
        ...retiredAll
          .filter(ofKind)
          .map((entry) => ({ image: retiredImageOf(entry, host), retired: entry.retired, entry })),
      ]
        .sort((a, b) => Date.parse(b.image.date) - Date.parse(a.image.date))
        .slice(0, limit);
      const records = rows.filter((r) => r.retired === null).map((r) => r.image);
      // Retired images as their index entries say (one kept from a history entry has codes only).
      const retired = rows.flatMap((r) => (r.entry === null ? [] : [r.entry]));
      const missing = new Set(view.missingImages ?? []);
      // Warnings (with their codes) on standard error, whatever the output: never a silent listing.
      for (const w of [...hostWarnings(view), ...fleet.strays.map((s) => s.problem)]) io.err(`! ${w}`);
      for (const n of indexNotes([view])) io.err(`note: ${n}`);
      if (values.json) {
        io.out(
          JSON.stringify(
            {
              host,
              store: store.description,
              images: records,
              retired,
              problems: view.problems,
              missingImages: view.missingImages ?? [],
              strays: [...(view.strays ?? []), ...fleet.strays.map((s) => s.problem)],
            },
            null,
            2,
          ),
        );
        return EXIT.ok;
      }
      if (rows.length === 0) io.out(`${host}: no images yet in ${store.description}`);
      else
        io.out(
          table(
            ['DATE', 'IMAGE', 'SIZE', 'VERDICT', 'OS LEVEL', 'ANOMALIES'],
            rows.map(({ image: r, retired: gone }) => [
              r.date.slice(0, 10),
              r.kind === 'mksysb' ? 'mksysb' : `savevg ${r.volumeGroup}`,
              formatBytes(r.sizeBytes),
              r.verdict,
              r.osLevel ?? '-',
              [
                ...(gone
                  ? [
                      `RETIRED ${gone.at.slice(0, 10)}: deleted by retention${gone.because ? ` (${gone.because})` : ''}`,
                    ]
                  : []),
                ...(missing.has(r.key) ? [`${IMAGE_MISSING}: the image object is not in the store`] : []),
                ...r.anomalies.map((a) => (a.message ? `${a.code}: ${a.message}` : a.code)),
              ].join('; ') || '-',
            ]),
          ),
        );
      return EXIT.ok;
    });
  },
};
