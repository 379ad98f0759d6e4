// Writes the AIX `backup` by-name format as AIX does (backbyname.c: puthdr, putsechdr, dfile), so the
// simulated LPARs produce real images: a volume header, per file a header + name, the security header
// with a base ACL and PCL, the data (Huffman-packed when `backup -p` would pack it), 8-byte padding,
// and the end record. Returns chunks, never copies file data it does not pack. Pure: no fs, no SDK.
import { pack as packData } from './huffman.js';
import {
  headerChecksum,
  MAGIC,
  NAME_X_FIXED_BYTES,
  NameX,
  PACKED_MAGIC,
  RecordType,
  roundUp8,
  S_IFMT,
  VOLUME_WORDS,
} from './reader.js';
import type { BffEntryType } from './types.js';

export interface BffWriteEntry {
  /** The name as archived, e.g. `./etc/hosts`. */
  readonly path: string;
  readonly type: BffEntryType;
  /** st_mode; its file-type bits must agree with `type`. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
  /** A regular file's bytes. */
  readonly data?: Uint8Array;
  readonly linkTarget?: string;
  /**
   * A regular file's size when `data` is not given: the entry's chunks then stop after the security
   * header and the caller writes the `size` data bytes and `BffWriter.padding(size)` itself (how
   * files too large to hold in memory are written; never packed).
   */
  readonly size?: number;
  /** Raw ACL to store (AIXC or NFS4, as statacl returns it). @default a base ACL from the mode bits */
  readonly acl?: Uint8Array;
  /** @default 1 (2 for directories) */
  readonly nlink?: number;
  /** @default 0 */
  readonly ino?: number;
  /** @default mtime */
  readonly atime?: number;
  /** @default mtime */
  readonly ctime?: number;
  /** Major and minor of the file system's device. @default [0, 0] */
  readonly dev?: readonly [number, number];
  /** Major and minor of a device file. @default [0, 0] */
  readonly rdev?: readonly [number, number];
  /** st_size AIX records (dsize) for a directory. @default 0 */
  readonly directorySize?: number;
}

export interface BffWriterOptions {
  /** Pack files the way `backup -p` (mksysb without -p) does. */
  readonly pack: boolean;
  /** Volume header date, seconds since the epoch. @default now */
  readonly date?: number;
  /** The user named in the volume header. @default 'root' */
  readonly user?: string;
}

export class BffWriteError extends Error {
  override name = 'BffWriteError';
}

/** backup packs only when that saves at least one BUFSIZ block (AIX BUFSIZ: 4096). */
const PACK_BLOCK = 4096;
/** pack(1)'s own magic: backup does not pack a file that is already packed. */
const PACK1_MAGIC = [0x1f, 0x1e];
const MAX_HEADER_BYTES = 255 * 8;
const TYPE_BITS: Record<BffEntryType, number[]> = {
  file: [0x8000],
  directory: [0x4000],
  symlink: [0xa000],
  other: [0x1000, 0x2000, 0x6000, 0xc000],
};

export class BffWriter {
  private readonly packFiles: boolean;
  private readonly date: number;
  private readonly user: string;
  /** backup reuses one header buffer: the end record carries the last entry's link count. */
  private lastNlink = 0;

  constructor(options: BffWriterOptions) {
    this.packFiles = options.pack;
    this.date = options.date ?? Math.floor(Date.now() / 1000);
    this.user = options.user ?? 'root';
  }

  /** Zero bytes that bring `bytes` of data to the 8-byte boundary. */
  static padding(bytes: number): Uint8Array {
    return new Uint8Array(roundUp8(bytes) - bytes);
  }

  volumeHeader(): Uint8Array {
    const h = new Uint8Array(VOLUME_WORDS * 8);
    const v = new DataView(h.buffer);
    h[0] = VOLUME_WORDS;
    h[1] = RecordType.volume;
    v.setUint16(2, MAGIC, true);
    v.setUint16(6, 1, true); // volume number
    v.setUint32(8, this.date, true);
    v.setUint32(12, this.date, true); // dump date: the same for a by-name backup
    v.setUint32(16, 0x7fffffff, true); // words per volume: unlimited (not a diskette)
    const ascii = new TextEncoder();
    h.set(ascii.encode('by name'), 20);
    h.set(ascii.encode('by name'), 36);
    h.set(ascii.encode(this.user).subarray(0, 15), 52);
    v.setUint16(68, 100, true); // dump level BYNAME
    v.setUint16(4, headerChecksum(h, 0, h.length), true);
    return h;
  }

  /** The chunks of one entry: header and name, [symlink target], security header, data, padding. */
  entry(e: BffWriteEntry): Uint8Array[] {
    if (!TYPE_BITS[e.type].includes(e.mode & S_IFMT))
      throw new BffWriteError(`${e.path}: mode 0o${e.mode.toString(8)} is not a ${e.type}`);
    if (e.type !== 'file' && e.data !== undefined)
      throw new BffWriteError(`${e.path}: only a regular file has data`);
    if (e.type === 'symlink' && e.linkTarget === undefined)
      throw new BffWriteError(`${e.path}: a symlink needs its target`);
    const name = new TextEncoder().encode(e.path);
    const headerBytes = NAME_X_FIXED_BYTES + roundUp8(name.length + 1);
    if (name.length === 0 || headerBytes > MAX_HEADER_BYTES)
      throw new BffWriteError(
        `${e.path || '(empty)'}: name must be 1..${MAX_HEADER_BYTES - NAME_X_FIXED_BYTES - 1} bytes`,
      );

    const target = e.type === 'symlink' ? new TextEncoder().encode(e.linkTarget) : null;
    let size = 0;
    let stored: Uint8Array | null = null;
    let packed = false;
    if (e.type === 'file') {
      size = e.data?.length ?? e.size ?? 0;
      stored = e.data ?? null;
      const p = this.packFiles && e.data ? this.packIfWorth(e.data) : null;
      if (p) {
        stored = p;
        packed = true;
      }
    } else if (target) size = target.length;

    const h = new Uint8Array(headerBytes);
    const v = new DataView(h.buffer);
    const nlink = e.nlink ?? (e.type === 'directory' ? 2 : 1);
    h[0] = headerBytes / 8;
    h[1] = RecordType.nameX;
    v.setUint16(2, packed ? PACKED_MAGIC : MAGIC, true);
    v.setUint16(NameX.nlink, nlink, true);
    v.setUint32(NameX.ino, e.ino ?? 0, true);
    v.setUint32(NameX.mode, e.mode >>> 0, true);
    v.setUint32(NameX.uid, e.uid, true);
    v.setUint32(NameX.gid, e.gid, true);
    v.setUint32(NameX.size, size % 2 ** 32, true);
    v.setUint32(NameX.atime, e.atime ?? e.mtime, true);
    v.setUint32(NameX.mtime, e.mtime, true);
    v.setUint32(NameX.ctime, e.ctime ?? e.mtime, true);
    v.setUint32(NameX.devmaj, e.dev?.[0] ?? 0, true);
    v.setUint32(NameX.devmin, e.dev?.[1] ?? 0, true);
    v.setUint32(NameX.rdevmaj, e.rdev?.[0] ?? 0, true);
    v.setUint32(NameX.rdevmin, e.rdev?.[1] ?? 0, true);
    const dsize = packed
      ? (stored as Uint8Array).length
      : e.type === 'directory'
        ? (e.directorySize ?? 0)
        : size;
    v.setUint32(NameX.dsize, dsize % 2 ** 32, true);
    v.setUint32(NameX.sizeHigh, Math.floor(size / 2 ** 32), true);
    h.set(name, NAME_X_FIXED_BYTES);
    v.setUint16(4, headerChecksum(h, 0, h.length), true);
    this.lastNlink = nlink;

    const chunks: Uint8Array[] = [h];
    if (target) {
      const padded = new Uint8Array(roundUp8(target.length));
      padded.set(target);
      chunks.push(padded);
    }
    chunks.push(securityHeader(e));
    if (stored && stored.length > 0) chunks.push(stored, BffWriter.padding(stored.length));
    return chunks;
  }

  end(): Uint8Array {
    const h = new Uint8Array(8);
    h[0] = 1;
    h[1] = RecordType.end;
    h[2] = MAGIC & 0xff;
    h[3] = MAGIC >> 8;
    h[6] = this.lastNlink & 0xff;
    h[7] = this.lastNlink >> 8;
    const sum = headerChecksum(h, 0, 8);
    h[4] = sum & 0xff;
    h[5] = sum >> 8;
    return h;
  }

  /** The packed form of a file when it saves a block (and the file is not packed already), else null. */
  private packIfWorth(data: Uint8Array): Uint8Array | null {
    if (data[0] === PACK1_MAGIC[0] && data[1] === PACK1_MAGIC[1]) return null;
    return packData(data, (out) => Math.ceil(out / PACK_BLOCK) < Math.ceil(data.length / PACK_BLOCK));
  }
}

/**
 * ACL and PCL word counts, then the ACL and the PCL. The base ACL is what statacl gives a file
 * without extended entries: acl_len 16, acl_mode 0, the owner/group/other rwx bits; the base PCL
 * is pcl_len 16 and the file's mode, no privileges.
 */
function securityHeader(e: BffWriteEntry): Uint8Array {
  const acl = e.acl ?? baseAcl(e.mode);
  const aclBytes = roundUp8(acl.length);
  const out = new Uint8Array(8 + aclBytes + 16);
  const v = new DataView(out.buffer);
  v.setUint32(0, aclBytes / 8, true);
  v.setUint32(4, 2, true);
  out.set(acl, 8);
  v.setUint32(8 + aclBytes, 16, true);
  v.setUint32(8 + aclBytes + 4, e.mode >>> 0, true);
  return out;
}

function baseAcl(mode: number): Uint8Array {
  const acl = new Uint8Array(16);
  const v = new DataView(acl.buffer);
  v.setUint32(0, 16, true);
  v.setUint16(10, (mode >> 6) & 7, true);
  v.setUint16(12, (mode >> 3) & 7, true);
  v.setUint16(14, mode & 7, true);
  return acl;
}
