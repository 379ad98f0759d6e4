// restore-test.sh on a simulated test LPAR, under ksh and dash: a good image restores and passes its
// checks, a disk in a volume group is refused before anything is downloaded, a damaged image fails
// in alt_disk_mksysb (the stand-in reads the real archive) and the alternate rootvg is cleaned up.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, truncateSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeRestoreTest, parseRestoreTestOutput } from '../../lambdas/core/restore-test.js';
import { fleetOf, runOnHostAsync, SHELLS, tempDir, writeScripts } from './harness.js';

const scripts = writeScripts(tempDir('mvrestore'));
const fleet = fleetOf([
  { host: 'tlpar01', spareDisks: 2 },
  { host: 'tlpar02', volumeGroups: ['rootvg', 'datavg'], spareDisks: 1 },
]);
const images = tempDir('mvrestoreimg');
const requests: string[] = [];
let server: Server;
let base = '';

function writeImage(name: string): { path: string; sha256: string } {
  const path = join(images, name);
  const r = spawnSync(
    process.execPath,
    [
      join(fleet.dir, 'bin/sim-archiver.mjs'),
      'write-mksysb',
      ...['--root', fleet.hostRoot('tlpar01'), '--out', path, '--hostname', 'aixprd01'],
      ...['--oslevel', '7200-05-03-2148', '--date', '2026-11-30', '--vg', 'rootvg'],
      ...['--size', String(4 * 1024 * 1024), '--files', '200'],
    ],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

let good: { path: string; sha256: string };
let damaged: { path: string; sha256: string };

beforeAll(async () => {
  good = writeImage('good');
  const cut = writeImage('damaged');
  truncateSync(cut.path, Math.floor(readFileSync(cut.path).length * 0.6));
  damaged = { path: cut.path, sha256: createHash('sha256').update(readFileSync(cut.path)).digest('hex') };
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const file = join(images, (req.url ?? '/').slice(1));
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

function args(host: string, disk: string, image: string, sha256: string): string[] {
  return [
    `host=${host}`,
    `disk=${disk}`,
    `imageUrl=${base}/${image}`,
    `sha256=${sha256}`,
    'osLevel=7.2.5.3',
    'workDir=/restoretest',
  ];
}

function untouched(host: string): void {
  const root = fleet.hostRoot(host);
  expect(existsSync(join(root, 'alt_inst'))).toBe(false);
  expect(existsSync(join(root, 'state/altinst.disk'))).toBe(false);
  expect(readdirSync(join(root, 'restoretest'))).toEqual([]);
}

describe.each(SHELLS)('restore-test.sh under %s', (shell) => {
  it('restores a good image to the spare disk, checks it and removes it again', async () => {
    const r = await runOnHostAsync(
      shell,
      scripts['restore-test'],
      fleet,
      'tlpar01',
      args('tlpar01', 'hdisk1', 'good', good.sha256),
    );
    expect(r.code, r.stderr).toBe(0);
    const facts = parseRestoreTestOutput(r.stdout);
    expect(facts).toMatchObject({ status: 'ok', diskVg: 'None', download: 'ok', sha256: good.sha256 });
    expect(facts).toMatchObject({
      altDiskMksysbExit: 0,
      wake: 'ok',
      oslevel: '7200-05-03-0000',
      keyFilesMissing: '',
      cleanup: 'ok',
    });
    expect(judgeRestoreTest(facts, { sha256: good.sha256, osLevel: '7.2.5.3' }).result).toBe('PASS');
    untouched('tlpar01');
  });
});

describe('restore-test.sh refusals and failures', () => {
  it('refuses a disk that belongs to a volume group, before downloading anything', async () => {
    const before = requests.length;
    const r = await runOnHostAsync(
      'ksh',
      scripts['restore-test'],
      fleet,
      'tlpar02',
      args('tlpar02', 'hdisk1', 'good', good.sha256),
    );
    expect(r.code).toBe(10);
    expect(r.stdout).toContain('reason=disk_in_use:hdisk1:datavg');
    expect(r.stdout).toContain('status=refused');
    expect(requests.length).toBe(before);
    untouched('tlpar02');
  });

  it("fails a damaged image in alt_disk_mksysb with restore's message, and cleans the disk up", async () => {
    const r = await runOnHostAsync(
      'dash',
      scripts['restore-test'],
      fleet,
      'tlpar01',
      args('tlpar01', 'hdisk2', 'damaged', damaged.sha256),
    );
    expect(r.code).toBe(11);
    const facts = parseRestoreTestOutput(r.stdout);
    expect(facts).toMatchObject({ status: 'failed', altDiskMksysbExit: 1, cleanup: 'ok' });
    const judged = judgeRestoreTest(facts, { sha256: damaged.sha256, osLevel: '7.2.5.3' });
    expect(judged.result).toBe('FAIL');
    expect(judged.reason).toMatch(/^alt_disk_mksysb: exit 1: 05/);
    untouched('tlpar01');
  });

  it("refuses to restore a download whose SHA-256 is not the record's", async () => {
    const r = await runOnHostAsync(
      'ksh',
      scripts['restore-test'],
      fleet,
      'tlpar01',
      args('tlpar01', 'hdisk1', 'good', 'f'.repeat(64)),
    );
    expect(r.stdout).toContain('reason=sha256_mismatch');
    expect(r.stdout).not.toContain('alt_disk_mksysb_exit=');
    untouched('tlpar01');
  });
});
