// The store commands as a user runs them: spawned `mksysb-vault status | history | report |
// retention | restore-kit` against a local data directory seeded with a fleet's records.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anomaly } from '../../lambdas/core/anomaly.js';
import { rebuildHost } from '../../lib/cli/catalog.js';
import { LOCAL_BUCKET, localPaths } from '../../lib/local/paths.js';
import { startLocalS3 } from '../../lib/local/s3-server.js';
import { afterConfigLine, runCliAsync } from '../support/cli.js';
import { makeRecord, seedImage, weeklyDates } from '../support/local-store.js';

const GiB = 1024 ** 3;
const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-cli-'));
// The clock is passed in: ages are counted from the morning of the newest images, whatever today is.
const NOW = '2026-11-23T06:00:00Z';
const cli = (...args: string[]) => runCliAsync([...args, '--data', data], { env: { MKSYSB_VAULT_NOW: NOW } });

beforeAll(async () => {
  const paths = localPaths(data);
  const s3 = await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET });
  const client = s3.client();
  // aixprd01: ten good weeks, its staging filesystem losing 2 GiB of free space a week (40 GiB free
  // at the newest preflight, 1.5 × 20 GiB needed). dbqa09: good, then a 4 MB image (no preflight
  // readings: records older than version 4). Dates newest 2026-11-23 (a Monday).
  for (const [i, date] of weeklyDates('2026-11-23', 10).entries()) {
    const expected = 20 * GiB + Math.max(0, i - 1) * 1e7;
    const staging = {
      mount: '/mksysb',
      freeBytes: (58 - 2 * i) * GiB,
      requiredBytes: Math.round(expected * 1.5),
      mksysbExpectedBytes: expected,
      savevgExpectedBytes: 0,
    };
    await seedImage(
      client,
      s3.bucket,
      makeRecord({ host: 'aixprd01', date, sizeBytes: 20 * GiB + i * 1e7, staging }),
    );
  }
  for (const date of weeklyDates('2026-11-16', 4))
    await seedImage(client, s3.bucket, makeRecord({ host: 'dbqa09', date, sizeBytes: 4 * GiB }));
  await seedImage(
    client,
    s3.bucket,
    makeRecord({
      host: 'dbqa09',
      date: '2026-11-23',
      sizeBytes: 4 * 1024 * 1024,
      verdict: 'FAIL',
      anomalies: [anomaly('TINY_IMAGE', 'fail', 'image is 4.0 MB, expected about 4.0 GB', {})],
    }),
  );
  // The store as verify leaves it: each host's catalog index beside its records (status reads it).
  for (const host of ['aixprd01', 'dbqa09'])
    await rebuildHost({ client, bucket: s3.bucket }, host, { dryRun: false, startedAt: new Date(NOW) });
  client.destroy();
  await s3.close();
  writeFileSync(
    paths.state,
    JSON.stringify({
      nextRunDate: '2026-11-30',
      clock: '2026-11-23T06:00:00Z',
      fleet: [
        { host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0' },
        { host: 'dbqa09', managedNodeId: 'mi-0123456789abcdef0' },
        { host: 'newlpar', managedNodeId: 'mi-0123456789abcdef0' },
      ],
    }),
  );
}, 60_000);

afterAll(() => undefined);

describe.concurrent('mksysb-vault status', () => {
  it('shows one row per host with verdict, age and the hosts never backed up, and exits 2', async () => {
    const r = await cli('status');
    expect(r.stderr).toContain(`local store ${data}: config none (the local run's fleet; defaults)`);
    expect(afterConfigLine(r.stderr)).toBe('');
    expect(r.stdout).toMatch(/aixprd01\s+2026-11-23\s+0d\s+20\.\d GB\s+PASS\s+\S+\s+-\s+OK/);
    expect(r.stdout).toMatch(/dbqa09\s+2026-11-23\s+0d\s+4\.0 MB\s+FAIL\s+.*FAIL\s+-\s+TINY_IMAGE/);
    expect(r.stdout).toMatch(/newlpar\s+never/);
    expect(r.stdout).toContain('next run: 2026-11-30 (local clock)');
    expect(r.status).toBe(2);
  });

  it('counts ages from the clock it is given: a month on, the same images are stale', async () => {
    const r = await runCliAsync(['status', '--data', data], {
      env: { MKSYSB_VAULT_NOW: '2026-12-23T06:00:00Z' },
    });
    expect(r.stdout).toMatch(/aixprd01\s+2026-11-23\s+30d\s+.*STALE/);
  });

  it('refuses a clock that is not a date, naming the variable', async () => {
    const r = await runCliAsync(['status', '--data', data], { env: { MKSYSB_VAULT_NOW: 'yesterday' } });
    expect(r.stderr).toContain('MKSYSB_VAULT_NOW=yesterday: not a date');
    expect(r.status).toBe(64);
  });

  it('prints JSON with --json', async () => {
    const r = await cli('status', '--json');
    const json = JSON.parse(r.stdout) as { hosts: { host: string; state: string }[] };
    expect(json.hosts.map((h) => [h.host, h.state])).toEqual([
      ['aixprd01', 'ok'],
      ['dbqa09', 'fail'],
      ['newlpar', 'never'],
    ]);
  });
});

describe.concurrent('mksysb-vault status --forecast', () => {
  it('prints the weeks until each staging filesystem is too small and the bucket 3 and 12 months ahead', async () => {
    const r = await cli('status', '--forecast');
    // 9.9 GiB of margin losing 2 GiB of free space and 1.5 × 10 MB of image a week: 4 weeks.
    expect(r.stdout).toMatch(
      /aixprd01\s+in 4 weeks \(2026-12-2\d\)\s+40\.0 GB\s+30\.\d GB\s+\+9\.5 MB\/wk\s+-2\.0 GB\/wk\s+STAGING_FULL_SOON/,
    );
    expect(r.stdout).toMatch(/dbqa09\s+unknown: no preflight reading yet\s+-/);
    expect(r.stdout).toMatch(/now \(2026-11-23\): 15 images, 216 GB, \$\d+\.\d\d\/month/);
    expect(r.stdout).toMatch(/in 3 months \(2027-02-23\): \d+ images/);
    expect(r.stdout).toMatch(/in 12 months \(2027-11-23\): \d+ images/);
    expect(r.status).toBe(2);
  });
});

describe.concurrent('mksysb-vault history', () => {
  it("lists a host's images newest first with their anomalies", async () => {
    const r = await cli('history', 'dbqa09');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^DATE\s+IMAGE\s+SIZE\s+VERDICT/);
    expect(lines[1]).toMatch(
      /^2026-11-23\s+mksysb\s+4\.0 MB\s+FAIL\s+7300-02-01-2346\s+TINY_IMAGE: image is 4\.0 MB/,
    );
    expect(lines).toHaveLength(6);
  });

  it('names the known hosts when the host is not in the store', async () => {
    const r = await cli('history', 'nosuchhost');
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('no host "nosuchhost"');
    expect(r.stderr).toContain('hosts: aixprd01, dbqa09, newlpar');
  });

  it('refuses a host name with shell metacharacters', async () => {
    const r = await cli('history', 'a;rm -rf /');
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('is not valid');
  });
});

describe.concurrent('mksysb-vault report', () => {
  it('writes a self-contained HTML report of every host', async () => {
    const out = join(data, 'report.html');
    const r = await cli('report', '--out', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('3 hosts, 15 images');
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('dbqa09');
    expect(html).toContain('TINY_IMAGE');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('says which directory of --out is missing', async () => {
    const r = await cli('report', '--out', join(data, 'no-such-dir', 'r.html'));
    expect(r.status).toBe(64);
    expect(r.stderr).toContain(
      `--out ${join(data, 'no-such-dir', 'r.html')}: the directory ${join(data, 'no-such-dir')} does not exist`,
    );
  });
});

describe.concurrent('mksysb-vault retention', () => {
  it('shows what would be deleted and why, and deletes nothing', async () => {
    const r = await cli('retention', '--dry-run');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/aixprd01\s+2026-\d\d-\d\d\s+aixprd01_mksysb_\S+\s+PASS\s+DELETE/);
    expect(r.stdout).toContain('(dry run: nothing deleted; --apply to delete)');
    expect(r.stdout).not.toMatch(/dbqa09\s+2026-11-23/);
    // Still all there.
    expect((await cli('history', 'aixprd01')).stdout.trim().split('\n')).toHaveLength(11);
  });
});

describe.concurrent('mksysb-vault restore-kit', () => {
  it('restores from the newest PASS image, not the failed one, with its checksum and NIM lines', async () => {
    const r = await cli('restore-kit', 'dbqa09');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('images/dbqa09/dbqa09_mksysb_2026-11-16');
    expect(r.stdout).toContain(`# expect: ${'a'.repeat(64)}`);
    expect(r.stdout).toMatch(/nim -o define -t mksysb .* dbqa09_mksysb_20261116/);
    expect(r.stdout).toMatch(/nim -o bos_inst .* dbqa09/);
    expect(r.stdout).toContain('alt_disk_mksysb -m');
  });

  it('lists the dates it has when --date matches no image', async () => {
    const r = await cli('restore-kit', 'aixprd01', '--date', '2020-01-01');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('has no mksysb image of 2020-01-01 (it has: 2026-11-23');
  });
});

describe('mksysb-vault restore-kit --vg', () => {
  const vgData = mkdtempSync(join(tmpdir(), 'mksysb-vault-store-vg-'));
  const vgCli = (...args: string[]) => runCliAsync([...args, '--data', vgData]);
  beforeAll(async () => {
    const paths = localPaths(vgData);
    const s3 = await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET });
    const client = s3.client();
    // dbqa09: a mksysb and its datavg, saved with savevg beside it.
    await seedImage(
      client,
      s3.bucket,
      makeRecord({ host: 'dbqa09', date: '2026-11-16', sizeBytes: 4 * GiB }),
    );
    await seedImage(
      client,
      s3.bucket,
      makeRecord({
        host: 'dbqa09',
        date: '2026-11-16',
        kind: 'savevg',
        volumeGroup: 'datavg',
        sizeBytes: 2 * GiB,
      }),
    );
    client.destroy();
    await s3.close();
  }, 60_000);

  it('gives a restvg kit for a savevg image with --vg, and none of the NIM lines', async () => {
    const r = await vgCli('restore-kit', 'dbqa09', '--vg', 'datavg');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('images/dbqa09/dbqa09_savevg_datavg_2026-11-16');
    expect(r.stdout).toContain('restvg -l -f /export/mksysb/dbqa09_savevg_datavg_2026-11-16');
    expect(r.stdout).toMatch(/restvg -q -f \/export\/mksysb\/dbqa09_savevg_datavg_2026-11-16 hdisk1/);
    expect(r.stdout).not.toContain('bos_inst');
  });

  it('says which savevg images a host has when --vg names none', async () => {
    const r = await vgCli('restore-kit', 'dbqa09', '--vg', 'appvg');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('dbqa09 has no PASS or WARN savevg image of appvg to restore from');
  });
});

describe.concurrent('store errors', () => {
  it('says there is no local store yet and how to make one', async () => {
    const r = await runCliAsync(['status', '--data', join(data, 'nothing-here')]);
    expect(r.status).toBe(69);
    expect(r.stderr).toContain('no local store at');
    expect(r.stderr).toContain('npm start');
  });

  it('names the config file and field that are wrong', async () => {
    const bad = join(data, 'bad.json');
    writeFileSync(bad, JSON.stringify({ fleet: [{ host: 'x', managedNodeId: 'nope', extra: 1 }] }));
    const r = await cli('status', '--config', bad);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('bad.json: invalid config');
    expect(r.stderr).toContain('fleet[0].managedNodeId');
    expect(r.stderr).toContain('Unrecognized key: "extra"');
  });

  it('says a bucket cannot be reached, with the bucket and why', async () => {
    const r = await cli('status', '--bucket', 'mksysb-vault-nowhere', '--region', 'eu-west-1');
    expect(r.status).toBe(69);
    expect(r.stderr).toContain('cannot reach s3://mksysb-vault-nowhere (eu-west-1)');
    expect(existsSync(data)).toBe(true);
  });
});
