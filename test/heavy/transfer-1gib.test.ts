// A 1 GiB image through the transfer script (relay mode: each part read with dd over the simulated
// ssh) to the local S3 server through real presigned multipart URLs made by prepare-upload's logic,
// parts in parallel, completed by complete-upload's logic from the ETags the script reported; the
// object's bytes equal the image's by SHA-256.
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { type LocalS3, startLocalS3 } from '../../lib/local/s3-server.js';
import { simEnv } from '../../lib/sim-lpar/index.js';
import { fleetOf, runScript, SMALL_HOST, tempDir, writeScripts } from '../host-scripts/harness.js';
import {
  completeImageUpload,
  fileSha256,
  objectSha256,
  type PartWatch,
  prepareImageUpload,
  startPartWatch,
} from '../host-scripts/s3-upload.js';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
let s3: LocalS3;
let store: PartWatch;
// A GiB image and two GiB in the store: nothing is left behind in the temp dir.
const made: string[] = [];
beforeAll(async () => {
  s3 = await startLocalS3({ directory: made[made.push(tempDir('mvs3big')) - 1] as string });
  store = await startPartWatch(s3.endpoint, s3.bucket);
});
afterAll(async () => {
  await store?.close();
  await s3?.close();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A sparse 1 GiB file with a distinct stamp at every MiB: a part out of place changes the hash. */
function writeStampedImage(path: string, size: number): void {
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < size; at += MiB)
      writeSync(fd, Buffer.from(`mksysb-vault MiB ${at / MiB}\n`), 0, undefined, at);
    writeSync(fd, Buffer.from('end'), 0, undefined, size - 3);
  } finally {
    closeSync(fd);
  }
}

it('transfers a 1 GiB image in parallel parts through presigned multipart URLs, byte for byte', async () => {
  const fleet = fleetOf([SMALL_HOST]);
  made.push(fleet.dir);
  const image = join(fleet.stagingDir('lpar01'), 'lpar01_mksysb_2025-03-02');
  writeStampedImage(image, SIZE);
  const upload = await prepareImageUpload(store, {
    host: 'lpar01',
    date: '2025-03-02',
    sizeBytes: SIZE,
    partSizeBytes: 64 * MiB,
  });
  const scripts = made[made.push(tempDir('mvxferbig')) - 1] as string;
  const script = writeScripts(scripts).transfer;
  const r = await runScript(
    'dash',
    script,
    [
      'mode=relay',
      'host=lpar01',
      'address=lpar01',
      `knownHostsPath=${fleet.knownHostsPath}`,
      `imagePath=${image}`,
      `manifestUrl=${upload.manifestUrl}`,
      'parallelParts=4',
    ],
    { env: simEnv(fleet.dir, 'lpar01', { mode: 'relay' }), timeoutMs: 300_000 },
  );
  expect(parseHostOutput(r.stdout, 'transfer')).toMatchObject({
    status: 'ok',
    partsTotal: 16,
    partsOk: 16,
    bytes: SIZE,
  });
  expect(store.maxInFlight()).toBeGreaterThanOrEqual(2);
  const done = await completeImageUpload(store, upload);
  expect(done).toMatchObject({ sizeBytes: SIZE, partCount: 16, checks: { size: 'ok', partEtags: 'ok' } });
  expect(await objectSha256(store, upload.key)).toBe(await fileSha256(image));
});
