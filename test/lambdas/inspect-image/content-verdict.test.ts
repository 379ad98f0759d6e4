// inspect-image then verify, against the local S3 server, on rootvg archives written with the
// BffWriter (the format AIX's backup writes): a sound image PASSes only once its stored bytes were
// read; bytes that differ from the host's SHA-256 FAIL with CHECKSUM_MISMATCH; an archive cut short
// FAILs with ARCHIVE_TRUNCATED; a read the deadline stopped is CONTENT_UNVERIFIED, never PASS.
import { createHash, randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { type BffWriteEntry, BffWriter } from '../../../lambdas/core/bff/writer.js';
import { VerificationPolicySchema } from '../../../lambdas/core/policy.js';
import { inspectImage } from '../../../lambdas/inspect-image/inspect-image.js';
import { verifyImage } from '../../../lambdas/verify/verify.js';
import { lsmksysbListing, useTestStore } from '../../support/local-store.js';

const MiB = 1024 * 1024;
const DATE = '2026-11-23T02:00:00.000Z';
const MTIME = Date.parse(DATE) / 1000 - 3600;
const policy = VerificationPolicySchema.parse({ absoluteFloorBytes: MiB, sizeMismatchSlackBytes: 4 * MiB });
const local = useTestStore();

/** image.data as mkszfile writes it, for the rootvg lsmksysbListing describes (hd5 hd6 hd8 hd4 hd2). */
const IMAGE_DATA = [
  'image_data:',
  'IMAGE_TYPE= bff',
  'OSLEVEL= 7.3.2.0',
  '',
  'vg_data:',
  'VGNAME= rootvg',
  'PPSIZE= 32',
  'VG_SOURCE_DISK_LIST= hdisk0',
  '',
  ...[
    ['hd5', 'boot', '1', ''],
    ['hd6', 'paging', '16', ''],
    ['hd8', 'jfs2log', '1', ''],
    ['hd4', 'jfs2', '106', '/'],
    ['hd2', 'jfs2', '152', '/usr'],
  ].flatMap(([lv, type, lps, mount]) => [
    'lv_data:',
    'VOLUME_GROUP= rootvg',
    'LV_SOURCE_DISK_LIST= hdisk0',
    `LOGICAL_VOLUME= ${lv}`,
    `TYPE= ${type}`,
    `LPs= ${lps}`,
    `MOUNT_POINT= ${mount}`,
    '',
  ]),
  ...[
    ['/', 'hd4'],
    ['/usr', 'hd2'],
  ].flatMap(([mount, lv]) => ['fs_data:', `FS_NAME= ${mount}`, `FS_LV= /dev/${lv}`, 'FS_SIZE= 6946816', '']),
].join('\n');

const text = (s: string) => new TextEncoder().encode(s);
const dir = (path: string): BffWriteEntry => ({
  path,
  type: 'directory',
  mode: 0o40755,
  uid: 0,
  gid: 0,
  mtime: MTIME,
});
const file = (path: string, data: Uint8Array): BffWriteEntry => ({
  path,
  type: 'file',
  mode: 0o100644,
  uid: 0,
  gid: 0,
  mtime: MTIME,
  data,
});

/** A small rootvg mksysb: the files installation needs, then `fillers` files of text and noise. */
function rootvgArchive(fillers: number): { bytes: Buffer; entries: number } {
  // mksysb's order: bosinst.data and image.data first, then `find . -print` of the file systems.
  const entries: BffWriteEntry[] = [
    file('./bosinst.data', text('control_flow:\n    CONSOLE = Default\n')),
    file('./image.data', text(IMAGE_DATA)),
    dir('.'),
    dir('./etc'),
    file('./etc/inittab', text('init:2:initdefault:\n')),
    file('./etc/filesystems', text('/:\n\tdev = /dev/hd4\n')),
    dir('./sbin'),
    file('./sbin/rc.boot', text('#!/bin/ksh\n')),
    file('./unix', text('kernel')),
    dir('./usr'),
    dir('./usr/share'),
  ];
  for (let i = 0; i < fillers; i += 1)
    entries.push(
      file(
        `./usr/share/file${i}`,
        i % 2 === 0
          ? text(`line ${i} of a text file that packs well\n`.repeat(2000))
          : randomBytes(96 * 1024),
      ),
    );
  const writer = new BffWriter({ pack: true, date: MTIME });
  const chunks: Uint8Array[] = [
    writer.volumeHeader(),
    ...entries.flatMap((e) => writer.entry(e)),
    writer.end(),
  ];
  return { bytes: Buffer.concat(chunks), entries: entries.length };
}

const SOUND = rootvgArchive(60);

function logOf(files: number): string {
  return [
    'Creating information file (/image.data) for rootvg.',
    `Backing up ${files} files`,
    `${files} of ${files} files backed up (100%)`,
    '0512-038 mksysb: Backup Completed Successfully.',
    '',
  ].join('\n');
}

/** Uploads the image and its sidecars, inspects it, verifies it; returns verify's answer and the inspection. */
async function run(
  host: string,
  stored: Buffer,
  options: { hostSha256?: string; remainingMs?: () => number } = {},
) {
  const key = `images/${host}/${host}_mksysb_2026-11-23`;
  const put = (k: string, body: Uint8Array | string) =>
    local.client.send(new PutObjectCommand({ Bucket: local.store.bucket, Key: k, Body: body }));
  await put(key, stored);
  await put(`${key}.lsmksysb`, lsmksysbListing(DATE));
  await put(`${key}.log`, logOf(SOUND.entries));
  const image = { runId: 'run-2026-11-23', host, kind: 'mksysb', date: DATE, key, sizeBytes: stored.length };
  const content = await inspectImage(image, {
    s3: local.client,
    bucket: local.store.bucket,
    now: () => new Date(DATE),
    remainingMs: options.remainingMs ?? (() => 900_000),
    rangeBytes: MiB,
    rangesInFlight: 3,
  });
  const verdict = await verifyImage(
    { ...image, sha256: options.hostSha256 ?? createHash('sha256').update(stored).digest('hex'), content },
    { s3: local.client, bucket: local.store.bucket, policy, historyLimit: 26, now: () => new Date(DATE) },
  );
  return { content, verdict, codes: verdict.anomalies.map((a) => a.code) };
}

describe('the stored bytes judged', () => {
  it('passes a sound rootvg image read to its end, several ranges long', async () => {
    const { content, verdict, codes } = await run('sound02', SOUND.bytes);
    expect({
      size: SOUND.bytes.length > 3 * MiB,
      complete: content.complete,
      entries: content.content.entries,
    }).toEqual({
      size: true,
      complete: true,
      entries: SOUND.entries,
    });
    // FIRST_RUN is information (no history yet), not a finding.
    expect({ verdict: verdict.verdict, codes }).toEqual({ verdict: 'PASS', codes: ['FIRST_RUN'] });
  });

  it('fails stored bytes that differ from what the host hashed: CHECKSUM_MISMATCH', async () => {
    const { verdict, codes } = await run('sum01', SOUND.bytes, { hostSha256: 'e'.repeat(64) });
    expect({ verdict: verdict.verdict, codes }).toEqual({
      verdict: 'FAIL',
      codes: ['FIRST_RUN', 'CHECKSUM_MISMATCH'],
    });
  });

  it('fails an archive cut short, whatever the host hashed: ARCHIVE_TRUNCATED', async () => {
    const cut = SOUND.bytes.subarray(0, Math.floor(SOUND.bytes.length * 0.6));
    const { verdict, codes } = await run('cut02', cut);
    expect({ verdict: verdict.verdict, codes }).toEqual({
      verdict: 'FAIL',
      codes: ['FIRST_RUN', 'ARCHIVE_TRUNCATED'],
    });
  });

  it('never passes an image the deadline stopped reading: CONTENT_UNVERIFIED', async () => {
    let left = 33_000;
    const { content, verdict, codes } = await run('late02', SOUND.bytes, {
      remainingMs: () => (left -= 1_000),
    });
    expect({
      complete: content.complete,
      someRead: content.content.bytesRead > 0,
      verdict: verdict.verdict,
      codes,
    }).toEqual({
      complete: false,
      someRead: true,
      verdict: 'WARN',
      codes: ['FIRST_RUN', 'CONTENT_UNVERIFIED'],
    });
  });
});
