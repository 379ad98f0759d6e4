// `mksysb-vault restore-file HOST PATH`: one file, or a directory's subtree, out of a stored image,
// without AIX and without downloading the image. The vault's TOC index beside every checked image
// (`<image>.index.gz`) gives each entry's byte offsets, so a file costs the index plus one ranged GET
// of its stored bytes, and a directory a few GETs (entries whose bytes lie close together share one).
// The bytes are unpacked and checked against the index before they are trusted; a directory goes
// into a directory (never outside it) or out as a POSIX tar stream (./tar.ts).
import {
  chmodSync,
  closeSync,
  fchmodSync,
  constants as fs,
  futimesSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatBytes } from '../../lambdas/core/anomaly.js';
import { archivePath } from '../../lambdas/core/bff/content-check.js';
import { type BffEntry, BffExtractError, entryData } from '../../lambdas/core/bff/index.js';
import { headerChecksum, MAGIC, NAME_X_FIXED_BYTES, RecordType } from '../../lambdas/core/bff/reader.js';
import { type TocEntry, TocIndexError } from '../../lambdas/core/bff/toc-index.js';
import type { ImageRecord } from '../../lambdas/core/image-record.js';
import {
  type CliIo,
  type Command,
  dayOption,
  EXIT,
  outputError,
  parseOptions,
  table,
  UsageError,
  usageHostName,
} from './command.js';
import {
  ColdStorageError,
  findImage,
  type ImageSource,
  modeString,
  ShortReadError,
  type StoredIndex,
  storedIndex,
  storeSource,
  walk,
} from './image-source.js';
import { type OpenStore, STORE_HELP, STORE_OPTIONS, withStore } from './store.js';
import { tarEnd, tarHeader, tarPadding } from './tar.js';

const HELP = `Usage: mksysb-vault restore-file HOST PATH [--date D] [--out F|DIR|F.tar|-] [options]
       mksysb-vault restore-file HOST --list GLOB [--date D] [--json]

Restores one file, or a directory with everything under it, from a stored mksysb or savevg image,
without AIX and without downloading the image. Beside every image the vault checked is its index
(the table of contents with byte offsets, a few KB to a few MB): restore-file reads the index, then
only the stored bytes of what PATH names, with ranged GETs (entries whose bytes lie less than 1 MiB
apart share one GET). A 4 KB file of a 20 GB image costs the index plus at most 4 KB. Every run says
on standard error what it read: "read N bytes of the M-byte image".

PATH may be given as /etc/hosts, etc/hosts or ./etc/hosts.
  a file       to --out F (mode and modification time kept; F may be a directory) or to standard
               output (--out - or no --out)
  a directory  everything under it: into --out DIR, under the names the image gives them
               (DIR/etc/security/passwd; directories, files with mode and modification time,
               symlinks as symlinks; owners are not set, nothing is written outside DIR), or as a
               POSIX tar stream (owners kept) to --out F.tar or to standard output
  a symlink    --out F is made a symlink to the same target

Options:
  --date DAY         the image of that day (YYYY-MM-DD; default: the newest image of HOST)
  --kind KIND        mksysb (default) or savevg
  --vg VG            the volume group of a savevg image
  --out F            where to write (see above)
  --list GLOB        list the entries that match, with type, size and date, instead (no image byte
                     is read): * any name or part of one, ** any number of directories, ? one
                     character; quote it: --list '/etc/security/*', --list '**/*.conf'
  --scan             for an image without an index (checked before the index existed): read the
                     image from its start until PATH is found (for --list or a directory: to its
                     end). That is up to the whole image, GBs from S3: minutes, and its transfer
                     is billed as any GET is
  --json             --list as JSON; with --out, a summary of the restore as JSON
  -h, --help         show this help

${STORE_HELP}

An image in S3 Glacier Flexible Retrieval or Deep Archive, or in an archive tier of Intelligent-Tiering,
cannot be read until a copy of it is restored (hours): restore-file says so, prints the
"aws s3api restore-object" command to run, and exits 69 at once.

Exit status: 0 restored or listed, 2 no such entry, or its stored bytes are damaged (the host, the
image and the path are named), 64 usage error, 69 store unreachable, image in cold storage, or no
usable index (without --scan), 70 internal error.`;

const OPTIONS = {
  ...STORE_OPTIONS,
  date: { type: 'string' },
  kind: { type: 'string' },
  vg: { type: 'string' },
  out: { type: 'string' },
  list: { type: 'string' },
  scan: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseOptions<typeof OPTIONS>>['values'];

const MiB = 1024 * 1024;
/** Entries whose stored bytes are less than this apart are read in one GET: fewer requests for a
 * directory, at the price of at most this many unwanted bytes between two of them. */
export const COALESCE_GAP_BYTES = MiB;

/** Where restored bytes go when they go to standard output. */
export interface ByteSink {
  /** Resolves once the bytes are handed on (backpressure). */
  write(bytes: Uint8Array): Promise<void>;
  /** A terminal: no tar stream is written to it. */
  readonly isTTY: boolean;
}

export interface RestoreFileDeps {
  /** Opens the store the options name (tests pass one around a spied or failing client). */
  readonly withStore: typeof withStore;
  readonly stdout: ByteSink;
}

const processStdout: ByteSink = {
  write: (bytes) =>
    new Promise((resolve, reject) => {
      process.stdout.write(bytes, (error) => (error ? reject(error) : resolve()));
    }),
  get isTTY() {
    return process.stdout.isTTY === true;
  },
};

/** An entry as restore-file uses it: the index's fields, and the link target when a scan read it. */
type RestoreEntry = TocEntry & { readonly linkTarget?: string };

/** What the index (or a scan) says of the image, and what reading it cost. */
interface Contents {
  readonly entries: readonly RestoreEntry[];
  readonly from: 'index' | 'scan';
  readonly indexBytes: number;
  /** Damage the scan met (the entries end there). */
  readonly problem: string | null;
}

/** The entry's stored bytes are not what the index says: exit 2, with host, image and path. */
class RestoreDamageError extends Error {
  override name = 'RestoreDamageError';
}

/** Bytes and GETs of the image read so far. */
interface ReadMeter {
  bytes: number;
  requests: number;
}

export function restoreFileCommandWith(deps: RestoreFileDeps): Command {
  return {
    name: 'restore-file',
    help: HELP,
    async run(argv: string[], io: CliIo): Promise<number> {
      const { values, positionals } = parseOptions('restore-file', argv, OPTIONS, 2);
      if (values.help) {
        io.out(HELP);
        return EXIT.ok;
      }
      const [hostArg, path] = positionals;
      if (hostArg === undefined)
        throw new UsageError('which host and file? (mksysb-vault restore-file HOST PATH)');
      const host = usageHostName(hostArg);
      checkOptions(values, path);
      return deps.withStore(values, io, async (store) => {
        const record = await findImage(store, { host, date: values.date, kind: values.kind, vg: values.vg });
        try {
          return await restore(store, record, path, values, io, deps.stdout);
        } catch (error) {
          if (error instanceof ColdStorageError) {
            io.err(`mksysb-vault restore-file: ${host}: ${error.message}`);
            return EXIT.unavailable;
          }
          if (
            error instanceof RestoreDamageError ||
            error instanceof BffExtractError ||
            error instanceof ShortReadError
          ) {
            io.err(`mksysb-vault restore-file: ${host}: ${record.key}: ${error.message}`);
            return EXIT.fail;
          }
          throw error;
        }
      });
    },
  };
}

export const restoreFileCommand = restoreFileCommandWith({ withStore, stdout: processStdout });

function checkOptions(values: Values, path: string | undefined): void {
  if ((path === undefined) === (values.list === undefined))
    throw new UsageError('give a PATH to restore or --list GLOB (see "mksysb-vault restore-file --help")');
  if (values.date !== undefined) dayOption('--date', values.date);
  if (values.kind !== undefined && values.kind !== 'mksysb' && values.kind !== 'savevg')
    throw new UsageError(`--kind must be mksysb or savevg, not "${values.kind}"`);
  if (values.list !== undefined && values.out !== undefined)
    throw new UsageError('--list prints to standard output; it takes no --out');
  if (path !== undefined && values.json && (values.out === undefined || values.out === '-'))
    throw new UsageError('--json with a restore needs --out: the restored bytes go to standard output');
  if (path?.split('/').includes('..')) throw new UsageError(`${path}: name the path without ".." components`);
}

async function restore(
  store: OpenStore,
  record: ImageRecord,
  path: string | undefined,
  values: Values,
  io: CliIo,
  stdout: ByteSink,
): Promise<number> {
  const image = `${record.host}'s ${record.kind} image of ${record.date.slice(0, 10)} (${record.key})`;
  if (record.verdict !== 'PASS')
    io.err(
      `warning: ${image} was judged ${record.verdict}${record.anomalies.length ? `: ${record.anomalies.map((a) => a.code).join(' ')}` : ''}`,
    );
  const meter: ReadMeter = { bytes: 0, requests: 0 };
  const source = metered(storeSource(store, record), meter);
  const wanted = path === undefined ? null : archivePath(path);
  const contents = await readContents(store, record, source, wanted, values, io, image);
  if (contents === null) return EXIT.unavailable;
  const cost = () =>
    io.err(
      `read ${meter.bytes} bytes of the ${record.sizeBytes}-byte image${meter.requests ? ` in ${meter.requests} ranged GET${meter.requests === 1 ? '' : 's'}` : ''}${contents.from === 'scan' ? ' (scanned from its start, without an index)' : `, plus its ${contents.indexBytes}-byte index`}`,
    );

  if (values.list !== undefined) {
    list(contents, values.list, record, values, io);
    cost();
    return EXIT.ok;
  }
  const target = wanted as string;
  const entry = contents.entries.find((e) => archivePath(e.path) === target);
  const subtree = contents.entries.filter((e) => inSubtree(archivePath(e.path), target));
  if (!entry && subtree.length === 0) {
    io.err(`mksysb-vault restore-file: ${missingMessage(record, target, contents)}`);
    cost();
    return EXIT.fail;
  }
  const summary =
    entry === undefined || entry.type === 'directory'
      ? await restoreDirectory(source, subtree, values, stdout, io)
      : await restoreOne(source, entry, values, stdout, io);
  cost();
  if (values.json)
    io.out(
      JSON.stringify(
        {
          host: record.host,
          image: record.key,
          date: record.date,
          path: target,
          ...summary,
          read: {
            from: contents.from,
            imageBytes: meter.bytes,
            requests: meter.requests,
            indexBytes: contents.indexBytes,
            imageSizeBytes: record.sizeBytes,
          },
        },
        null,
        2,
      ),
    );
  return EXIT.ok;
}

/** The entries, from the index beside the image, or (with --scan) from the image itself; null: neither. */
async function readContents(
  store: OpenStore,
  record: ImageRecord,
  source: ImageSource,
  wanted: string | null,
  values: Values,
  io: CliIo,
  image: string,
): Promise<Contents | null> {
  let stored: StoredIndex | null = null;
  let why: string;
  try {
    stored = await storedIndex(store, record);
    why = stored
      ? indexProblem(stored, record)
      : 'has no index beside it (checked before the vault wrote one?)';
  } catch (error) {
    if (!(error instanceof TocIndexError)) throw error;
    why = `has an index that cannot be read (${error.message})`;
  }
  if (stored && why === '')
    return { entries: stored.index.entries, from: 'index', indexBytes: stored.sizeBytes, problem: null };
  if (!values.scan) {
    io.err(
      [
        `mksysb-vault restore-file: ${image} ${why}.`,
        `--scan reads the image itself from its start, ${wanted === null ? 'to its end' : 'until the file is found'}: up to all ${formatBytes(record.sizeBytes)} of it, from S3 minutes and the transfer billed as any GET; run again with --scan for that.`,
      ].join('\n'),
    );
    return null;
  }
  io.err(`${image} ${why}: scanning it from its start (--scan)`);
  const stopAt = (e: BffEntry) => wanted !== null && e.type !== 'directory' && archivePath(e.path) === wanted;
  // One GET from the start, dropped once PATH is found: the parallel ranges of a whole read would
  // fetch megabytes past it.
  const fromStart: ImageSource = {
    ...source,
    read: async (consume) => {
      for await (const chunk of source.stream(0, source.sizeBytes)) consume(chunk);
    },
  };
  const { entries, summary } = await walk(fromStart, stopAt);
  const problem = summary?.problem
    ? `${summary.problem.code} at byte ${summary.problem.offset}: ${summary.problem.message}`
    : null;
  return { entries, from: 'scan', indexBytes: 0, problem };
}

/** Why an index cannot be trusted for this image's bytes; '' when it can. */
function indexProblem(stored: StoredIndex, record: ImageRecord): string {
  const { index } = stored;
  if (index.imageKey !== record.key) return `has an index that describes another image (${index.imageKey})`;
  const checked = record.content?.sha256;
  if (checked && checked !== index.sha256)
    return `has an index made from other bytes (SHA-256 ${index.sha256.slice(0, 12)}…) than the ones checked (${checked.slice(0, 12)}…)`;
  return '';
}

/** `./etc` holds `./etc` and `./etc/…`; `.` holds everything. */
function inSubtree(path: string, top: string): boolean {
  return top === '.' || path === top || path.startsWith(`${top}/`);
}

function missingMessage(record: ImageRecord, wanted: string, contents: Contents): string {
  const name = basename(wanted);
  const alike = contents.entries
    .filter((e) => basename(archivePath(e.path)) === name)
    .slice(0, 3)
    .map((e) => archivePath(e.path));
  return [
    `${record.host}: ${record.key} has no entry ${wanted}`,
    contents.from === 'index'
      ? ` (its index lists ${contents.entries.length} entries)`
      : ` (${contents.entries.length} entries scanned${contents.problem ? `; the scan stopped at damage: ${contents.problem}` : ''})`,
    alike.length ? `; did you mean ${alike.join(', ')}?` : '',
  ].join('');
}

/**
 * A glob as a test of archived names: `*` any characters but `/`, `**` any (`**​/` also none), `?`
 * one character but `/`. Leading `/` or `./` is optional on both sides.
 */
export function globMatcher(glob: string): (archived: string) => boolean {
  const pattern = relativeName(glob);
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      i += 1;
      if (pattern[i + 1] === '/') {
        i += 1;
        source += '(?:.*/)?';
      } else source += '.*';
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`, 's');
  return (archived) => re.test(relativeName(archived));
}

/** `./etc/hosts` → `etc/hosts`; the root is ''. */
function relativeName(name: string): string {
  const p = archivePath(name);
  return p === '.' ? '' : p.slice(2);
}

function list(contents: Contents, glob: string, record: ImageRecord, values: Values, io: CliIo): void {
  const matches = globMatcher(glob);
  const found = contents.entries.filter((e) => matches(e.path));
  const when = (e: TocEntry) => new Date(e.mtime * 1000).toISOString();
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          host: record.host,
          image: record.key,
          date: record.date,
          from: contents.from,
          glob,
          entries: found.map((e) => ({
            path: e.path,
            type: e.type,
            size: e.size,
            mode: `0${(e.mode & 0o7777).toString(8)}`,
            uid: e.uid,
            gid: e.gid,
            mtime: when(e),
            packed: e.packed,
            storedSize: e.storedSize,
          })),
        },
        null,
        2,
      ),
    );
    return;
  }
  if (found.length)
    io.out(
      table(
        ['TYPE', 'MODE', 'SIZE', 'MODIFIED', 'PATH'],
        found.map((e) => [
          e.type,
          modeString(e),
          String(e.size),
          when(e).slice(0, 16).replace('T', ' '),
          e.path,
        ]),
      ),
    );
  io.out(
    `${found.length} of ${contents.entries.length} entries of ${record.key} match ${glob}${contents.from === 'index' ? " (from the vault's index)" : ''}`,
  );
}

/** What a restore wrote, for people and --json. */
interface RestoreSummary {
  readonly type: 'file' | 'symlink' | 'directory';
  /** Where: a file, a directory, a tar file, or `-` (standard output). */
  readonly out: string;
  readonly format: 'file' | 'symlink' | 'directory' | 'tar';
  files: number;
  directories: number;
  symlinks: number;
  /** Devices, FIFOs and sockets: nothing to restore without their numbers. */
  skipped: number;
  /** File bytes written (unpacked), not counting tar headers. */
  bytesWritten: number;
}

async function restoreOne(
  source: ImageSource,
  entry: RestoreEntry,
  values: Values,
  stdout: ByteSink,
  io: CliIo,
): Promise<RestoreSummary> {
  const name = archivePath(entry.path);
  if (entry.type === 'other')
    throw new UsageError(
      `${name} is a device, FIFO or socket (mode 0${entry.mode.toString(8)}): nothing to restore`,
    );
  const toStdout = values.out === undefined || values.out === '-';
  const reader = new SpanReader(source, planReads([spanOf(entry)]));
  const summary: RestoreSummary = {
    type: entry.type,
    out: toStdout ? '-' : (values.out as string),
    format: entry.type,
    files: 0,
    directories: 0,
    symlinks: 0,
    skipped: 0,
    bytesWritten: 0,
  };
  try {
    if (entry.type === 'symlink') {
      const target = await linkTarget(reader, entry);
      if (toStdout)
        throw new UsageError(
          `${name} is a symlink to ${target}: restore that, or give --out F to make the link`,
        );
      const out = intoDirectory(values.out as string, name);
      onOut(out, () => {
        if (lstatOrNull(out)) unlinkSync(out);
        symlinkSync(target, out);
        lutimesSync(out, entry.mtime, entry.mtime);
      });
      summary.symlinks = 1;
      io.err(`${name}: symlink to ${target} made at ${out}`);
      return { ...summary, out };
    }
    if (toStdout) {
      for await (const chunk of fileBytes(reader, entry)) {
        await stdout.write(chunk);
        summary.bytesWritten += chunk.length;
      }
      summary.files = 1;
      return summary;
    }
    const out = intoDirectory(values.out as string, name);
    const file = replacingFile(out);
    try {
      for await (const chunk of fileBytes(reader, entry)) {
        file.write(chunk);
        summary.bytesWritten += chunk.length;
      }
      file.commit(entry.mode & 0o7777, entry.mtime);
    } catch (error) {
      file.discard();
      throw error;
    }
    summary.files = 1;
    io.err(
      `${name}: ${formatBytes(summary.bytesWritten)} written to ${out} (mode 0${(entry.mode & 0o7777).toString(8)}, modified ${new Date(entry.mtime * 1000).toISOString()})`,
    );
    return { ...summary, out };
  } finally {
    await reader.close();
  }
}

async function restoreDirectory(
  source: ImageSource,
  subtree: readonly RestoreEntry[],
  values: Values,
  stdout: ByteSink,
  io: CliIo,
): Promise<RestoreSummary> {
  const entries = [...subtree].sort((a, b) => a.headerOffset - b.headerOffset);
  const climbing = entries.find((e) => archivePath(e.path).split('/').includes('..'));
  if (climbing)
    throw new RestoreDamageError(
      `the image names an entry ${climbing.path}: a ".." in an archived name would write outside where it is restored; refused`,
    );
  const out = values.out ?? '-';
  const asTar = out === '-' || out.endsWith('.tar');
  if (out === '-' && stdout.isTTY)
    throw new UsageError(
      'a directory comes out as a tar stream: not to a terminal; give --out DIR or --out F.tar, or pipe it (| tar -xvf -)',
    );
  const reader = new SpanReader(source, planReads(entries.map(spanOf)));
  const summary: RestoreSummary = {
    type: 'directory',
    out,
    format: asTar ? 'tar' : 'directory',
    files: 0,
    directories: 0,
    symlinks: 0,
    skipped: 0,
    bytesWritten: 0,
  };
  try {
    if (!asTar) await intoTree(out, entries, reader, summary);
    else if (out === '-') await asTarStream(entries, reader, summary, stdout);
    else {
      const file = replacingFile(out);
      try {
        await asTarStream(entries, reader, summary, {
          isTTY: false,
          write: async (bytes) => file.write(bytes),
        });
        file.commit(0o644, null);
      } catch (error) {
        file.discard();
        throw error;
      }
    }
  } finally {
    await reader.close();
  }
  io.err(
    `${count(summary.files, 'file')} (${formatBytes(summary.bytesWritten)}), ${count(summary.directories, 'directory', 'directories')}, ${count(summary.symlinks, 'symlink')} ${asTar ? `as tar to ${out === '-' ? 'standard output' : out}` : `restored under ${out}`}${summary.skipped ? `; ${count(summary.skipped, 'device, FIFO or socket', 'devices, FIFOs or sockets')} skipped` : ''}`,
  );
  return summary;
}

/** The subtree into a directory: directories first, files as they come, symlinks last, directory modes and dates at the end. */
async function intoTree(
  root: string,
  entries: readonly RestoreEntry[],
  reader: SpanReader,
  summary: RestoreSummary,
): Promise<void> {
  onOut(root, () => mkdirSync(root, { recursive: true }));
  const tree = new ContainedTree(root);
  const directories: RestoreEntry[] = [];
  const links: { entry: RestoreEntry; target: string }[] = [];
  for (const entry of entries) {
    const rel = relativeName(entry.path);
    if (entry.type === 'directory') {
      tree.directory(rel);
      directories.push(entry);
      summary.directories += 1;
    } else if (entry.type === 'file') {
      tree.directory(dirname(rel));
      const path = join(root, rel);
      const fd = onOut(path, () =>
        openSync(path, fs.O_WRONLY | fs.O_CREAT | fs.O_TRUNC | fs.O_NOFOLLOW, 0o600),
      );
      try {
        for await (const chunk of fileBytes(reader, entry)) {
          writeAll(fd, chunk);
          summary.bytesWritten += chunk.length;
        }
        fchmodSync(fd, entry.mode & 0o7777);
        futimesSync(fd, entry.mtime, entry.mtime);
      } catch (error) {
        closeSync(fd);
        unlinkSync(path);
        throw error;
      }
      closeSync(fd);
      summary.files += 1;
    } else if (entry.type === 'symlink') {
      // Read now, in the order of the bytes; made last, so no file is ever written through one.
      links.push({ entry, target: await linkTarget(reader, entry) });
    } else summary.skipped += 1;
  }
  for (const { entry, target } of links) {
    const rel = relativeName(entry.path);
    tree.directory(dirname(rel));
    const path = join(root, rel);
    const there = lstatOrNull(path);
    if (there?.isDirectory())
      throw new UsageError(`${path} is in the way: a directory where the image has a symlink`);
    onOut(path, () => {
      if (there) unlinkSync(path);
      symlinkSync(target, path);
      lutimesSync(path, entry.mtime, entry.mtime);
    });
    summary.symlinks += 1;
  }
  // Deepest first: setting a directory's date before its contents are written would be undone, and
  // a read-only directory must stay writable until then.
  const depth = (e: RestoreEntry) => relativeName(e.path).split('/').length;
  for (const entry of directories.sort((a, b) => depth(b) - depth(a))) {
    const rel = relativeName(entry.path);
    if (rel === '') continue; // DIR itself stays as the user made it
    const path = join(root, rel);
    onOut(path, () => {
      chmodSync(path, entry.mode & 0o7777);
      utimesSync(path, entry.mtime, entry.mtime);
    });
  }
}

/** The subtree as a tar stream, in the image's order; the root directory itself is left out. */
async function asTarStream(
  entries: readonly RestoreEntry[],
  reader: SpanReader,
  summary: RestoreSummary,
  sink: ByteSink,
): Promise<void> {
  for (const entry of entries) {
    const name = relativeName(entry.path);
    if (name === '') continue;
    const common = { name, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime };
    if (entry.type === 'directory') {
      await sink.write(tarHeader({ ...common, type: 'directory', size: 0 }));
      summary.directories += 1;
    } else if (entry.type === 'symlink') {
      const target = await linkTarget(reader, entry);
      await sink.write(tarHeader({ ...common, type: 'symlink', size: 0, linkTarget: target }));
      summary.symlinks += 1;
    } else if (entry.type === 'file') {
      await sink.write(tarHeader({ ...common, type: 'file', size: entry.size }));
      for await (const chunk of fileBytes(reader, entry)) {
        await sink.write(chunk);
        summary.bytesWritten += chunk.length;
      }
      await sink.write(tarPadding(entry.size));
      summary.files += 1;
    } else summary.skipped += 1;
  }
  await sink.write(tarEnd());
}

/** A byte range of the image. */
export interface ByteSpan {
  readonly offset: number;
  readonly length: number;
}

/** The bytes an entry needs: a file's stored data; a symlink's record (its target is after its name). */
function spanOf(entry: RestoreEntry): ByteSpan {
  if (entry.type === 'file') return { offset: entry.dataOffset, length: entry.storedSize };
  if (entry.type === 'symlink' && entry.linkTarget === undefined)
    return { offset: entry.headerOffset, length: Math.max(0, entry.dataOffset - entry.headerOffset) };
  return { offset: entry.dataOffset, length: 0 };
}

/** The GETs that read `spans`: in order, neighbours less than `gap` bytes apart merged into one. */
export function planReads(spans: readonly ByteSpan[], gap = COALESCE_GAP_BYTES): ByteSpan[] {
  const sorted = spans.filter((s) => s.length > 0).sort((a, b) => a.offset - b.offset);
  const groups: { offset: number; end: number }[] = [];
  for (const s of sorted) {
    const last = groups.at(-1);
    if (last && s.offset - last.end < gap) last.end = Math.max(last.end, s.offset + s.length);
    else groups.push({ offset: s.offset, end: s.offset + s.length });
  }
  return groups.map((g) => ({ offset: g.offset, length: g.end - g.offset }));
}

/**
 * Reads spans of the image in increasing order through the planned GETs: each GET's body is streamed
 * and cut into the spans asked for, the bytes between them dropped, so memory stays at one chunk.
 */
class SpanReader {
  private current: {
    readonly group: ByteSpan;
    readonly chunks: AsyncIterator<Uint8Array>;
    at: number;
    left: Uint8Array;
  } | null = null;

  constructor(
    private readonly source: ImageSource,
    private readonly groups: readonly ByteSpan[],
  ) {}

  async *read(offset: number, length: number): AsyncGenerator<Uint8Array> {
    if (length === 0) return;
    const c = await this.seek(offset, length);
    let want = length;
    while (want > 0) {
      if (c.left.length === 0) c.left = await this.next(c.chunks);
      const n = Math.min(want, c.left.length);
      const piece = c.left.subarray(0, n);
      c.left = c.left.subarray(n);
      c.at += n;
      want -= n;
      yield piece;
    }
  }

  async close(): Promise<void> {
    const c = this.current;
    this.current = null;
    await c?.chunks.return?.();
  }

  private async seek(offset: number, length: number) {
    let c = this.current;
    if (!c || offset < c.at || offset + length > c.group.offset + c.group.length) {
      await this.close();
      const group = this.groups.find((g) => g.offset <= offset && offset + length <= g.offset + g.length);
      if (!group) throw new Error(`bytes ${offset}-${offset + length - 1} are in no planned read`);
      c = {
        group,
        chunks: this.source.stream(group.offset, group.length)[Symbol.asyncIterator](),
        at: group.offset,
        left: new Uint8Array(0),
      };
      this.current = c;
    }
    while (c.at < offset) {
      if (c.left.length === 0) c.left = await this.next(c.chunks);
      const n = Math.min(offset - c.at, c.left.length);
      c.left = c.left.subarray(n);
      c.at += n;
    }
    return c;
  }

  private async next(chunks: AsyncIterator<Uint8Array>): Promise<Uint8Array> {
    const next = await chunks.next();
    // The source fails a short body itself (ShortReadError); this is the same promise kept.
    if (next.done) throw new ShortReadError('the image ended before the bytes its index names');
    return next.value;
  }
}

/** A file's bytes as restored: a plain record streamed as read, a packed one unpacked whole. */
async function* fileBytes(reader: SpanReader, entry: RestoreEntry): AsyncGenerator<Uint8Array> {
  const name = archivePath(entry.path);
  if (!entry.packed) {
    if (entry.storedSize !== entry.size)
      throw new RestoreDamageError(
        `${name}: the index gives a plain record ${entry.storedSize} stored bytes for a ${entry.size}-byte file`,
      );
    yield* reader.read(entry.dataOffset, entry.storedSize);
    return;
  }
  const stored = new Uint8Array(entry.storedSize);
  let at = 0;
  for await (const chunk of reader.read(entry.dataOffset, entry.storedSize)) {
    stored.set(chunk, at);
    at += chunk.length;
  }
  // Checks the unpacked size against the index: bytes that unpack to anything else are damaged.
  yield entryData(stored, { ...entry, path: name });
}

/** A symlink's target: from the scan, or from its record, whose header is checked to be the entry's. */
async function linkTarget(reader: SpanReader, entry: RestoreEntry): Promise<string> {
  if (entry.linkTarget !== undefined) return entry.linkTarget;
  const name = archivePath(entry.path);
  const bytes = new Uint8Array(Math.max(0, entry.dataOffset - entry.headerOffset));
  let at = 0;
  for await (const chunk of reader.read(entry.headerOffset, bytes.length)) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const length = (bytes[0] ?? 0) * 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nameEnd = bytes.indexOf(0, NAME_X_FIXED_BYTES);
  const problem =
    length <= NAME_X_FIXED_BYTES || length + entry.size > bytes.length
      ? `a ${length}-byte header and a ${entry.size}-byte target do not fit the ${bytes.length} bytes the index gives the record`
      : bytes[1] !== RecordType.nameX || view.getUint16(2, true) !== MAGIC
        ? 'no file record header there'
        : view.getUint16(4, true) !== headerChecksum(bytes, 0, length)
          ? 'its header checksum does not match'
          : nameEnd < 0 ||
              nameEnd >= length ||
              new TextDecoder().decode(bytes.subarray(NAME_X_FIXED_BYTES, nameEnd)) !== entry.path
            ? 'the record there is of another file'
            : null;
  if (problem)
    throw new RestoreDamageError(
      `${name}: the symlink's record at byte ${entry.headerOffset} is not what the index says (${problem})`,
    );
  if (entry.size === 0) throw new RestoreDamageError(`${name}: a symlink with an empty target`);
  return new TextDecoder().decode(bytes.subarray(length, length + entry.size));
}

/** The source, counting the bytes and GETs read from it. */
function metered(source: ImageSource, meter: ReadMeter): ImageSource {
  return {
    ...source,
    read: (consume) =>
      source.read((chunk) => {
        meter.bytes += chunk.length;
        consume(chunk);
      }),
    stream: (offset, length) => ({
      async *[Symbol.asyncIterator]() {
        meter.requests += 1;
        for await (const chunk of source.stream(offset, length)) {
          meter.bytes += chunk.length;
          yield chunk;
        }
      },
    }),
  };
}

/**
 * Paths under a root that are real directories (made here or found), so nothing is written through a
 * symlink: a directory in the way that is a symlink (one the image or someone made) stops the restore.
 */
class ContainedTree {
  private readonly known = new Set<string>(['', '.']);

  constructor(private readonly root: string) {}

  /** Makes `rel` and the directories above it, each checked to be a real directory. */
  directory(rel: string): void {
    if (this.known.has(rel)) return;
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i += 1) {
      const sub = parts.slice(0, i).join('/');
      if (this.known.has(sub)) continue;
      const path = join(this.root, sub);
      const there = lstatOrNull(path);
      if (there === null) onOut(path, () => mkdirSync(path, { mode: 0o700 }));
      else if (there.isSymbolicLink())
        throw new RestoreDamageError(
          `${path} is a symbolic link: restoring through it could write outside ${this.root}; refused`,
        );
      else if (!there.isDirectory())
        throw new UsageError(`${path} is in the way: a file where the image has a directory`);
      this.known.add(sub);
    }
  }
}

/** `--out` is a directory: the file goes in it under its own name. */
function intoDirectory(out: string, name: string): string {
  const stat = statOrNull(out);
  return stat?.isDirectory() ? join(out, basename(name)) : out;
}

/** A file written beside its destination and renamed over it once complete: never half a file. */
function replacingFile(path: string) {
  const temporary = join(dirname(path), `.${basename(path)}.restore-file-${process.pid}`);
  const fd = onOut(path, () => openSync(temporary, 'wx', 0o600));
  let open = true;
  return {
    write: (bytes: Uint8Array) => writeAll(fd, bytes),
    commit(mode: number, mtime: number | null): void {
      onOut(path, () => {
        fchmodSync(fd, mode);
        if (mtime !== null) futimesSync(fd, mtime, mtime);
        closeSync(fd);
        open = false;
        renameSync(temporary, path);
      });
    },
    discard(): void {
      if (open) closeSync(fd);
      open = false;
      try {
        unlinkSync(temporary);
      } catch {
        // already gone
      }
    },
  };
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/**
 * Runs a file-system step on an output path; its failure is a UsageError naming the path and why
 * (a missing directory by its name).
 */
function onOut<T>(path: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    throw outputError('--out', path, error);
  }
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
