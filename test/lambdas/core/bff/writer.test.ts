// The BFF writer the simulated LPARs use: its output compared with the real test.bff (sources in
// test/fixtures/bff/README.md) and read back by the streaming reader.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entryData } from '../../../../lambdas/core/bff/extract.js';
import { BffReader, type CapturedEntry } from '../../../../lambdas/core/bff/reader.js';
import { type BffWriteEntry, BffWriteError, BffWriter } from '../../../../lambdas/core/bff/writer.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/bff/', import.meta.url));
const testBff = new Uint8Array(readFileSync(`${FIXTURES}test.bff`));

const concat = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));

function archive(writer: BffWriter, entries: BffWriteEntry[]): Uint8Array {
  return concat([writer.volumeHeader(), ...entries.flatMap((e) => writer.entry(e)), writer.end()]);
}

function read(bytes: Uint8Array) {
  const reader = new BffReader({ capture: () => true, maxCaptureBytes: 64 << 20 });
  const entries = reader.push(bytes);
  return { entries, summary: reader.end() };
}

/** The four entries of test.bff with the metadata its headers carry. */
const owner = { uid: 388113, gid: 21803, dev: [10, 8] as const };
const TEST_BFF_ENTRIES: BffWriteEntry[] = [
  {
    path: 'backup',
    type: 'directory',
    mode: 0o240755,
    ...owner,
    nlink: 3,
    ino: 0xffffffff,
    atime: 0x66545ab2,
    mtime: 0x66545992,
    ctime: 0x66545a06,
    directorySize: 256,
  },
  {
    path: 'backup/file.txt',
    type: 'file',
    mode: 0o100644,
    ...owner,
    nlink: 1,
    atime: 0x66545968,
    mtime: 0x66545968,
    ctime: 0x66545a06,
    data: new TextEncoder().encode('abc'),
  },
  {
    path: 'backup/folder',
    type: 'directory',
    mode: 0o240755,
    ...owner,
    nlink: 2,
    ino: 0xfffffffe,
    atime: 0x66545ab2,
    mtime: 0x66545998,
    ctime: 0x66545a06,
    directorySize: 256,
  },
  {
    path: 'backup/folder/file_in_folder.txt',
    type: 'file',
    mode: 0o100644,
    ...owner,
    nlink: 1,
    atime: 0x665459a4,
    mtime: 0x665459a4,
    ctime: 0x66545a06,
    data: new TextEncoder().encode('xyz'),
  },
];

/** Each record's fields as named values, for a readable diff. */
function fieldsOf(bytes: Uint8Array, at: number) {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const words = bytes[at] as number;
  const u32 = (o: number) => v.getUint32(at + o, true);
  const sec = at + words * 8;
  const aclWords = v.getUint32(sec, true);
  return {
    words,
    type: bytes[at + 1],
    magic: v.getUint16(at + 2, true),
    checksum: v.getUint16(at + 4, true),
    nlink: v.getUint16(at + 6, true),
    ino: u32(8),
    mode: u32(12),
    uid: u32(16),
    gid: u32(20),
    size: u32(24),
    atime: u32(28),
    mtime: u32(32),
    ctime: u32(36),
    devmaj: u32(40),
    devmin: u32(44),
    rdevmaj: u32(48),
    rdevmin: u32(52),
    dsize: u32(56),
    spare: u32(60),
    name: Buffer.from(bytes.subarray(at + 64, sec)).toString('latin1'),
    aclWords,
    pclWords: v.getUint32(sec + 4, true),
    aclLen: v.getUint32(sec + 8, true),
    aclMode: v.getUint32(sec + 12, true),
    access: [18, 20, 22].map((o) => v.getUint16(sec + o, true)),
    pcl: [...bytes.subarray(sec + 8 + aclWords * 8, sec + 8 + aclWords * 8 + 16)],
  };
}

describe('BffWriter', () => {
  const writer = new BffWriter({ pack: false, date: 0x66545ab2 });
  const written = archive(writer, TEST_BFF_ENTRIES);
  const RECORDS = [72, 184, 312, 432];

  it('writes the volume header AIX wrote for test.bff byte for byte', () => {
    expect([...written.subarray(0, 72)]).toEqual([...testBff.subarray(0, 72)]);
  });

  it.each(RECORDS)('writes the record at byte %i field by field as AIX did', (at) => {
    expect(fieldsOf(written, at)).toEqual(fieldsOf(testBff, at));
  });

  it("differs from test.bff only in the ACL's reserved word, which AIX leaves uninitialized", () => {
    const aixRsvd = [160, 280, 408, 552]; // acl_rsvd of each record's base ACL
    const aix = testBff.slice(0, 592);
    for (const at of aixRsvd) aix.set(written.subarray(at, at + 2), at);
    expect(written.length).toBe(592);
    expect(Buffer.from(written).equals(Buffer.from(aix))).toBe(true);
  });

  it('rejects a mode whose file type does not match the entry type', () => {
    const e: BffWriteEntry = { path: 'x', type: 'file', mode: 0o40755, uid: 0, gid: 0, mtime: 0 };
    expect(() => writer.entry(e)).toThrow(BffWriteError);
  });

  it('rejects a name too long for the one-byte header length', () => {
    const e: BffWriteEntry = {
      path: 'x'.repeat(2000),
      type: 'file',
      mode: 0o100644,
      uid: 0,
      gid: 0,
      mtime: 0,
    };
    expect(() => writer.entry(e)).toThrow(/name must be/);
  });
});

describe('writer to reader round trip', () => {
  const base = { uid: 0, gid: 0, mtime: 1_700_000_000 };
  const text = new TextEncoder().encode('root:!:0:0::/:/usr/bin/ksh\n'.repeat(2000));
  const noise = new Uint8Array(20_000).map((_, i) => (i * 2654435761) >>> 24);
  const nfs4Acl = new Uint8Array(8 + 4 * 16).fill(7);
  const entries: BffWriteEntry[] = [
    { path: '.', type: 'directory', mode: 0o40755, ...base },
    { path: './etc/passwd', type: 'file', mode: 0o100644, ...base, data: text },
    { path: './etc/motd', type: 'file', mode: 0o100644, ...base, data: new TextEncoder().encode('hi\n') },
    { path: './usr/lib/libnoise.a', type: 'file', mode: 0o100555, ...base, data: noise },
    { path: './etc/empty', type: 'file', mode: 0o100600, ...base, data: new Uint8Array(0) },
    { path: './unix', type: 'symlink', mode: 0o120777, ...base, linkTarget: '/usr/lib/boot/unix_64' },
    { path: './dev/null', type: 'other', mode: 0o20666, ...base, rdev: [2, 2] },
    { path: './tmp/fifo', type: 'other', mode: 0o10600, ...base },
    { path: './home/acl', type: 'file', mode: 0o100640 | 0x2000000, ...base, acl: nfs4Acl, data: text },
  ];

  it.each([true, false])('gives back every entry and its bytes (pack: %s)', (pack) => {
    const bytes = archive(new BffWriter({ pack }), entries);
    const { entries: back, summary } = read(bytes);
    expect(summary).toMatchObject({ complete: true, problem: null, entries: 9, files: 5, directories: 1 });
    expect(back.map((e) => [e.path, e.type, e.mode, e.size])).toEqual(
      entries.map((e) => [e.path, e.type, e.mode, e.data?.length ?? e.linkTarget?.length ?? 0]),
    );
    for (const [i, e] of entries.entries()) {
      if (e.data) expect(Buffer.from(back[i]?.data ?? []).equals(Buffer.from(e.data))).toBe(true);
    }
    expect(back[5]?.linkTarget).toBe('/usr/lib/boot/unix_64');
  });

  it('packs a compressible file larger than a block, and stores small or incompressible ones plain', () => {
    const back = read(archive(new BffWriter({ pack: true }), entries)).entries;
    const packed = Object.fromEntries(back.map((e) => [e.path, e.packed]));
    expect(packed).toMatchObject({
      './etc/passwd': true,
      './etc/motd': false,
      './usr/lib/libnoise.a': false,
      './home/acl': true,
    });
    const passwd = back[1] as CapturedEntry;
    expect(passwd.storedSize).toBeLessThan(passwd.size);
  });

  it('lets entryData unpack a packed file from its stored range', () => {
    const bytes = archive(new BffWriter({ pack: true }), entries);
    const passwd = read(bytes).entries[1] as CapturedEntry;
    const stored = bytes.subarray(passwd.dataOffset, passwd.dataOffset + passwd.storedSize);
    expect(Buffer.from(entryData(stored, passwd)).equals(Buffer.from(text))).toBe(true);
  });

  it('makes entryData name the file whose stored bytes do not unpack to its size', () => {
    const bytes = archive(new BffWriter({ pack: true }), entries);
    const passwd = read(bytes).entries[1] as CapturedEntry;
    const stored = bytes.subarray(passwd.dataOffset, passwd.dataOffset + passwd.storedSize);
    expect(() => entryData(stored, { ...passwd, size: passwd.size + 5 })).toThrow(/\.\/etc\/passwd/);
    expect(() => entryData(stored.subarray(1), passwd)).toThrow(/\.\/etc\/passwd: .* stored bytes given/);
  });
});

describe('files of 4 GiB and more', () => {
  const size = 5 * 2 ** 30 + 3;
  const writer = new BffWriter({ pack: true });
  const big: BffWriteEntry = {
    path: './data/big.dbf',
    type: 'file',
    mode: 0o100640,
    uid: 0,
    gid: 0,
    mtime: 1,
    size,
  };

  it('keep the low 32 bits of the size in the size and dsize fields and the high bits in the spare word', () => {
    const [header] = writer.entry(big);
    const v = new DataView((header as Uint8Array).buffer);
    expect(v.getUint32(24, true)).toBe(2 ** 30 + 3);
    expect(v.getUint32(56, true)).toBe(2 ** 30 + 3);
    expect(v.getUint32(60, true)).toBe(1);
  });

  it('are read back with their full size and stored size', () => {
    const reader = new BffReader();
    const entries = [writer.volumeHeader(), ...writer.entry(big)].flatMap((c) => reader.push(c));
    expect(entries[0]).toMatchObject({ size, storedSize: size, packed: false });
  });
});

describe('reading a large archive', () => {
  it('keeps the buffered bytes bounded while 200 MiB of file data stream past', () => {
    const writer = new BffWriter({ pack: false });
    const reader = new BffReader({ capture: (e) => e.path.endsWith('.conf') });
    const block = new Uint8Array(1 << 20).fill(0x41);
    let maxBuffered = 0;
    const feed = (chunk: Uint8Array) => {
      reader.push(chunk);
      maxBuffered = Math.max(maxBuffered, reader.bufferedBytes);
    };
    feed(writer.volumeHeader());
    for (let file = 0; file < 20; file++) {
      const size = 10 * (1 << 20) + file;
      const e: BffWriteEntry = {
        path: `./var/big${file}`,
        type: 'file',
        mode: 0o100644,
        uid: 0,
        gid: 0,
        mtime: 1,
        size,
      };
      for (const chunk of writer.entry(e)) feed(chunk);
      for (let left = size; left > 0; left -= block.length)
        feed(block.subarray(0, Math.min(left, block.length)));
      feed(BffWriter.padding(size));
      for (const chunk of writer.entry({
        ...e,
        path: `./etc/small${file}.conf`,
        size: undefined,
        data: block.subarray(0, 100),
      }))
        feed(chunk);
    }
    feed(writer.end());
    const summary = reader.end();
    expect(summary).toMatchObject({ complete: true, problem: null, entries: 40 });
    expect(summary.bytesRead).toBeGreaterThan(200 * (1 << 20));
    expect(maxBuffered).toBeLessThanOrEqual(4096);
  });
});
