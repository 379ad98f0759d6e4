import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliAsync } from '../support/cli.js';

// Synthetic listing in the real `lsmksysb -lf` layout; the parser's real-output tests use test/fixtures/.
const LISTING = `VOLUME GROUP:           rootvg
BACKUP DATE/TIME:       Mon Nov 23 02:14:09 UTC 2026
UNAME INFO:             AIX dbqa09 2 7 00F9C1964C00
BACKUP OSLEVEL:         7.2.5.0
MAINTENANCE LEVEL:      7200-05
BACKUP SIZE (MB):       19456
SHRINK SIZE (MB):       7100
VG DATA ONLY:           no

rootvg:
LV NAME             TYPE       LPs     PPs     PVs  LV STATE      MOUNT POINT
hd5                 boot       1       1       1    closed/syncd  N/A
hd6                 paging     16      16      1    open/syncd    N/A
hd4                 jfs2       8       8       1    open/syncd    /
hd2                 jfs2       40      40      1    open/syncd    /usr
`;
const LOG =
  'Backing up 71321 files\n71321 of 71321 files backed up (100%)\n0512-038 mksysb: Backup Completed Successfully.\n';
const dir = mkdtempSync(join(tmpdir(), 'verify-cli-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const listing = file('listing.txt', LISTING);
const log = file('mksysb.log', LOG);
const history = file(
  'history.json',
  JSON.stringify(
    [1, 2, 3].map((w) => ({
      date: new Date(Date.parse('2026-11-23T02:00:00Z') - w * 7 * 86_400_000).toISOString(),
      sizeBytes: 6442450944,
      verdict: 'PASS',
    })),
  ),
);

describe.concurrent('mksysb-vault verify', () => {
  it('prints the documented JSON object and exits 0 for a good image', async () => {
    const r = await runCliAsync([
      'verify',
      '--lsmksysb',
      listing,
      '--log',
      log,
      '--size',
      '6442450944',
      '--history',
      history,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.verdict).toBe('PASS');
    expect(out.anomalies).toEqual([]);
    expect(Object.keys(out.lsmksysb).sort()).toEqual(
      [
        'backupDate',
        'backupDateRaw',
        'backupSizeMB',
        'logicalVolumes',
        'maintenanceLevel',
        'osLevel',
        'shrinkSizeMB',
        'uname',
        'vgDataOnly',
        'volumeGroup',
      ].sort(),
    );
    expect(out.lsmksysb.backupSizeMB).toBe(19456);
    expect(out.lsmksysb.logicalVolumes[0]).toEqual({
      name: 'hd5',
      type: 'boot',
      lps: 1,
      pps: 1,
      pvs: 1,
      state: 'closed/syncd',
      mountPoint: null,
    });
    expect(out.log.outcome).toBe('success');
    expect(out.log.filesBackedUp).toBe(71321);
  });

  it('reads a fixture listing and a real log into the JSON object', async () => {
    const r = await runCliAsync([
      'verify',
      '--lsmksysb',
      'test/fixtures/synthetic/composite-aix71-full.txt',
      '--log',
      'test/fixtures/logs/mksysb-ok-ansible-lpar28.log',
      '--json',
    ]);
    const out = JSON.parse(r.stdout);
    expect(out.lsmksysb).toMatchObject({
      volumeGroup: 'rootvg',
      backupDate: '2013-03-27T23:07:10-05:00',
      backupSizeMB: 24896,
    });
    expect(out.lsmksysb.logicalVolumes).toHaveLength(11);
    expect(out.log).toMatchObject({ outcome: 'success', filesBackedUp: 80239 });
    expect(out.verdict).toBe('PASS');
    expect(r.status).toBe(0);
  });

  it('keeps the fields of a real header without its LV table in --json, and fails naming the table', async () => {
    const r = await runCliAsync([
      'verify',
      '--lsmksysb',
      'test/fixtures/lsmksysb/aix71-nim01-header-only.txt',
      '--json',
    ]);
    const out = JSON.parse(r.stdout);
    expect(out.verdict).toBe('FAIL');
    expect(out.anomalies.map((a: { code: string }) => a.code)).toContain('LSMKSYSB_UNPARSABLE');
    expect(JSON.stringify(out.anomalies)).toMatch(/no logical-volume table/);
    expect(out.lsmksysb).toMatchObject({
      volumeGroup: 'rootvg',
      backupDate: '2013-03-27T23:07:10-05:00',
      osLevel: '7.1.2.0',
      maintenanceLevel: '7100-00',
      backupSizeMB: 24896,
      shrinkSizeMB: 17634,
      logicalVolumes: [],
    });
    expect(r.status).toBe(2);
  });

  it('exits 2 and names TINY_IMAGE for a 4 MB image', async () => {
    const r = await runCliAsync([
      'verify',
      '--lsmksysb',
      listing,
      '--log',
      log,
      '--size',
      '4194304',
      '--history',
      history,
    ]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^FAIL/);
    expect(r.stdout).toMatch(/TINY_IMAGE\s+4\.0 MB vs 6\.0 GB expected/);
  });

  it('exits 1 for a warning (no log given)', async () => {
    const r = await runCliAsync([
      'verify',
      '--lsmksysb',
      listing,
      '--size',
      '6442450944',
      '--history',
      history,
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/LOG_MISSING/);
  });

  it('exits 64 naming the file when the listing does not exist', async () => {
    const r = await runCliAsync(['verify', '--lsmksysb', join(dir, 'nope.txt')]);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain(`mksysb-vault verify: --lsmksysb ${join(dir, 'nope.txt')}: no such file`);
    expect(r.stdout).toBe('');
  });

  it('exits 64 naming the entry and field of a bad history file', async () => {
    const bad = file(
      'bad-history.json',
      JSON.stringify([{ date: '2026-11-01', sizeBytes: 'big', verdict: 'PASS' }]),
    );
    const r = await runCliAsync(['verify', '--lsmksysb', listing, '--history', bad]);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/--history .*bad-history\.json: \[0\]\.sizeBytes/);
  });

  it('exits 64 naming the entry whose date is no ISO date', async () => {
    const bad = file(
      'us-date-history.json',
      JSON.stringify([{ date: '11/01/2026', sizeBytes: 1, verdict: 'PASS' }]),
    );
    const r = await runCliAsync(['verify', '--lsmksysb', listing, '--history', bad]);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/--history .*us-date-history\.json: \[0\]\.date not an ISO date/);
  });

  it('exits 64 on an unknown option, pointing at --help', async () => {
    const r = await runCliAsync(['verify', '--lsmksysb', listing, '--colour']);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/--colour.*mksysb-vault verify --help/);
  });

  it('prints its help with every option and exits 0', async () => {
    const r = await runCliAsync(['verify', '--help']);
    expect(r.status).toBe(0);
    for (const option of ['--lsmksysb', '--log', '--size', '--history', '--json'])
      expect(r.stdout).toContain(option);
  });

  it('lists the commands when run without one, and exits 64', async () => {
    const r = await runCliAsync([]);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/verify\s+judge one image/); // a usage error: not on standard output
    expect(r.stdout).toBe('');
  });
});
