// readText against the local S3 server: a sidecar larger than the limit is read as its start and its
// end (where a run log's verdict is), never whole; one that fits comes back as it is.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readText } from '../../lambdas/adapters/catalog.js';
import { startTestStore, type TestStore } from '../support/local-store.js';

let store: TestStore;
const KiB = 1024;

beforeAll(async () => {
  store = await startTestStore();
});
afterAll(async () => {
  await store?.close();
});

const put = (Key: string, Body: string) =>
  store.client().send(new PutObjectCommand({ Bucket: store.bucket, Key, Body }));

describe('readText with maxBytes', () => {
  it('reads an oversized log as its first 256 KiB and its last bytes, saying what it left out', async () => {
    const middle = 'x'.repeat(2 * 1024 * KiB);
    const log = `Backing up 80239 files\n${middle}\n0512-038 mksysb: Backup Completed Successfully.\n`;
    await put('big.log', log);
    const text = await readText({ client: store.client(), bucket: store.bucket }, 'big.log', {
      action: 'reading',
      maxBytes: 300 * KiB,
    });
    expect(text?.startsWith('Backing up 80239 files\n')).toBe(true);
    expect(text?.endsWith('0512-038 mksysb: Backup Completed Successfully.\n')).toBe(true);
    expect(text).toContain(`bytes of big.log left out (it is ${Buffer.byteLength(log)} bytes)`);
    expect(text?.length).toBeLessThan(310 * KiB);
  });

  it('returns a sidecar that fits unchanged, in one read', async () => {
    await put('small.log', 'Backing up 12 files\n0512-038 mksysb: Backup Completed Successfully.\n');
    expect(
      await readText({ client: store.client(), bucket: store.bucket }, 'small.log', {
        action: 'reading',
        maxBytes: 300 * KiB,
      }),
    ).toBe('Backing up 12 files\n0512-038 mksysb: Backup Completed Successfully.\n');
  });

  it('answers null for a missing optional sidecar', async () => {
    expect(
      await readText({ client: store.client(), bucket: store.bucket }, 'none.log', {
        action: 'reading',
        optional: true,
        maxBytes: 300 * KiB,
      }),
    ).toBeNull();
  });
});
