// The simulated LPAR's archiver: the one program behind the stand-in mksysb, savevg, restore and
// lsmksysb. It writes real AIX `backup` by-name archives (lambdas/core/bff/writer.ts) of the
// volume groups rootvg.ts plans, lists them the way `restore -Tqf` does and describes them the way
// `lsmksysb -lf` does, reading them with the same streaming reader the content check uses, and
// damages them for the faults. createSimulatedFleet bundles it with esbuild into the fleet
// directory, and the stand-ins run it with plain node (see profile.env's SIM_NODE and SIM_TOOL), or
// ask the process that runs their scripts, which serves it (archiver-server.ts).
//
//   write-mksysb|write-savevg --root R --out FILE --hostname H --oslevel O --date D --vg VG
//       --vgs "rootvg datavg" --size BYTES --files N [--no-pack] [--exclude FILE] [--tiny]
//       [--cut-at BYTES] [--bit-flip] [--answers DIR] [--trees "PATH:BYTES:FILES …"]
//     prints `planned=<files to back up> entries=<in the archive> complete=<written whole> bytes=<written>`
//   list FILE              restore -Tqf: the volume's header lines, then one name a line
//   lsmksysb FILE [-L] [--command lsmksysb|lssavevg]
//   replace FILE --seed S  rewrites the data of the image's plain files with other bytes, same size
//   alt-restore FILE --into DIR   the stand-in alt_disk_mksysb's restore: walks the whole archive,
//       fails (exit 1, restore's 0511 message and the ARCHIVE_* code) on a damaged one, else writes
//       the restored rootvg's key files under DIR and prints `entries=<n> oslevel=<BACKUP OSLEVEL>`
//
// With `--answers DIR`, write-* also keeps what `list` and `lsmksysb [-L]` answer for the image it
// just wrote, in DIR/<absolute image path>.{list,lf,L} (only answers that succeeded). The stand-ins
// print a kept answer while it is newer than the image (`[ answer -nt image ]`), so the listings a
// backup asks for right after writing cost a `cat`, not a node start each; any later change to the
// image (a fault's damage, another writer) makes it newer than the answer and the stand-in reads it.
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BffReader, type CapturedEntry } from '../../lambdas/core/bff/reader.js';
import type { ArchiveSummary } from '../../lambdas/core/bff/types.js';
import { BffWriter } from '../../lambdas/core/bff/writer.js';
import { excludedBy } from '../../lambdas/core/grep-pattern.js';
import {
  backupDateTime,
  fixedEntryCount,
  noise,
  parseTrees,
  planEntries,
  prng,
  type SimEntry,
  type SimTree,
  type VolumeGroupBackup,
  writeVgData,
} from './rootvg.js';

export class ArchiverError extends Error {
  override name = 'ArchiverError';
}

/**
 * Share of an image the bulk's text files take; the rest is incompressible binary. backup packs a
 * file only when that saves a 4 KiB block, so text files must be large enough for some to pack.
 */
const TEXT_SHARE = 0.06;
const POOL_BYTES = 4 * 1024 * 1024;
const FLUSH_BYTES = 4 * 1024 * 1024;

/** Buffers the archive's chunks into large writes; stops (as a full disk does) at `limit` bytes. */
class ArchiveSink {
  written = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  constructor(
    private readonly fd: number,
    private readonly limit: number,
  ) {}

  /** Bytes of the archive so far, written or buffered: the offset of the next chunk. */
  get position(): number {
    return this.written + this.pendingBytes;
  }

  /** Writes the chunks; false when the limit cut them (the rest is lost, as on ENOSPC). */
  write(chunks: readonly Uint8Array[]): boolean {
    for (const chunk of chunks) {
      const room = this.limit - this.written - this.pendingBytes;
      if (room <= 0) return false;
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.pending.push(part);
      this.pendingBytes += part.length;
      if (this.pendingBytes >= FLUSH_BYTES) this.flush();
      if (part.length < chunk.length) return false;
    }
    return true;
  }

  flush(): void {
    if (this.pendingBytes === 0) return;
    // One gathered write; a short one (rare) finishes chunk by chunk.
    let done = writevSync(this.fd, this.pending);
    for (const chunk of this.pending) {
      if (done >= chunk.length) {
        done -= chunk.length;
        continue;
      }
      let at = done;
      while (at < chunk.length) at += writeSync(this.fd, chunk, at, chunk.length - at);
      done = 0;
    }
    this.written += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
  }
}

interface WriteOptions {
  readonly root: string;
  readonly out: string;
  readonly backup: VolumeGroupBackup;
  readonly files: number;
  readonly pack: boolean;
  readonly excludeFile: string | null;
  /** The tiny_image fault: a well-formed archive of a few files. */
  readonly tiny: boolean;
  /** The disk_full fault: the write stops at this many bytes. */
  readonly cutAt: number | null;
  /** The bit_flip fault: a 4 KiB block in the middle overwritten after the archive is written. */
  readonly bitFlip: boolean;
  readonly salt?: string;
  /** Fixed-size directories of rootvg (SimTree), on top of the bulk. */
  readonly trees?: readonly SimTree[];
}

export interface WriteResult {
  /** Entries in the list of files to back up (what the log counts). */
  readonly planned: number;
  /** Entries the archive was to hold (fewer than planned for the tiny_image fault). */
  readonly entries: number;
  readonly complete: number;
  readonly bytes: number;
}

/**
 * Compiles /etc/exclude.rootvg's lines into the test mksysb -e applies: each line a grep basic regular
 * expression on names like ./tmp/x (lambdas/core/exclude-list.ts reads them as grep does: `\(`
 * groups, a plain `+`). Every line counts, as with `grep -f` (an empty one matches every name).
 */
function exclusions(file: string | null): ((path: string) => boolean) | null {
  if (!file) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.length > 0 ? excludedBy(lines) : null;
}

/** The tiny_image fault's entries: mkszfile's files, /etc, and one log; no kernel, no /usr. */
function tinyEntries(all: readonly SimEntry[]): SimEntry[] {
  const keep = all.filter(
    (e) =>
      e.path === './bosinst.data' ||
      e.path === './image.data' ||
      e.path.startsWith('./tmp') ||
      e.path === './' ||
      (e.path.startsWith('./etc/') && !e.path.startsWith('./etc/security')) ||
      e.path === './etc',
  );
  const mtime = all[0]?.mtime ?? 0;
  const dir = (path: string): SimEntry => ({ path, type: 'directory', mode: 0o40755, uid: 0, gid: 0, mtime });
  return [
    ...keep,
    dir('./var'),
    dir('./var/adm'),
    { path: './var/adm/wtmp', type: 'file', mode: 0o100664, uid: 4, gid: 4, mtime, binaryWeight: 1 },
  ];
}

/** The binary bulk's bytes: slices of one noise pool per image (Huffman packing sees only noise). */
function binaryData(pool: Uint8Array, offset: number, length: number): Uint8Array {
  const start = offset % pool.length;
  if (start + length <= pool.length) return pool.subarray(start, start + length);
  const out = new Uint8Array(length);
  let at = 0;
  let from = start;
  while (at < length) {
    const n = Math.min(length - at, pool.length - from);
    out.set(pool.subarray(from, from + n), at);
    at += n;
    from = 0;
  }
  return out;
}

/** Where in the noise pool a path's bytes start: the same path gives the same bytes every week. */
function offsetOf(path: string, poolBytes: number): number {
  let h = 2166136261;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 16777619) >>> 0;
  return h % poolBytes;
}

function bytesOf(chunks: readonly Uint8Array[]): number {
  return chunks.reduce((s, c) => s + c.length, 0);
}

/**
 * Writes the volume group's archive to `out`, exactly `backup.sizeBytes` long (unless cut):
 * mkszfile's files are written under the root first, then the plan's entries; the binary files
 * share what the headers and text leave, the last one taking the exact remainder.
 */
export function writeImage(o: WriteOptions): WriteResult {
  const { backup } = o;
  const vgDataFiles = writeVgData(o.root, backup);
  const size = backup.sizeBytes;
  const want = Math.max(o.files, fixedEntryCount(o.root, backup.kind, backup.vg) + 1);
  let plan = planEntries(
    {
      root: o.root,
      backup,
      entries: want,
      textBudget: Math.floor(size * TEXT_SHARE),
      salt: o.salt,
      trees: o.trees ?? [],
    },
    vgDataFiles,
  );
  const excluded = exclusions(o.excludeFile);
  if (excluded) plan = plan.filter((e) => e.type === 'directory' || !excluded(e.path));
  // What the log will say is backed up (the list mksysb made), whatever the archive ends up holding.
  const planned = plan.length;
  if (o.tiny) plan = tinyEntries(plan);

  const writer = new BffWriter({
    pack: o.pack,
    date: Math.floor(Date.parse(`${backup.date}T02:00:00Z`) / 1000),
  });
  const head = writer.volumeHeader();
  const end = writer.end();
  const pool = noise(`${backup.hostname}/${backup.vg}/${o.salt ?? ''}/pool`, POOL_BYTES);
  const encoded: (Uint8Array[] | null)[] = [];
  let fixedBytes = head.length + end.length;
  let weight = 0;
  const binaries: number[] = [];
  plan.forEach((e, i) => {
    if (e.fixedSize !== undefined) {
      // A tree's file: its bytes are the profile's, taken out of the image before the bulk is sized.
      const chunks = [
        ...writer.entry({ ...entryFields(e), size: e.fixedSize }),
        binaryData(pool, offsetOf(e.path, pool.length), e.fixedSize),
        BffWriter.padding(e.fixedSize),
      ];
      fixedBytes += bytesOf(chunks);
      encoded.push(chunks);
    } else if (e.binaryWeight !== undefined) {
      // A binary file's records without its data: what it costs beside its bytes.
      fixedBytes += bytesOf(writer.entry({ ...entryFields(e), size: 0 }));
      weight += e.binaryWeight;
      binaries.push(i);
      encoded.push(null);
    } else {
      const chunks = writer.entry({ ...entryFields(e), data: e.text, linkTarget: e.linkTarget });
      fixedBytes += bytesOf(chunks);
      encoded.push(chunks);
    }
  });
  const budget = size - fixedBytes;
  if (budget < 8 * binaries.length)
    throw new ArchiverError(
      `${backup.hostname}: a ${size}-byte ${backup.kind} image cannot hold ${plan.length} entries (${fixedBytes} bytes without the bulk); give the profile a larger size or fewer files`,
    );
  const r = prng(`${backup.hostname}/${backup.vg}/${backup.date}/${o.salt ?? ''}/data`);
  const fd = openSync(o.out, 'w', 0o640);
  const sink = new ArchiveSink(fd, o.cutAt ?? Number.POSITIVE_INFINITY);
  const headerOffsets: number[] = [];
  let complete = 0;
  try {
    let ok = sink.write([head]);
    const lastBinary = binaries.at(-1);
    for (let i = 0; i < plan.length && ok; i++) {
      const e = plan[i] as SimEntry;
      headerOffsets.push(sink.position);
      let chunks = encoded[i] ?? null;
      if (chunks === null) {
        let length: number;
        if (i === lastBinary) {
          // What is left once everything after this entry (only the end record) is counted.
          const overhead = bytesOf(writer.entry({ ...entryFields(e), size: 0 }));
          const left = size - sink.position - overhead - end.length - restBytes(encoded, i);
          length = Math.max(0, Math.floor(left / 8) * 8);
        } else {
          length = Math.floor((budget * (e.binaryWeight ?? 0)) / weight / 8) * 8;
        }
        // Noise never packs: written by size, the writer skips weighing it for packing (a byte
        // histogram of the whole image otherwise).
        chunks = [
          ...writer.entry({ ...entryFields(e), size: length }),
          binaryData(pool, Math.floor(r() * pool.length), length),
          BffWriter.padding(length),
        ];
      }
      ok = sink.write(chunks);
      if (ok) complete++;
    }
    if (ok) ok = sink.write([end]);
    // Whatever a size that is not a multiple of 8 leaves: padding after the end record, as backup
    // pads its last block.
    if (ok && o.cutAt === null) {
      const pad = size - sink.position;
      if (pad > 0) sink.write([new Uint8Array(pad)]);
    }
    sink.flush();
    if (o.bitFlip) flipBlock(fd, headerOffsets, sink.written, `${backup.hostname}/${backup.date}/bit_flip`);
  } finally {
    closeSync(fd);
  }
  return { planned, entries: plan.length, complete, bytes: sink.written };
}

/** Bytes of the already-encoded entries after index i (text, directories…, written after the last binary). */
function restBytes(encoded: readonly (Uint8Array[] | null)[], i: number): number {
  let n = 0;
  for (let j = i + 1; j < encoded.length; j++) n += bytesOf(encoded[j] ?? []);
  return n;
}

function entryFields(e: SimEntry) {
  return { path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime };
}

/**
 * The bit_flip fault: the 4 KiB-aligned block holding the header of the first entry at or after the
 * middle of the image is overwritten with noise (the image keeps its size). A header is hit on
 * purpose: the damage must be something a reader of the archive can see, not noise in noise.
 */
function flipBlock(fd: number, headerOffsets: readonly number[], size: number, seed: string): void {
  const middle = Math.floor(size / 2);
  const header = headerOffsets.find((o) => o >= middle) ?? middle;
  const start = Math.floor(header / 4096) * 4096;
  const length = Math.min(4096, size - start);
  if (length <= 0) return;
  writeSync(fd, noise(seed, length), 0, length, start);
}

// ---------------------------------------------------------------------------------------------
// Reading.

function* chunksOf(file: string, chunkBytes = 1024 * 1024): Generator<Uint8Array> {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(chunkBytes);
    for (;;) {
      const n = readSync(fd, buffer, 0, chunkBytes, null);
      if (n <= 0) return;
      yield buffer.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

interface Walk {
  readonly entries: CapturedEntry[];
  readonly summary: ArchiveSummary;
}

/** Reads the archive, keeping each entry (without data) and the data of what `capture` asks for. */
function walk(
  file: string,
  capture?: (path: string) => boolean,
  stopWhen?: (e: CapturedEntry) => boolean,
): Walk {
  const reader = new BffReader(capture ? { capture: (e) => capture(e.path) } : {});
  const entries: CapturedEntry[] = [];
  for (const chunk of chunksOf(file)) {
    for (const e of reader.push(chunk)) {
      entries.push(e);
      if (stopWhen?.(e)) return { entries, summary: reader.end() };
    }
  }
  return { entries, summary: reader.end() };
}

const notArchive = (w: Walk) =>
  w.summary.problem !== null && w.summary.problem.offset < 80 && w.entries.length === 0;

/** `restore -Tqf <image>`: the volume header lines, one name a line, the totals; damage ends it. */
export function listImage(file: string, out: (line: string) => void, err: (line: string) => void): number {
  const w = walk(file);
  if (notArchive(w)) {
    err(`restore: 0511-160 Cannot read the backup media ${file}: There is an input or output error.`);
    return 1;
  }
  const date = new Date(statSync(file).mtimeMs);
  out(`New volume on ${file}:`);
  out('Cluster size is 51200 bytes (100 blocks).');
  out('The volume number is 1.');
  out(`The backup date is: ${aixDate(date)}`);
  out('Files are backed up by name.');
  out('The user is root.');
  for (const e of w.entries) out(e.path);
  const problem = w.summary.problem;
  if (problem?.code === 'ARCHIVE_TRUNCATED') {
    err(`restore: 0511-160 Cannot read the backup media ${file}: There is an input or output error.`);
    return 1;
  }
  if (problem) {
    err(`restore: 0511-123 The volume on ${file} is not in backup format.`);
    return 1;
  }
  out(`The total size is ${w.summary.contentBytes} bytes.`);
  out(`The number of archived files is ${w.summary.entries}.`);
  return 0;
}

function aixDate(d: Date): string {
  const s = backupDateTime(d.toISOString().slice(0, 10));
  return s.replace('02:00:00', d.toISOString().slice(11, 19));
}

/**
 * The stanzas of an image.data this archiver wrote (`name:` then `KEY= value` lines). Not a general
 * parser (lambdas/core/bff/image-data.ts is, and the tests check it reads these files): the bundle
 * stays free of zod, which would double the start-up time of every stand-in call.
 */
function readStanzas(text: string): { name: string; fields: Record<string, string> }[] {
  const out: { name: string; fields: Record<string, string> }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const head = /^([A-Za-z_]+):$/.exec(line);
    if (head) out.push({ name: head[1] as string, fields: {} });
    else {
      const field = /^([A-Za-z0-9_]+)\s*=\s?(.*)$/.exec(line);
      const current = out.at(-1);
      if (field && current) current.fields[field[1] as string] = (field[2] ?? '').trim();
    }
  }
  return out;
}

const VG_DATA = /^\.\/tmp\/vgdata\/([^/]+)\/\1\.data$/;

/** `lsmksysb -lf` / `lssavevg -lf` (and `-L`) from the image.data inside the image. */
export function describeImage(
  file: string,
  filesets: boolean,
  command: string,
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  const isImageData = (p: string) => p === './image.data' || VG_DATA.test(p);
  const w = walk(file, isImageData, (e) => isImageData(e.path) && e.data !== undefined);
  const found = w.entries.find((e) => isImageData(e.path) && e.data);
  if (!found?.data) {
    err(`0516-1104 ${command}: ${file} is not a valid backup image.`);
    return 1;
  }
  const stanzas = readStanzas(new TextDecoder().decode(found.data));
  const image = stanzas.find((s) => s.name === 'image_data')?.fields ?? {};
  const vg = stanzas.find((s) => s.name === 'vg_data')?.fields.VGNAME ?? '';
  const level = image.OSLEVEL ?? '';
  const [v = '', r = '', tl = '0', sp = '0'] = level.split('.');
  if (filesets) {
    out('  Fileset                      Level  State  Type  Description (Uninstaller)');
    out('  ----------------------------------------------------------------------------');
    out(`  bos.rte                   ${v}.${r}.${tl}.${sp}    C     F    Base Operating System Runtime`);
    out(
      `  bos.mp64                  ${v}.${r}.${tl}.${sp}    C     F    Base Operating System 64-bit Multiprocessor Runtime`,
    );
    out(
      `  bos.sysmgt.sysbr          ${v}.${r}.${tl}.${sp}    C     F    System Backup and BOS Install Utilities`,
    );
    out('  openssl.base              1.0.2.2101    C     F    Open Secure Socket Layer');
    return 0;
  }
  const fileSystems = stanzas.filter((s) => s.name === 'fs_data').map((s) => s.fields);
  const blocks = (field: string) => fileSystems.reduce((sum, fs) => sum + (Number(fs[field]) || 0), 0);
  out(`VOLUME GROUP:           ${vg}`);
  out(`BACKUP DATE/TIME:       ${image.DATE_TIME ?? ''}`);
  out(`UNAME INFO:             ${image.UNAME_INFO ?? ''}`);
  out(`BACKUP OSLEVEL:         ${level}`);
  out(`MAINTENANCE LEVEL:      ${image.OSLEVEL_R ?? ''}`);
  out(`BACKUP SIZE (MB):       ${Math.floor(blocks('FS_SIZE') / 2048)}`);
  out(`SHRINK SIZE (MB):       ${Math.floor(blocks('FS_MIN_SIZE') / 2048)}`);
  out('VG DATA ONLY:           no');
  out('');
  out(`${vg}:`);
  out('LV NAME             TYPE       LPs     PPs     PVs  LV STATE      MOUNT POINT');
  for (const { fields: lv } of stanzas.filter((s) => s.name === 'lv_data')) {
    const pvs = (lv.LV_SOURCE_DISK_LIST ?? '').split(' ').filter(Boolean).length || 1;
    out(
      `${(lv.LOGICAL_VOLUME ?? '').padEnd(19)} ${(lv.TYPE ?? '').padEnd(10)} ${(lv.LPs ?? '0').padEnd(7)} ${(lv.PP ?? '0').padEnd(7)} ${String(pvs).padEnd(4)} ${(lv.LV_STATE ?? '').padEnd(13)} ${lv.MOUNT_POINT || 'N/A'}`,
    );
  }
  return 0;
}

/**
 * The replaced_after_backup fault: every plain (unpacked) file's data is overwritten with other
 * noise, in place. The archive stays well-formed and the same size; its bytes are no longer the
 * ones backup.sh hashed.
 */
export function replaceImage(file: string, seed: string): number {
  const w = walk(file);
  const fd = openSync(file, 'r+');
  let n = 0;
  try {
    for (const e of w.entries) {
      if (e.type !== 'file' || e.packed || e.storedSize === 0) continue;
      writeSync(fd, noise(`${seed}/${e.path}`, e.storedSize), 0, e.storedSize, e.dataOffset);
      n++;
    }
  } finally {
    closeSync(fd);
  }
  return n;
}

/**
 * Keeps the stand-ins' answers for the image just written (see the header): the `restore -Tqf`
 * listing and the `lsmksysb -lf` and `-L` descriptions, each only when it succeeded.
 */
export function keepAnswers(file: string, dir: string): void {
  const at = join(dir, resolve(file));
  mkdirSync(dirname(at), { recursive: true });
  const answers: [string, (out: (line: string) => void) => number][] = [
    ['list', (out) => listImage(file, out, () => {})],
    ['lf', (out) => describeImage(file, false, 'lsmksysb', out, () => {})],
    ['L', (out) => describeImage(file, true, 'lsmksysb', out, () => {})],
  ];
  for (const [suffix, answer] of answers) {
    const lines: string[] = [];
    if (answer((line) => lines.push(line)) === 0) writeFileSync(`${at}.${suffix}`, `${lines.join('\n')}\n`);
  }
}

/** The files of a restored rootvg the restore test looks for (lambdas/core/restore-test.ts RESTORE_KEY_FILES). */
const ALT_KEY_FILES = [
  './unix',
  './etc/filesystems',
  './etc/inittab',
  './etc/passwd',
  './usr/lib/boot/unix_64',
  './sbin/rc.boot',
  './image.data',
];

/**
 * The restore half of `alt_disk_mksysb`: reads the whole archive with the project's reader, as the
 * real command's restore does; a damaged archive stops it where restore would. What is restored is
 * only the key files (their data, or an empty stand-in for a kernel), under `into`, and a
 * usr/bin/oslevel that prints the level the image's image.data records.
 */
export function altRestore(
  file: string,
  into: string,
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  const w = walk(file, (p) => ALT_KEY_FILES.includes(p));
  const problem = w.summary.problem;
  if (notArchive(w) || problem) {
    const code = problem?.code ?? 'ARCHIVE_CORRUPT';
    err(
      code === 'ARCHIVE_TRUNCATED'
        ? `restore: 0511-160 Cannot read the backup media ${file}: There is an input or output error.`
        : `restore: 0511-123 The volume on ${file} is not in backup format.`,
    );
    err(`alt_disk_mksysb: the restore of ${file} failed (${code}).`);
    return 1;
  }
  let level = '';
  let ml = '';
  for (const e of w.entries) {
    if (!ALT_KEY_FILES.includes(e.path)) continue;
    const target = join(into, e.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, e.data ?? new Uint8Array());
    if (e.path === './image.data' && e.data) {
      const image =
        readStanzas(new TextDecoder().decode(e.data)).find((s) => s.name === 'image_data')?.fields ?? {};
      level = image.OSLEVEL ?? '';
      ml = image.OSLEVEL_R ?? '';
    }
  }
  // oslevel -s of the restored system: the image's technology level and service pack; the
  // simulated images carry no build number, so it is printed as 0000.
  const sp = (level.split('.')[3] ?? '0').padStart(2, '0');
  mkdirSync(join(into, 'usr/bin'), { recursive: true });
  writeFileSync(join(into, 'usr/bin/oslevel'), `#!/bin/sh\necho ${ml ? `${ml}-${sp}-0000` : ''}\n`, {
    mode: 0o755,
  });
  out(`entries=${w.summary.entries} oslevel=${level}`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The command line.

function flags(args: readonly string[]): {
  values: Map<string, string>;
  switches: Set<string>;
  rest: string[];
} {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (['--no-pack', '--tiny', '--bit-flip', '-L'].includes(a)) switches.add(a);
    else if (a.startsWith('--')) {
      values.set(a, args[i + 1] ?? '');
      i++;
    } else rest.push(a);
  }
  return { values, switches, rest };
}

function required(values: Map<string, string>, name: string): string {
  const v = values.get(name);
  if (v === undefined || v === '') throw new ArchiverError(`missing ${name}`);
  return v;
}

/** Where a command's lines go: the process's stdout and stderr, or the server's reply (archiver-server.ts). */
export interface ArchiverOutput {
  write(text: string): void;
}

/** Runs one command (the list above); returns its exit code. */
export function main(
  argv: readonly string[],
  stdout: ArchiverOutput = process.stdout,
  stderr: ArchiverOutput = process.stderr,
): number {
  try {
    return run(argv, stdout, stderr);
  } catch (error) {
    stderr.write(`sim-archiver: ${(error as Error).message}\n`);
    return 1;
  }
}

function run(argv: readonly string[], stdout: ArchiverOutput, stderr: ArchiverOutput): number {
  const [command, ...args] = argv;
  const { values, switches, rest } = flags(args);
  const out = (line: string) => stdout.write(`${line}\n`);
  const err = (line: string) => stderr.write(`${line}\n`);
  switch (command) {
    case 'write-mksysb':
    case 'write-savevg': {
      const cut = values.get('--cut-at');
      const result = writeImage({
        root: required(values, '--root'),
        out: required(values, '--out'),
        backup: {
          kind: command === 'write-mksysb' ? 'mksysb' : 'savevg',
          hostname: required(values, '--hostname'),
          oslevel: required(values, '--oslevel'),
          date: required(values, '--date'),
          vg: required(values, '--vg'),
          volumeGroups: (values.get('--vgs') ?? 'rootvg').split(' ').filter(Boolean),
          sizeBytes: Number(required(values, '--size')),
        },
        files: Number(required(values, '--files')),
        pack: !switches.has('--no-pack'),
        excludeFile: values.get('--exclude') ?? null,
        tiny: switches.has('--tiny'),
        cutAt: cut ? Number(cut) : null,
        bitFlip: switches.has('--bit-flip'),
        trees: parseTrees(values.get('--trees') ?? ''),
      });
      const answers = values.get('--answers');
      if (answers) keepAnswers(required(values, '--out'), answers);
      out(
        `planned=${result.planned} entries=${result.entries} complete=${result.complete} bytes=${result.bytes}`,
      );
      return 0;
    }
    case 'list':
      return listImage(rest[0] ?? '', out, err);
    case 'lsmksysb':
      return describeImage(
        rest[0] ?? '',
        switches.has('-L'),
        values.get('--command') ?? 'lsmksysb',
        out,
        err,
      );
    case 'replace':
      out(`replaced=${replaceImage(rest[0] ?? '', required(values, '--seed'))}`);
      return 0;
    case 'alt-restore':
      return altRestore(rest[0] ?? '', required(values, '--into'), out, err);
    default:
      err(
        `sim-archiver: unknown command ${command ?? ''} (write-mksysb, write-savevg, list, lsmksysb, replace, alt-restore)`,
      );
      return 2;
  }
}
