// `mksysb-vault diff HOST`: what changed between two images of one host — files added, removed,
// grown and shrunk, the few lines that explain most of the size change, totals per top-level
// directory and per file system, and the filesets upgraded, downgraded, added or removed. It reads the
// vault's two content indexes (lambdas/core/bff/toc-index.ts) and the two `lsmksysb -L` sidecars
// beside the images, a few KB to a few MB, never the images themselves; the comparing is
// lambdas/core/image-diff.ts.
import { listHosts, readText } from '../../lambdas/adapters/catalog.js';
import { formatBytes } from '../../lambdas/core/anomaly.js';
import { type TocEntry, TocIndexError } from '../../lambdas/core/bff/toc-index.js';
import { contentIndexKey, sidecarKey } from '../../lambdas/core/catalog-keys.js';
import {
  type ExcludeListChange,
  excludeListChange,
  type ImageExcludeList,
} from '../../lambdas/core/exclude-list.js';
import {
  type Contributor,
  diffFilesets,
  diffTocs,
  type FilesetDiff,
  type OsLevelChange,
  type SizeTotals,
  type TocDiff,
  topContributors,
} from '../../lambdas/core/image-diff.js';
import { excludeListOf, type ImageRecord } from '../../lambdas/core/image-record.js';
import { type Fileset, parseFilesetList } from '../../lambdas/core/lsmksysb.js';
import {
  type CliIo,
  type Command,
  dayOption,
  EXIT,
  parseOptions,
  table,
  UsageError,
  usageHostName,
  wholeNumberOption,
} from './command.js';
import { readFleetView } from './fleet-view.js';
import { type StoredIndex, storedIndex } from './image-source.js';
import { type OpenStore, STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault diff HOST [--from DAY] [--to DAY] [options]

What changed between two images of HOST (default: its last two): the size, the few changes that
explain most of it (a directory removed, a new dump file, a directory that grew), totals per
top-level directory and per file system, the filesets upgraded, downgraded, added or removed, the
OS level, and whether the exclude list (/etc/exclude.rootvg, mksysb -e) changed. Reads the vault's content index beside each image and its fileset listing
(lsmksysb -L), never the images.

Options:
  --from DAY         the older image (YYYY-MM-DD; default: the one before --to)
  --to DAY           the newer image (default: the newest)
  --kind KIND        mksysb (default) or savevg
  --vg VG            the volume group of a savevg series
  --top N            lines of top contributors, and filesets listed per kind of change (default 10)
  --json             print one JSON object (fields below)
  -h, --help         show this help

JSON fields (sizes in bytes; deltas are newer minus older):
  host, kind, volumeGroup
  from, to           {date, key, sizeBytes, osLevel, entries, contentBytes}: the two images
  imageDelta         to.sizeBytes - from.sizeBytes (the stored images)
  content            {oldBytes, newBytes, delta, oldEntries, newEntries}: sum of the entries' sizes
  counts             {added, removed, grown, shrunk, modified, unchanged}: entries; modified = same
                     size, other mtime, mode or owner
  topContributors    [{path, delta, change: added|removed|grew|shrank, scope: entry|tree|directory,
                     entries, line}], largest first, at most --top
  directories        [{directory, oldBytes, newBytes, delta, oldEntries, newEntries}] per top-level
                     directory ("/" holds the files of the root directory), largest |delta| first
  fileSystems        [{mountPoint, oldBytes, ...}] per file system (longest matching mount point of
                     the listing stored with each image; mountPoint null: under none), or [] when unknown
  addedTrees, removedTrees   [{path, change, delta, entries}]: directories added or removed whole
  added, removed, grown, shrunk   [{path, type, change, oldSize, newSize, delta}]: every entry
  filesets           {added, removed: [{name, level}], upgraded, downgraded: [{name, from, to}],
                     unchanged}, or null when an image has no fileset listing
  osLevel            {from, to, direction: upgraded|downgraded|same|unknown, source: oslevel|bos.rte}
  excludeList        {changed, added, removed: [pattern], line, recorded, from, to}: the exclude
                     list each image was made with ({source: config|host, patterns, lineCount,
                     sha256}, or null: made without -e); recorded false when a record predates it
  notes              [string]: what could not be compared, and why

${STORE_HELP}

Exit status: 0 compared, 2 an image has no readable content index, 64 usage error, bad option value,
unknown host or day, 69 store unreachable, 70 internal error.`;

const OPTIONS = {
  ...STORE_OPTIONS,
  from: { type: 'string' },
  to: { type: 'string' },
  kind: { type: 'string' },
  vg: { type: 'string' },
  top: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** An image cannot be compared: its index is missing or unreadable. Exit 2, one line naming host and day. */
class ImageDiffError extends Error {
  override name = 'ImageDiffError';
}

const MAX_FILESETS_BYTES = 8 * 1024 * 1024;

export const diffCommand: Command = {
  name: 'diff',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseOptions('diff', argv, OPTIONS, 1);
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    const host = positionals[0];
    if (host === undefined) throw new UsageError('which host? (mksysb-vault diff HOST)');
    usageHostName(host);
    if (values.from !== undefined) dayOption('--from', values.from);
    if (values.to !== undefined) dayOption('--to', values.to);
    if (values.from !== undefined && values.from === values.to)
      throw new UsageError(`--from and --to are the same day (${values.from}): give two images`);
    const kind = values.kind ?? 'mksysb';
    if (kind !== 'mksysb' && kind !== 'savevg')
      throw new UsageError(`--kind must be mksysb or savevg, not "${values.kind}"`);
    if (kind === 'mksysb' && values.vg !== undefined && values.vg !== 'rootvg')
      throw new UsageError(`--vg ${values.vg} goes with --kind savevg (an mksysb is rootvg)`);
    const top = values.top === undefined ? 10 : wholeNumberOption('--top', values.top, { min: 1 });

    return withStore(values, io, async (store) => {
      const { older, newer } = await pickImages(store, host, kind, values);
      try {
        const comparison = await compare(store, older, newer, top);
        if (values.json) io.out(JSON.stringify(comparison, null, 2));
        else printComparison(comparison, top, io);
        return EXIT.ok;
      } catch (error) {
        if (!(error instanceof ImageDiffError)) throw error;
        io.err(`mksysb-vault diff: ${error.message}`);
        return EXIT.fail;
      }
    });
  },
};

const dayOf = (record: ImageRecord) => record.date.slice(0, 10);
const imageName = (r: ImageRecord) =>
  `${r.host} ${r.kind === 'mksysb' ? 'mksysb' : `savevg ${r.volumeGroup}`}`;

/** The two records --from/--to name (default: the newest and the one before it); a UsageError says what there is. */
async function pickImages(
  store: OpenStore,
  host: string,
  kind: 'mksysb' | 'savevg',
  values: { from?: string | undefined; to?: string | undefined; vg?: string | undefined },
): Promise<{ older: ImageRecord; newer: ImageRecord }> {
  const view = (await readFleetView(store, [host]))[0];
  const ofKind = (view?.records ?? []).filter((r) => r.kind === kind);
  if (ofKind.length === 0) {
    const hosts = await listHosts(store);
    const known = hosts.length > 0 ? ` (hosts with images: ${hosts.join(', ')})` : '';
    throw new UsageError(`no ${kind} image of "${host}" in ${store.description}${known}`);
  }
  let series = ofKind;
  if (kind === 'savevg') {
    const groups = [...new Set(ofKind.map((r) => r.volumeGroup))].sort();
    if (values.vg === undefined && groups.length > 1)
      throw new UsageError(`${host} has savevg images of ${groups.join(', ')}: say which with --vg`);
    if (values.vg !== undefined) series = ofKind.filter((r) => r.volumeGroup === values.vg);
    if (series.length === 0)
      throw new UsageError(`${host} has no savevg image of ${values.vg} (it has: ${groups.join(', ')})`);
  }
  // Newest first (readFleetView's order); one image per day and series.
  const days = series.map(dayOf);
  const has = `(it has: ${days.join(', ')})`;
  const what = `${kind === 'mksysb' ? 'mksysb' : `savevg ${series[0]?.volumeGroup}`} image`;
  const at = (day: string) => {
    const found = series.find((r) => dayOf(r) === day);
    if (!found) throw new UsageError(`${host} has no ${what} of ${day} ${has}`);
    return found;
  };
  const newer = values.to !== undefined ? at(values.to) : (series[0] as ImageRecord);
  let older: ImageRecord | undefined;
  if (values.from !== undefined) {
    older = at(values.from);
    if (older === newer)
      throw new UsageError(
        `--from ${values.from} is the newest ${what} of ${host}: give --to another day ${has}`,
      );
  } else {
    older = series.find((r) => dayOf(r) < dayOf(newer));
    if (older === undefined)
      throw new UsageError(
        series.length === 1
          ? `${host} has only one ${what} (${days[0]}): nothing to compare it with`
          : `${host} has no ${what} before ${dayOf(newer)} ${has}`,
      );
  }
  return { older, newer };
}

interface ImageSide {
  readonly date: string;
  readonly key: string;
  readonly sizeBytes: number;
  readonly osLevel: string | null;
  readonly entries: number;
  readonly contentBytes: number;
}

interface Comparison {
  readonly host: string;
  readonly kind: string;
  readonly volumeGroup: string;
  readonly from: ImageSide;
  readonly to: ImageSide;
  readonly imageDelta: number;
  readonly content: SizeTotals;
  readonly counts: Record<'added' | 'removed' | 'grown' | 'shrunk' | 'modified' | 'unchanged', number>;
  readonly topContributors: Contributor[];
  readonly directories: TocDiff['directories'];
  readonly fileSystems: TocDiff['fileSystems'];
  readonly addedTrees: TocDiff['addedTrees'];
  readonly removedTrees: TocDiff['removedTrees'];
  readonly added: TocDiff['added'];
  readonly removed: TocDiff['removed'];
  readonly grown: TocDiff['grown'];
  readonly shrunk: TocDiff['shrunk'];
  readonly filesets: Omit<FilesetDiff, 'osLevel'> | null;
  readonly osLevel: OsLevelChange;
  readonly excludeList: ExcludeListChange & {
    readonly recorded: boolean;
    readonly from: ImageExcludeList | null;
    readonly to: ImageExcludeList | null;
  };
  readonly notes: string[];
}

async function compare(
  store: OpenStore,
  older: ImageRecord,
  newer: ImageRecord,
  top: number,
): Promise<Comparison> {
  const [oldToc, newToc, oldFilesets, newFilesets] = await Promise.all([
    readIndex(store, older),
    readIndex(store, newer),
    readFilesets(store, older),
    readFilesets(store, newer),
  ]);
  const notes: string[] = [];
  const mounts = (r: ImageRecord) =>
    r.lsmksysb?.logicalVolumes.map((lv) => lv.mountPoint).filter((m): m is string => m !== null) ?? null;
  let oldMounts = mounts(older);
  let newMounts = mounts(newer);
  for (const [record, list] of [
    [older, oldMounts],
    [newer, newMounts],
  ] as const)
    if (list === null)
      notes.push(`the record of ${dayOf(record)} holds no lsmksysb listing: its file systems are not known`);
  oldMounts ??= newMounts;
  newMounts ??= oldMounts;
  const diff = diffTocs(oldToc, newToc, {
    ...(oldMounts && newMounts ? { mountPoints: { older: oldMounts, newer: newMounts } } : {}),
  });

  for (const [record, list] of [
    [older, oldFilesets],
    [newer, newFilesets],
  ] as const)
    if (list === null)
      notes.push(`no fileset listing (lsmksysb -L) is stored with the image of ${dayOf(record)}`);
  const osLevels = { older: older.osLevel, newer: newer.osLevel };
  const filesets =
    oldFilesets && newFilesets
      ? diffFilesets(oldFilesets, newFilesets, older.osLevel && newer.osLevel ? osLevels : undefined)
      : null;
  const { osLevel, ...filesetChanges } = filesets ?? diffFilesets([], [], osLevels);

  const side = (r: ImageRecord, toc: readonly TocEntry[], bytes: number): ImageSide => ({
    date: dayOf(r),
    key: r.key,
    sizeBytes: r.sizeBytes,
    osLevel: r.osLevel,
    entries: toc.length,
    contentBytes: bytes,
  });
  return {
    host: newer.host,
    kind: newer.kind,
    volumeGroup: newer.volumeGroup,
    from: side(older, oldToc, diff.totals.oldBytes),
    to: side(newer, newToc, diff.totals.newBytes),
    imageDelta: newer.sizeBytes - older.sizeBytes,
    content: diff.totals,
    counts: {
      added: diff.added.length,
      removed: diff.removed.length,
      grown: diff.grown.length,
      shrunk: diff.shrunk.length,
      modified: diff.modified,
      unchanged: diff.unchanged,
    },
    topContributors: topContributors(diff, top),
    directories: diff.directories,
    fileSystems: diff.fileSystems,
    addedTrees: diff.addedTrees,
    removedTrees: diff.removedTrees,
    added: diff.added,
    removed: diff.removed,
    grown: diff.grown,
    shrunk: diff.shrunk,
    filesets: filesets ? filesetChanges : null,
    osLevel,
    excludeList: {
      ...excludeListChange(excludeListOf(older), excludeListOf(newer)),
      recorded: excludeListOf(older) !== undefined && excludeListOf(newer) !== undefined,
      from: excludeListOf(older) ?? null,
      to: excludeListOf(newer) ?? null,
    },
    notes,
  };
}

/** The image's content index, parsed; an ImageDiffError names the host, the day and what is wrong. */
async function readIndex(store: OpenStore, record: ImageRecord): Promise<TocEntry[]> {
  const key = contentIndexKey(record.key);
  const image = `${imageName(record)} image of ${dayOf(record)}`;
  let stored: StoredIndex | null;
  try {
    stored = await storedIndex(store, record);
  } catch (error) {
    if (error instanceof TocIndexError)
      throw new ImageDiffError(`the content index of the ${image} is unreadable: ${key}: ${error.message}`);
    throw error;
  }
  if (stored === null) {
    const why =
      record.content === null
        ? 'its stored bytes were never checked (the record predates the content check)'
        : !record.content.complete
          ? 'its content check did not read the whole image'
          : 'the content check wrote none';
    throw new ImageDiffError(`the ${image} has no content index (${key}): ${why}; it cannot be compared`);
  }
  if (stored.index.imageKey !== record.key)
    throw new ImageDiffError(
      `the content index ${key} of the ${image} describes ${stored.index.imageKey}, not it`,
    );
  return stored.index.entries;
}

/** The image's `lsmksysb -L` listing, parsed; null when none is stored beside it. */
async function readFilesets(store: OpenStore, record: ImageRecord): Promise<Fileset[] | null> {
  const text = await readText(store, sidecarKey(record.key, 'filesets'), {
    action: 'reading the fileset listing',
    host: record.host,
    optional: true,
    maxBytes: MAX_FILESETS_BYTES,
  });
  return text === null ? null : parseFilesetList(text);
}

const signed = (bytes: number) => `${bytes > 0 ? '+' : bytes < 0 ? '-' : ''}${formatBytes(Math.abs(bytes))}`;
const count = (n: number) => n.toLocaleString('en-US');

function totalsRows<T extends SizeTotals>(rows: readonly T[], name: (row: T) => string): string[][] {
  return rows.map((r) => [
    name(r),
    formatBytes(r.oldBytes),
    formatBytes(r.newBytes),
    signed(r.delta),
    `${count(r.oldEntries)} → ${count(r.newEntries)}`,
  ]);
}

function printComparison(c: Comparison, top: number, io: CliIo): void {
  io.out(
    `${c.host} ${c.kind === 'mksysb' ? 'mksysb' : `savevg ${c.volumeGroup}`}: ${c.from.date} → ${c.to.date}`,
  );
  io.out(
    `  image    ${formatBytes(c.from.sizeBytes)} → ${formatBytes(c.to.sizeBytes)} (${signed(c.imageDelta)})`,
  );
  io.out(
    `  content  ${formatBytes(c.content.oldBytes)} → ${formatBytes(c.content.newBytes)} (${signed(c.content.delta)}), ${count(c.content.oldEntries)} → ${count(c.content.newEntries)} entries`,
  );
  const n = c.counts;
  io.out(
    `  entries  ${count(n.added)} added, ${count(n.removed)} removed, ${count(n.grown)} grown, ${count(n.shrunk)} shrunk, ${count(n.modified)} modified at the same size`,
  );

  io.out('');
  if (c.topContributors.length === 0) io.out('No entry changed size.');
  else {
    io.out('Top contributors:');
    for (const line of c.topContributors) io.out(`  ${line.line}`);
  }

  io.out('');
  io.out('By top-level directory:');
  io.out(
    table(
      ['DIRECTORY', 'OLD', 'NEW', 'DELTA', 'ENTRIES'],
      totalsRows(c.directories, (r) => r.directory),
    ),
  );
  io.out('');
  if (c.fileSystems.length === 0) io.out('By file system: not known (no lsmksysb listing in the records)');
  else {
    io.out('By file system:');
    io.out(
      table(
        ['FILE SYSTEM', 'OLD', 'NEW', 'DELTA', 'ENTRIES'],
        totalsRows(c.fileSystems, (r) => r.mountPoint ?? '(none)'),
      ),
    );
  }

  io.out('');
  const f = c.filesets;
  if (f === null) io.out('Filesets: not compared (an image has no fileset listing)');
  else {
    io.out(
      `Filesets: ${count(f.upgraded.length)} upgraded, ${count(f.downgraded.length)} downgraded, ${count(f.added.length)} added, ${count(f.removed.length)} removed, ${count(f.unchanged)} unchanged`,
    );
    const list = (label: string, lines: string[]) => {
      for (const line of lines.slice(0, top)) io.out(`  ${label.padEnd(10)} ${line}`);
      if (lines.length > top) io.out(`  ${''.padEnd(10)} … and ${count(lines.length - top)} more`);
    };
    list(
      'upgraded',
      f.upgraded.map((u) => `${u.name} ${u.from} → ${u.to}`),
    );
    list(
      'downgraded',
      f.downgraded.map((u) => `${u.name} ${u.from} → ${u.to}`),
    );
    list(
      'added',
      f.added.map((a) => `${a.name} ${a.level}`),
    );
    list(
      'removed',
      f.removed.map((a) => `${a.name} ${a.level}`),
    );
  }
  const os = c.osLevel;
  io.out(
    os.from === null && os.to === null
      ? 'OS level: not known'
      : os.direction === 'same'
        ? `OS level: ${os.to} (unchanged)`
        : `OS level: ${os.from ?? 'unknown'} → ${os.to ?? 'unknown'}${os.direction === 'unknown' ? '' : ` (${os.direction})`}`,
  );
  io.out(c.excludeList.line.replace(/^exclude list/, 'Exclude list'));
  for (const note of c.notes) io.out(`note: ${note}`);
}
