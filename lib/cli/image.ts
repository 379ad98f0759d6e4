// `mksysb-vault image toc | extract | verify`: look inside an mksysb or savevg image without AIX.
// The image is an AIX `backup` by-name archive; these commands read it with the project's own reader
// (lambdas/core/bff/), from a file on disk or from the store, and never need more memory than a
// small window of it: the table of contents, one file's bytes, or the same content check the
// pipeline runs on every stored image (checksum, complete archive, bootable rootvg).
import { chmodSync, utimesSync, writeFileSync } from 'node:fs';
import { type Anomaly, formatBytes, verdictOf } from '../../lambdas/core/anomaly.js';
import {
  archivePath,
  ContentInspector,
  type ContentReport,
  judgeContent,
} from '../../lambdas/core/bff/content-check.js';
import { entryData } from '../../lambdas/core/bff/index.js';
import { type TocEntry, TocIndexError } from '../../lambdas/core/bff/toc-index.js';
import type { ImageRecord } from '../../lambdas/core/image-record.js';
import { parseLsmksysb } from '../../lambdas/core/lsmksysb.js';
import { classifyMksysbLog } from '../../lambdas/core/mksysb-log.js';
import {
  type CliIo,
  type Command,
  checkOutputDirectory,
  dayOption,
  EXIT,
  outputError,
  parseOptions,
  readUserFile,
  table,
  UsageError,
  usageHostName,
  VERDICT_EXIT,
} from './command.js';
import {
  fileSource,
  findImage,
  type ImageSource,
  modeString,
  storedIndex,
  storeSource,
  walk,
} from './image-source.js';
import { type OpenStore, STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault image <toc|extract|verify> ...

Looks inside an mksysb or savevg image (an AIX backup-by-name archive) without AIX.

  image toc FILE | --host H [--date D] [--json]
      The image's table of contents: type, mode, size, date and name of every entry. For --host,
      the vault's own index beside the stored image when it has one (a few KB read), else the image.
  image extract FILE PATH [--out F]
      One file's bytes, unpacked, to --out (mode and mtime kept) or to standard output. For a
      stored image: mksysb-vault restore-file HOST PATH (reads only that file's bytes).
  image verify FILE [--sha256 HEX] [--log F] [--lsmksysb F] [--kind K] [--vg VG] | --host H [--date D]
      The pipeline's content check: SHA-256 of the bytes, the archive read to its end, the entry
      count against the log, image.data against the listing, the files a rootvg needs to boot.
      For --host the claims (SHA-256, log, listing) are the ones stored with the image.

Options:
  --host H           an image in the store instead of a file (default: the newest image of H)
  --date DAY         with --host: the image of that day (YYYY-MM-DD)
  --kind KIND        mksysb (default) or savevg
  --vg VG            the volume group of a savevg image (with --host: which series)
  --json             print JSON
  -h, --help         show this help

${STORE_HELP}

Exit status: 0 sound, 1 WARN, 2 damaged or not what was claimed (the anomaly codes are printed:
CHECKSUM_MISMATCH, ARCHIVE_TRUNCATED, ARCHIVE_CORRUPT, CONTENT_MISMATCH, BOOT_FILES_MISSING),
64 usage error or unreadable file, 69 store unreachable, 70 internal error.`;

const OPTIONS = {
  ...STORE_OPTIONS,
  host: { type: 'string' },
  date: { type: 'string' },
  kind: { type: 'string' },
  vg: { type: 'string' },
  sha256: { type: 'string' },
  log: { type: 'string' },
  lsmksysb: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseOptions<typeof OPTIONS>>['values'];

function checkOptions(values: Values, file: string | undefined, sub: string): void {
  if ((file === undefined) === (values.host === undefined))
    throw new UsageError(`give an image FILE or --host H (see "mksysb-vault image --help")`);
  if (values.date !== undefined) dayOption('--date', values.date);
  if (values.date !== undefined && values.host === undefined) throw new UsageError('--date goes with --host');
  if (values.kind !== undefined && values.kind !== 'mksysb' && values.kind !== 'savevg')
    throw new UsageError(`--kind must be mksysb or savevg, not "${values.kind}"`);
  if (values.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(values.sha256))
    throw new UsageError(`--sha256 "${values.sha256}" is not a SHA-256 (64 hex digits)`);
  if (sub !== 'verify' && (values.sha256 || values.log || values.lsmksysb))
    throw new UsageError(`--sha256, --log and --lsmksysb go with "image verify"`);
}

export const imageCommand: Command = {
  name: 'image',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub === undefined) {
      io.err(HELP);
      return EXIT.usage;
    }
    if (sub === '--help' || sub === '-h' || sub === 'help') {
      io.out(HELP);
      return EXIT.ok;
    }
    if (sub !== 'toc' && sub !== 'extract' && sub !== 'verify')
      throw new UsageError(`unknown subcommand "${sub}": toc, extract or verify`);
    const { values, positionals } = parseOptions(`image ${sub}`, rest, OPTIONS, sub === 'extract' ? 2 : 1);
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    if (sub === 'extract') {
      const [file, path] = positionals;
      if (file === undefined || path === undefined)
        throw new UsageError('usage: mksysb-vault image extract FILE PATH [--out F]');
      if (values.host !== undefined)
        throw new UsageError(
          'image extract reads an image FILE; for a stored image, "mksysb-vault restore-file HOST PATH" reads only that file\'s bytes',
        );
      return extract(fileSource(file), path, values, io);
    }
    const file = positionals[0];
    checkOptions(values, file, sub);
    if (file !== undefined) {
      const source = fileSource(file);
      return sub === 'toc' ? toc(source, values, io, null) : verifyFile(source, values, io);
    }
    return withStore(values, io, async (store) => {
      const record = await findImage(store, {
        host: usageHostName(values.host as string, '--host: '),
        date: values.date,
        kind: values.kind,
        vg: values.vg,
      });
      const source = storeSource(store, record);
      if (sub === 'toc') return toc(source, values, io, await readableIndex(store, record, io));
      return verifySource(source, record, values, io, {
        hostSha256: record.sha256,
        logFilesBackedUp: record.log?.filesBackedUp ?? null,
        lsmksysb: record.lsmksysb,
      });
    });
  },
};

async function toc(
  source: ImageSource,
  values: Values,
  io: CliIo,
  index: TocEntry[] | null,
): Promise<number> {
  let entries: TocEntry[];
  let problem: ContentReport['problem'] = null;
  let from = 'index';
  if (index) entries = index;
  else {
    const read = await walk(source);
    entries = read.entries;
    problem = read.summary?.problem ?? null;
    from = 'image';
  }
  if (values.json)
    io.out(
      JSON.stringify(
        {
          image: source.name,
          from,
          problem,
          entries: entries.map((e) => ({
            path: e.path,
            type: e.type,
            size: e.size,
            mode: `0${(e.mode & 0o7777).toString(8)}`,
            uid: e.uid,
            gid: e.gid,
            mtime: new Date(e.mtime * 1000).toISOString(),
            packed: e.packed,
            storedSize: e.storedSize,
            dataOffset: e.dataOffset,
          })),
        },
        null,
        2,
      ),
    );
  else {
    io.out(
      table(
        ['MODE', 'UID', 'GID', 'SIZE', 'MODIFIED', 'PATH'],
        entries.map((e) => [
          modeString(e),
          String(e.uid),
          String(e.gid),
          String(e.size),
          new Date(e.mtime * 1000).toISOString().slice(0, 16).replace('T', ' '),
          e.path,
        ]),
      ),
    );
    io.out(
      `${entries.length} entries in ${source.name}${from === 'index' ? " (from the vault's index)" : ''}`,
    );
  }
  if (problem) {
    io.err(
      `${problem.code} at byte ${problem.offset}${problem.entry ? ` (${problem.entry})` : ''}: ${problem.message}`,
    );
    return EXIT.fail;
  }
  return EXIT.ok;
}

async function extract(source: ImageSource, path: string, values: Values, io: CliIo): Promise<number> {
  const wanted = archivePath(path);
  // A missing --out directory is said before the image is read, not after.
  if (values.out !== undefined && values.out !== '-') checkOutputDirectory('--out', values.out);
  const { entries, summary } = await walk(source, (e) => archivePath(e.path) === wanted);
  const entry = entries.find((e) => archivePath(e.path) === wanted);
  if (!entry) {
    const why = summary?.problem
      ? ` (the archive is damaged: ${summary.problem.code} at byte ${summary.problem.offset})`
      : '';
    io.err(`${source.name} has no entry ${wanted}${why}`);
    return EXIT.fail;
  }
  if (entry.type !== 'file')
    throw new UsageError(`${wanted} is a ${entry.type}, not a file: nothing to extract`);
  const stored = await source.range(entry.dataOffset, entry.storedSize);
  const bytes = entryData(stored, entry);
  if (values.out === undefined || values.out === '-') {
    process.stdout.write(bytes);
    return EXIT.ok;
  }
  try {
    writeFileSync(values.out, bytes, { mode: entry.mode & 0o7777 });
    chmodSync(values.out, entry.mode & 0o7777); // an existing file keeps its mode otherwise
    utimesSync(values.out, entry.mtime, entry.mtime);
  } catch (error) {
    throw outputError('--out', values.out, error);
  }
  io.err(`${wanted}: ${formatBytes(bytes.length)} written to ${values.out}`);
  return EXIT.ok;
}

async function verifyFile(source: ImageSource, values: Values, io: CliIo): Promise<number> {
  const log = values.log ? classifyMksysbLog(readUserFile('--log', values.log)) : null;
  const parsed = values.lsmksysb
    ? parseLsmksysb(readUserFile('--lsmksysb', values.lsmksysb), values.lsmksysb)
    : null;
  const listing = parsed?.ok ? parsed.report : null;
  return verifySource(source, null, values, io, {
    hostSha256: values.sha256?.toLowerCase() ?? null,
    logFilesBackedUp: log?.filesBackedUp ?? null,
    lsmksysb: listing,
  });
}

async function verifySource(
  source: ImageSource,
  record: ImageRecord | null,
  values: Values,
  io: CliIo,
  claims: Pick<Parameters<typeof judgeContent>[1], 'hostSha256' | 'logFilesBackedUp' | 'lsmksysb'>,
): Promise<number> {
  const kind = record?.kind ?? (values.kind === 'savevg' ? 'savevg' : 'mksysb');
  const volumeGroup = record?.volumeGroup ?? values.vg ?? (kind === 'mksysb' ? 'rootvg' : undefined);
  const inspector = new ContentInspector({ kind, ...(volumeGroup ? { volumeGroup } : {}) });
  await source.read((chunk) => inspector.push(chunk));
  const report = inspector.finish();
  const anomalies: Anomaly[] = judgeContent(report, {
    kind,
    volumeGroup: volumeGroup ?? report.volumeGroup ?? 'unknown',
    sizeBytes: source.sizeBytes,
    ...claims,
  });
  const verdict = verdictOf(anomalies);
  if (values.json) io.out(JSON.stringify({ image: source.name, verdict, anomalies, report }, null, 2));
  else {
    io.out(`${source.name}: ${verdict}`);
    io.out(
      `  ${formatBytes(report.bytesRead)} read, SHA-256 ${report.sha256}${claims.hostSha256 ? (claims.hostSha256 === report.sha256 ? ' (as claimed)' : ` (claimed ${claims.hostSha256})`) : ' (no claim to compare)'}`,
    );
    io.out(
      `  ${report.entries} entries (${report.files} files, ${report.directories} directories, ${formatBytes(report.contentBytes)}), archive ${report.complete ? 'complete' : 'NOT complete'}`,
    );
    if (report.volumeGroup) io.out(`  image.data: volume group ${report.volumeGroup}`);
    for (const a of anomalies) io.out(`  ${a.code} (${a.severity}): ${a.message}`);
  }
  return VERDICT_EXIT[verdict];
}

/**
 * The vault's index of a stored image, or null to read the image itself: an index that is missing or
 * does not parse only costs the shortcut (said on stderr), never the listing.
 */
async function readableIndex(store: OpenStore, record: ImageRecord, io: CliIo): Promise<TocEntry[] | null> {
  try {
    return (await storedIndex(store, record))?.index.entries ?? null;
  } catch (error) {
    if (!(error instanceof TocIndexError)) throw error;
    io.err(`! the index beside ${record.key} is unreadable (${error.message}): reading the image instead`);
    return null;
  }
}
