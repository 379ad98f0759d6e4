// `mksysb-vault image toc | extract | verify` on files: the real AIX sample (test/fixtures/bff/test.bff)
// and a small rootvg archive written with the project's BFF writer, sound and damaged.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BffWriter } from '../../lambdas/core/bff/writer.js';
import { runCliAsync } from '../support/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const SAMPLE = fixture('bff/test.bff');
const dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-image-'));
const MTIME = Date.parse('2026-11-23T02:00:00Z') / 1000;

/** A rootvg image as mksysb lays it out: the install files first, then the boot files and a packed text file. */
function rootvgArchive(): Uint8Array {
  const w = new BffWriter({ pack: true, date: MTIME });
  const text = (s: string) => new TextEncoder().encode(s);
  const file = (path: string, data: Uint8Array, mode = 0o100644) =>
    w.entry({ path, type: 'file', mode, uid: 0, gid: 0, mtime: MTIME, data });
  const dirEntry = (path: string) =>
    w.entry({ path, type: 'directory', mode: 0o40755, uid: 0, gid: 0, mtime: MTIME });
  const hosts = text(`127.0.0.1 loopback localhost\n${'10.1.2.3 aixprd01\n'.repeat(400)}`);
  const chunks = [
    w.volumeHeader(),
    ...dirEntry('.'),
    ...file('./bosinst.data', text('control_flow:\n    CONSOLE = Default\n')),
    ...file('./image.data', readFileSync(fixture('image-data/synthetic-composite-rootvg.image.data'))),
    ...dirEntry('./etc'),
    ...file('./etc/hosts', hosts),
    ...file('./etc/inittab', text('init:2:initdefault:\n')),
    ...file('./etc/filesystems', text('/:\n\tdev = /dev/hd4\n')),
    ...dirEntry('./sbin'),
    ...file('./sbin/rc.boot', text('#!/bin/ksh\n'), 0o100755),
    ...dirEntry('./usr'),
    ...file(
      './usr/lib/boot/unix_64',
      new Uint8Array(64 * 1024).map((_, i) => (i * 7919) & 0xff),
      0o100755,
    ),
    w.end(),
  ];
  return Buffer.concat(chunks);
}

const image = rootvgArchive();
const imagePath = join(dir, 'aixprd01_mksysb_2026-11-23');
writeFileSync(imagePath, image);
const sha = createHash('sha256').update(image).digest('hex');

describe.concurrent('mksysb-vault image', () => {
  it('lists the real AIX sample, with sizes after unpacking, as JSON', async () => {
    const r = await runCliAsync(['image', 'toc', SAMPLE, '--json']);
    expect(r.status).toBe(0);
    const toc = JSON.parse(r.stdout) as { entries: { path: string; type: string; size: number }[] };
    expect(toc.entries.map((e) => [e.path, e.type, e.size])).toEqual([
      ['backup', 'directory', 0],
      ['backup/file.txt', 'file', 3],
      ['backup/folder', 'directory', 0],
      ['backup/folder/file_in_folder.txt', 'file', 3],
    ]);
  });

  it('extracts one file of the real sample byte for byte, keeping its mode and mtime', async () => {
    const out = join(dir, 'file_in_folder.txt');
    const r = await runCliAsync([
      'image',
      'extract',
      SAMPLE,
      'backup/folder/file_in_folder.txt',
      '--out',
      out,
    ]);
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('xyz');
    expect(statSync(out).mtimeMs).toBeGreaterThan(0);
  });

  it('extracts a packed file to standard output, unpacked', async () => {
    const r = await runCliAsync(['image', 'extract', imagePath, '/etc/hosts']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`127.0.0.1 loopback localhost\n${'10.1.2.3 aixprd01\n'.repeat(400)}`);
  });

  it('says which entry is missing', async () => {
    const r = await runCliAsync(['image', 'extract', imagePath, './etc/passwd']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('has no entry ./etc/passwd');
  });

  it('passes a sound rootvg image whose checksum is the one claimed (its / archived before image.data)', async () => {
    const r = await runCliAsync(['image', 'verify', imagePath, '--sha256', sha]);
    expect(r.stdout).toContain(`SHA-256 ${sha} (as claimed)`);
    expect(r.stdout).toContain(': PASS');
    expect(r.status).toBe(0);
  });

  it('fails an image whose bytes are not the ones claimed: CHECKSUM_MISMATCH, exit 2', async () => {
    const r = await runCliAsync(['image', 'verify', imagePath, '--sha256', '0'.repeat(64), '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).anomalies.map((a: { code: string }) => a.code)).toContain(
      'CHECKSUM_MISMATCH',
    );
  });

  it('fails an image cut short: ARCHIVE_TRUNCATED naming the entry cut, exit 2', async () => {
    const cut = join(dir, 'cut');
    writeFileSync(cut, image.subarray(0, image.length - 40_000));
    const r = await runCliAsync(['image', 'verify', cut]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/ARCHIVE_TRUNCATED \(fail\): .*unix_64/);
    const toc = await runCliAsync(['image', 'toc', cut]);
    expect(toc.status).toBe(2);
    expect(toc.stdout).toContain('./etc/hosts');
    expect(toc.stderr).toContain('ARCHIVE_TRUNCATED');
  });

  it('fails an image with a flipped byte in a header: ARCHIVE_CORRUPT with its offset', async () => {
    const flipped = Buffer.from(image);
    const at = flipped.indexOf('./etc/inittab');
    flipped.writeUInt8((flipped[at + 3] ?? 0) ^ 0x20, at + 3);
    const path = join(dir, 'flipped');
    writeFileSync(path, flipped);
    const r = await runCliAsync(['image', 'verify', path, '--json']);
    expect(r.status).toBe(2);
    const codes = JSON.parse(r.stdout).anomalies.map((a: { code: string }) => a.code);
    expect(codes).toContain('ARCHIVE_CORRUPT');
  });

  it('fails the real sample as a mksysb: it holds none of the files a rootvg needs to boot', async () => {
    const r = await runCliAsync(['image', 'verify', SAMPLE]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/BOOT_FILES_MISSING \(fail\): .*bosinst\.data/);
  });

  it('names the file it cannot read, exit 64', async () => {
    const r = await runCliAsync(['image', 'toc', join(dir, 'nope')]);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('no such file');
  });
});
