// verify of a VIOS's mksysb (mocked S3): the viosbr archive beside it is read and checked, its
// SHA-256 and XML files go into the record; a viosbr that failed on the VIOS makes the image FAIL
// (VIOSBR_MISSING) while the record, and so the mksysb, is kept.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../../lambdas/core/image-record.js';
import { DEFAULT_VERIFICATION_POLICY } from '../../../lambdas/core/policy.js';
import type { InspectImageOutput } from '../../../lambdas/inspect-image/schema.js';
import { verifyImage } from '../../../lambdas/verify/verify.js';
import { lsmksysbListing, SUCCESS_LOG } from '../../support/local-store.js';
import { mockedS3, noSuchKey, type S3Mock } from '../s3-mock.js';

const MiB = 1024 ** 2;
const TODAY = '2026-11-23T02:00:00.000Z';
const KEY = 'images/vios1/vios1_mksysb_2026-11-23';
const ARCHIVE_KEY = `${KEY}.viosbr.tar.gz`;

/** A one-file ustar archive, gzip'd: what viosbr -backup writes. */
function viosbrArchive(name: string, text: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'latin1');
  header.write('0000640\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${text.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const data = Buffer.alloc(Math.ceil(text.length / 512) * 512);
  data.write(text);
  return gzipSync(Buffer.concat([header, data, Buffer.alloc(1024)]));
}
const ARCHIVE = viosbrArchive(
  'vios1_mksysb_2026-11-23.viosbr.xml',
  '<?xml version="1.0"?>\n<vios-backup/>\n',
);
const ARCHIVE_SHA = createHash('sha256').update(ARCHIVE).digest('hex');

const INSPECTED: InspectImageOutput = {
  complete: true,
  sizeBytes: 600 * MiB,
  content: {
    bytesRead: 600 * MiB,
    sha256: 'c'.repeat(64),
    entries: 1500,
    files: 1400,
    directories: 100,
    contentBytes: 500 * MiB,
    complete: true,
    problem: null,
    volumeGroup: 'rootvg',
    bootFiles: {
      present: [
        './bosinst.data',
        './image.data',
        './unix',
        './sbin/rc.boot',
        './etc/inittab',
        './etc/filesystems',
      ],
      missing: [],
      empty: [],
    },
    imageData: null,
    index: { entries: 1500, complete: true },
  },
  indexKey: `${KEY}.index.gz`,
  checkedAt: TODAY,
  seconds: 4,
};
const event = {
  runId: 'run-2026-11-23',
  host: 'vios1',
  kind: 'mksysb',
  date: TODAY,
  key: KEY,
  sizeBytes: 600 * MiB,
  sha256: 'c'.repeat(64),
  content: INSPECTED,
  viosbr: { status: 'ok', exit: 0, sizeBytes: ARCHIVE.length, sha256: ARCHIVE_SHA },
};
const objects: Record<string, Buffer> = {
  [`${KEY}.lsmksysb`]: Buffer.from(lsmksysbListing(TODAY, { backupMB: 600, shrinkMB: 500 })),
  [`${KEY}.log`]: Buffer.from(SUCCESS_LOG),
  [ARCHIVE_KEY]: ARCHIVE,
};
const bytesBody = (bytes: Buffer) =>
  Object.assign(Readable.from([bytes]), {
    transformToString: async () => bytes.toString('utf8'),
    transformToByteArray: async () => new Uint8Array(bytes),
  }) as unknown as GetObjectCommandOutput['Body'];
const written = (mock: S3Mock) =>
  JSON.parse(
    String(
      mock.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key === `${KEY}.record.json`)?.args[0]
        .input.Body,
    ),
  ) as ImageRecord & { hostKind?: string; viosbr?: unknown };

let s3: S3Mock;
let deps: Parameters<typeof verifyImage>[1];
beforeEach(() => {
  const mocked = mockedS3();
  s3 = mocked.s3;
  deps = {
    s3: mocked.client,
    bucket: 'vault',
    policy: DEFAULT_VERIFICATION_POLICY,
    historyLimit: 26,
    now: () => new Date(TODAY),
    warn: () => {},
  };
  s3.on(HeadObjectCommand).resolves({ ContentLength: 600 * MiB, ETag: '"abc-10"' });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const bytes = objects[input.Key];
    if (bytes === undefined) throw noSuchKey();
    return { Body: bytesBody(bytes) };
  });
  s3.on(ListObjectsV2Command).resolves({
    Contents: [KEY, `${KEY}.log`, ARCHIVE_KEY].map((Key) => ({ Key, Size: 1 })),
  });
  s3.on(PutObjectCommand).resolves({});
});

describe('verify of a VIOS image', () => {
  it('records the viosbr archive it read: hostKind vios, its SHA-256 and XML, and the image PASS', async () => {
    const out = await verifyImage(event, deps);
    expect(out.anomalies.map((a) => a.code).filter((c) => c.startsWith('VIOSBR'))).toEqual([]);
    const record = written(s3);
    expect({ hostKind: record.hostKind, viosbr: record.viosbr }).toEqual({
      hostKind: 'vios',
      viosbr: {
        key: ARCHIVE_KEY,
        sizeBytes: ARCHIVE.length,
        sha256: ARCHIVE_SHA,
        xmlFiles: ['vios1_mksysb_2026-11-23.viosbr.xml'],
        codes: [],
      },
    });
  });

  it('fails the image with VIOSBR_MISSING when viosbr failed, and still writes its record', async () => {
    const out = await verifyImage(
      { ...event, viosbr: { status: 'failed', exit: 1, sizeBytes: null, sha256: null } },
      deps,
    );
    expect(out.verdict).toBe('FAIL');
    expect(out.anomalies.map((a) => a.code)).toContain('VIOSBR_MISSING');
    expect(written(s3).viosbr).toMatchObject({ sha256: null, codes: ['VIOSBR_MISSING'] });
  });

  it('fails the image with VIOSBR_INVALID when the stored archive is not what the VIOS hashed', async () => {
    const out = await verifyImage({ ...event, viosbr: { ...event.viosbr, sha256: 'f'.repeat(64) } }, deps);
    expect(out.anomalies.map((a) => a.code)).toContain('VIOSBR_INVALID');
  });
});

describe('verify of an ioscli VIOS image, which nobody could list', () => {
  const imageData = {
    source: './image.data',
    volumeGroup: 'rootvg',
    logicalVolumes: ['hd5', 'hd6', 'hd8', 'hd4', 'hd2', 'hd9var', 'hd3', 'hd1'],
    fileSystems: ['/', '/usr', '/var', '/tmp', '/home'],
    fileSystemsMissing: [],
    problems: [],
  };
  const unlisted = {
    ...event,
    listing: 'none',
    content: { ...INSPECTED, content: { ...INSPECTED.content, imageData } },
  };
  beforeEach(() => {
    // The relay has no lsmksysb: no listing sidecar in the store.
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const bytes = input.Key.endsWith('.lsmksysb') ? undefined : objects[input.Key];
      if (bytes === undefined) throw noSuchKey();
      return { Body: bytesBody(bytes) };
    });
  });

  it("is judged as a listed image would be, on the stored archive's image.data: no LSMKSYSB_UNPARSABLE", async () => {
    const out = await verifyImage(unlisted, deps);
    expect(written(s3).lsmksysb).toBeNull();
    // The same image with a listing (the oem_setup_env path) has every finding it has (and those of
    // comparing the listing with image.data).
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const bytes = objects[input.Key];
      if (bytes === undefined) throw noSuchKey();
      return { Body: bytesBody(bytes) };
    });
    const listed = await verifyImage({ ...unlisted, listing: 'host' }, deps);
    const codes = out.anomalies.map((a) => a.code);
    expect(listed.anomalies.map((a) => a.code)).toEqual(expect.arrayContaining(codes));
    expect(codes.filter((c) => c === 'LSMKSYSB_UNPARSABLE' || c === 'NOT_BOOTABLE')).toEqual([]);
  });

  it('is NOT_BOOTABLE when its image.data lacks hd5, or the archive has no image.data', async () => {
    const noBoot = { ...imageData, logicalVolumes: imageData.logicalVolumes.filter((lv) => lv !== 'hd5') };
    const without = await verifyImage(
      { ...unlisted, content: { ...INSPECTED, content: { ...INSPECTED.content, imageData: noBoot } } },
      deps,
    );
    expect(without.verdict).toBe('FAIL');
    expect(without.anomalies.filter((a) => a.code === 'NOT_BOOTABLE').map((a) => a.message)).toEqual([
      "no listing, and the image's ./image.data lacks hd5: the image cannot boot",
    ]);
    const none = await verifyImage({ ...unlisted, content: INSPECTED }, deps);
    expect(none.anomalies.filter((a) => a.code === 'NOT_BOOTABLE').map((a) => a.message)).toEqual([
      'no listing, and no image.data in the stored archive: nothing shows it is a bootable rootvg',
    ]);
  });

  it('still fails an LPAR image without a listing, whatever the input says (no viosbr claim: not a VIOS)', async () => {
    const { viosbr: _, ...lpar } = unlisted;
    const out = await verifyImage(lpar, deps);
    expect(out.anomalies.map((a) => a.code)).toContain('LSMKSYSB_UNPARSABLE');
    expect(out.verdict).toBe('FAIL');
  });
});
