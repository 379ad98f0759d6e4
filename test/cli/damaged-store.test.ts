// The store commands on a damaged store, as a user runs them: a folder under images/ no host can have
// (`images/bad host!/junk`) and a record whose image object was deleted. Every command keeps working and
// says what it found, each with its code (STRAY_KEY, IMAGE_MISSING), never a silent PASS.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKET, localPaths } from '../../lib/local/paths.js';
import { startLocalS3 } from '../../lib/local/s3-server.js';
import { runCliAsync } from '../support/cli.js';
import { makeRecord, seedImage, weeklyDates } from '../support/local-store.js';

const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-damaged-'));
const NOW = '2026-11-23T06:00:00Z';
const cli = (...args: string[]) => runCliAsync([...args, '--data', data], { env: { MKSYSB_VAULT_NOW: NOW } });
const GONE = 'images/aixprd01/aixprd01_mksysb_2026-11-23';

beforeAll(async () => {
  const paths = localPaths(data);
  const s3 = await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET });
  const client = s3.client();
  for (const host of ['aixprd01', 'dbqa09'])
    for (const date of weeklyDates('2026-11-23T02:00:00.000Z', 3))
      await seedImage(client, s3.bucket, makeRecord({ host, date }));
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'images/bad host!/junk', Body: 'x' }));
  // The newest image of aixprd01 deleted by hand; its record stays and still says PASS.
  await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: GONE }));
  client.destroy();
  await s3.close();
  writeFileSync(
    paths.state,
    JSON.stringify({
      nextRunDate: '2026-11-30',
      clock: NOW,
      fleet: [
        { host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0' },
        { host: 'dbqa09', managedNodeId: 'mi-0123456789abcdef0' },
      ],
    }),
  );
}, 60_000);

describe.concurrent('a stray key and a missing image in the store', () => {
  it('status lists every host, names both with their codes, and never shows the missing image as fresh PASS', async () => {
    const r = await cli('status');
    expect(r.stderr).toContain('STRAY_KEY images/bad host!/junk');
    expect(r.stderr).toContain(`aixprd01: IMAGE_MISSING ${GONE}`);
    expect(r.stdout).toMatch(/aixprd01\s+2026-11-16\s+7d\s+.*FAIL\s+.*IMAGE_MISSING/);
    expect(r.stdout).toMatch(/dbqa09\s+2026-11-23\s+0d\s+.*OK/);
    expect(r.status).toBe(2);
  });

  it('history lists the images and marks the one whose object is gone', async () => {
    const r = await cli('history', 'aixprd01');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/2026-11-23\s+mksysb\s+.*IMAGE_MISSING/);
    expect(r.stderr).toContain(`IMAGE_MISSING ${GONE}`);
    expect(r.stderr).toContain('STRAY_KEY images/bad host!/junk');
  });

  it('retention --dry-run plans every host and reports the stray key', async () => {
    const r = await cli('retention', '--dry-run');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('STRAY_KEY images/bad host!/junk');
    expect(r.stdout).toContain('2 hosts');
  });

  it('report is written, with the missing image and the stray key in it', async () => {
    const out = join(data, 'report.html');
    const r = await cli('report', '--out', out);
    expect(r.status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`IMAGE_MISSING ${GONE}`);
    expect(html).toContain('STRAY_KEY images/bad host!/junk');
  });

  it('restore-kit refuses the missing image by name and points at the newest image there', async () => {
    const r = await cli('restore-kit', 'aixprd01', '--date', '2026-11-23');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`IMAGE_MISSING ${GONE}`);
    expect(r.stderr).toContain('restore-kit aixprd01 --date 2026-11-16');
  });

  it('restore-file and image refuse the missing image by name (exit 64), not a store error', async () => {
    for (const args of [
      ['restore-file', 'aixprd01', '/etc/hosts', '--date', '2026-11-23'],
      ['image', 'toc', '--host', 'aixprd01', '--date', '2026-11-23'],
    ]) {
      const r = await cli(...args);
      expect({ args, status: r.status }).toEqual({ args, status: 64 });
      expect(r.stderr).toContain(`IMAGE_MISSING ${GONE}: its record is there, the image object is not`);
    }
  });

  it('restore-kit without a date gives the kit of the newest image that is there', async () => {
    const r = await cli('restore-kit', 'aixprd01');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('images/aixprd01/aixprd01_mksysb_2026-11-16');
    expect(r.stdout).not.toContain(GONE);
    expect(r.stderr).toContain(`IMAGE_MISSING ${GONE}`);
  });
});
