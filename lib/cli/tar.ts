// A POSIX tar (ustar, POSIX.1-1988, with pax extended headers of POSIX.1-2001 where ustar's fields are
// too small) writer: what `restore-file` turns a directory of an image into, so it can be unpacked
// with any tar, on any system. Pure: it returns the bytes of headers and padding; the caller writes
// them with the file data between.
//
// One entry: [pax header block + its records, padded to 512] ustar header block, data, zero padding
// to 512. The archive ends with two zero blocks. A name of up to 100 bytes fits the name field; up to
// 256 bytes it is split at a `/` into the prefix (155) and name (100) fields; longer names, link
// targets over 100 bytes, sizes of 8 GiB and more and ids of 2^21 and more go in a pax header
// (`path`, `linkpath`, `size`, `uid`, `gid`), which GNU tar, bsdtar and busybox read.

export const TAR_BLOCK = 512;

export type TarEntryType = 'file' | 'directory' | 'symlink';

export interface TarEntry {
  /** Relative, `/`-separated; a directory's trailing `/` is added when missing. */
  readonly name: string;
  readonly type: TarEntryType;
  /** Permission bits (with setuid, setgid, sticky); file-type bits are ignored. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Data bytes that follow the header: 0 for directories and symlinks. */
  readonly size: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
  readonly linkTarget?: string;
}

export class TarError extends Error {
  override name = 'TarError';
}

const TYPE_FLAG: Record<TarEntryType | 'pax', string> = { file: '0', directory: '5', symlink: '2', pax: 'x' };
/** Largest values the octal fields hold: 11 digits (size, mtime), 7 digits (mode, uid, gid). */
const MAX_OCTAL_11 = 0o77777777777;
const MAX_OCTAL_7 = 0o7777777;
const utf8 = new TextEncoder();

/** The header block(s) of one entry: a pax header first when ustar's fields cannot hold it. */
export function tarHeader(entry: TarEntry): Uint8Array {
  if (entry.name === '' || entry.name.startsWith('/'))
    throw new TarError(`"${entry.name}": a tar entry name must be relative and not empty`);
  if (entry.type !== 'file' && entry.size !== 0)
    throw new TarError(`${entry.name}: only a file has data, not a ${entry.type}`);
  if (!Number.isSafeInteger(entry.size) || entry.size < 0)
    throw new TarError(`${entry.name}: size ${entry.size} is not a byte count`);
  const name = entry.type === 'directory' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  const pax: [string, string][] = [];
  const split = splitName(name);
  if (split === null) pax.push(['path', name]);
  const link = entry.type === 'symlink' ? (entry.linkTarget ?? '') : '';
  if (utf8.encode(link).length > 100) pax.push(['linkpath', link]);
  if (entry.size > MAX_OCTAL_11) pax.push(['size', String(entry.size)]);
  if (entry.uid > MAX_OCTAL_7) pax.push(['uid', String(entry.uid)]);
  if (entry.gid > MAX_OCTAL_7) pax.push(['gid', String(entry.gid)]);
  if (entry.mtime < 0 || entry.mtime > MAX_OCTAL_11) pax.push(['mtime', String(entry.mtime)]);

  const header = ustarBlock({
    name: split?.name ?? paxFallbackName(name),
    prefix: split?.prefix ?? '',
    type: TYPE_FLAG[entry.type],
    mode: entry.mode & 0o7777,
    uid: entry.uid > MAX_OCTAL_7 ? 0 : entry.uid,
    gid: entry.gid > MAX_OCTAL_7 ? 0 : entry.gid,
    size: entry.size > MAX_OCTAL_11 ? 0 : entry.size,
    mtime: entry.mtime < 0 || entry.mtime > MAX_OCTAL_11 ? 0 : entry.mtime,
    linkName: utf8.encode(link).length > 100 ? '' : link,
  });
  if (pax.length === 0) return header;
  const records = utf8.encode(pax.map(([k, v]) => paxRecord(k, v)).join(''));
  const paxHeader = ustarBlock({
    name: paxFallbackName(`PaxHeaders/${name}`),
    prefix: '',
    type: TYPE_FLAG.pax,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: records.length,
    mtime: Math.min(Math.max(entry.mtime, 0), MAX_OCTAL_11),
    linkName: '',
  });
  const out = new Uint8Array(TAR_BLOCK + roundUpBlock(records.length) + TAR_BLOCK);
  out.set(paxHeader, 0);
  out.set(records, TAR_BLOCK);
  out.set(header, TAR_BLOCK + roundUpBlock(records.length));
  return out;
}

/** Zero bytes that bring `size` bytes of data to the next 512-byte block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array(roundUpBlock(size) - size);
}

/** The end of the archive: two zero blocks. */
export function tarEnd(): Uint8Array {
  return new Uint8Array(2 * TAR_BLOCK);
}

const roundUpBlock = (n: number) => Math.ceil(n / TAR_BLOCK) * TAR_BLOCK;

/** The ustar name and prefix of `name`, or null when they cannot hold it. */
function splitName(name: string): { name: string; prefix: string } | null {
  const bytes = utf8.encode(name);
  if (bytes.length <= 100) return { name, prefix: '' };
  if (bytes.length > 256) return null;
  // The last `/` that leaves at most 155 bytes before it and 1..100 after it (a directory's own
  // trailing `/` stays with its name).
  const body = name.endsWith('/') ? name.slice(0, -1) : name;
  for (let i = body.lastIndexOf('/'); i > 0; i = body.lastIndexOf('/', i - 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    const prefixBytes = utf8.encode(prefix).length;
    const restBytes = utf8.encode(rest).length;
    if (prefixBytes <= 155 && restBytes <= 100 && restBytes > 0) return { name: rest, prefix };
    if (prefixBytes <= 155) break; // shorter prefixes only make the rest longer
  }
  return null;
}

/** What a reader without pax support sees in place of a long name: its last 100 bytes or less. */
function paxFallbackName(name: string): string {
  let cut = name;
  while (utf8.encode(cut).length > 100) cut = cut.slice(1);
  return cut.replace(/^\/+/, '') || 'PaxHeader';
}

/** `"<length> <key>=<value>\n"`, where length counts the whole record, its own digits included. */
function paxRecord(key: string, value: string): string {
  const body = utf8.encode(` ${key}=${value}\n`).length;
  let length = body + String(body).length;
  if (String(length).length !== String(body).length) length = body + String(length).length;
  return `${length} ${key}=${value}\n`;
}

interface UstarFields {
  readonly name: string;
  readonly prefix: string;
  readonly type: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly linkName: string;
}

function ustarBlock(f: UstarFields): Uint8Array {
  const block = new Uint8Array(TAR_BLOCK);
  const text = (at: number, width: number, value: string) => {
    const bytes = utf8.encode(value);
    if (bytes.length > width) throw new TarError(`"${value}" does not fit a ${width}-byte tar field`);
    block.set(bytes, at);
  };
  // Octal, zero-padded, NUL-terminated: what every tar reads.
  const octal = (at: number, width: number, value: number) =>
    text(at, width, `${value.toString(8).padStart(width - 1, '0')}\0`);
  text(0, 100, f.name);
  octal(100, 8, f.mode);
  octal(108, 8, f.uid);
  octal(116, 8, f.gid);
  octal(124, 12, f.size);
  octal(136, 12, f.mtime);
  block.fill(0x20, 148, 156); // the checksum is summed with its own field as spaces
  text(156, 1, f.type);
  text(157, 100, f.linkName);
  text(257, 6, 'ustar\0');
  text(263, 2, '00');
  octal(329, 8, 0);
  octal(337, 8, 0);
  text(345, 155, f.prefix);
  let sum = 0;
  for (const b of block) sum += b;
  text(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}
