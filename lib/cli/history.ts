// `mksysb-vault history HOST`: every image of one host, newest first, with size, verdict, anomalies
// and OS level — what changed, and when.
import { formatBytes } from '../../lambdas/core/anomaly.js';
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
import { hostWarnings, readFleet } from './fleet-view.js';
import { STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault history HOST [options]

The host's images, newest first: date, kind and volume group, size, verdict, OS level and every
anomaly. Records that cannot be read are listed too, never skipped.

Options:
  --kind KIND        only mksysb or only savevg images
  --limit N          only the newest N images
  --json             print JSON (the full records) instead of a table
  -h, --help         show this help

${STORE_HELP}

Exit status: 0 listed, 64 usage error, bad option value or unknown host, 69 store unreachable,
70 internal error.`;

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
      const fleet = await readFleet(store);
      const all = fleet.hosts;
      const view = all.find((v) => v.host === host);
      if (!view || (view.records.length === 0 && view.problems.length === 0 && !view.inFleet)) {
        const known = all.map((v) => v.host);
        throw new UsageError(
          `no host "${host}" in ${store.description}${known.length ? ` (hosts: ${known.join(', ')})` : ''}`,
        );
      }
      const records = view.records
        .filter((r) => values.kind === undefined || r.kind === values.kind)
        .slice(0, limit);
      const missing = new Set(view.missingImages ?? []);
      // Warnings (with their codes) on standard error, whatever the output: never a silent listing.
      for (const w of [...hostWarnings(view), ...fleet.strays.map((s) => s.problem)]) io.err(`! ${w}`);
      if (values.json) {
        io.out(
          JSON.stringify(
            {
              host,
              store: store.description,
              images: records,
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
      if (records.length === 0) io.out(`${host}: no images yet in ${store.description}`);
      else
        io.out(
          table(
            ['DATE', 'IMAGE', 'SIZE', 'VERDICT', 'OS LEVEL', 'ANOMALIES'],
            records.map((r) => [
              r.date.slice(0, 10),
              r.kind === 'mksysb' ? 'mksysb' : `savevg ${r.volumeGroup}`,
              formatBytes(r.sizeBytes),
              r.verdict,
              r.osLevel ?? '-',
              [
                ...(missing.has(r.key) ? [`${IMAGE_MISSING}: the image object is not in the store`] : []),
                ...r.anomalies.map((a) => `${a.code}: ${a.message}`),
              ].join('; ') || '-',
            ]),
          ),
        );
      return EXIT.ok;
    });
  },
};
