// `mksysb-vault report --evidence FILE.csv` as a user runs it, on a seeded local store: every row
// says what `status --json` says of that host (state, newest image, age; each savevg volume group's
// too), and a missing directory is refused before anything is read.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKET, localPaths } from '../../lib/local/paths.js';
import { startLocalS3 } from '../../lib/local/s3-server.js';
import { EVIDENCE_COLUMNS } from '../../lib/report/evidence-csv.js';
import { runCliAsync } from '../support/cli.js';
import { makeRecord, seedImage, weeklyDates } from '../support/local-store.js';

const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-evidence-'));
// The clock is passed in: ages are counted from a fixed morning, whatever today is.
const NOW = '2026-11-23T06:00:00Z';
const cli = (...args: string[]) => runCliAsync([...args, '--data', data], { env: { MKSYSB_VAULT_NOW: NOW } });

beforeAll(async () => {
  const paths = localPaths(data);
  const s3 = await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET });
  const client = s3.client();
  // aixprd01: fresh rootvg and datavg images. aixold01: its newest image is 15 days old (STALE).
  // aixgone1: its newest image object is gone (IMAGE_MISSING): the one before it is the evidence.
  for (const date of weeklyDates('2026-11-23T02:00:00.000Z', 2)) {
    await seedImage(client, s3.bucket, makeRecord({ host: 'aixprd01', date }));
    await seedImage(
      client,
      s3.bucket,
      makeRecord({ host: 'aixprd01', date, kind: 'savevg', volumeGroup: 'datavg' }),
    );
  }
  await seedImage(client, s3.bucket, makeRecord({ host: 'aixold01', date: '2026-11-08T02:00:00Z' }));
  await seedImage(client, s3.bucket, makeRecord({ host: 'aixgone1', date: '2026-11-16T02:00:00Z' }));
  const gone = makeRecord({ host: 'aixgone1', date: '2026-11-23T02:00:00Z' });
  await seedImage(client, s3.bucket, gone);
  await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: gone.key }));
  client.destroy();
  await s3.close();
  const node = 'mi-0123456789abcdef0';
  writeFileSync(
    paths.state,
    JSON.stringify({
      nextRunDate: '2026-11-30',
      clock: NOW,
      fleet: [
        { host: 'aixprd01', managedNodeId: node, volumeGroups: ['rootvg', 'datavg'] },
        { host: 'aixold01', managedNodeId: node },
        { host: 'aixgone1', managedNodeId: node },
        { host: 'newlpar', managedNodeId: node },
      ],
    }),
  );
}, 60_000);

/** The CSV's rows as objects by column (the seeded values hold no quoted fields). */
function parseRows(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.split('\r\n').filter((l) => l !== '');
  expect(header).toBe(EVIDENCE_COLUMNS.join(','));
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [EVIDENCE_COLUMNS[i] ?? '?', v])));
}

describe.concurrent('mksysb-vault report --evidence', () => {
  it('writes a row per host and series that agrees with status --json', async () => {
    const evidence = join(data, 'evidence.csv');
    const [report, status] = await Promise.all([
      cli('report', '--out', join(data, 'r.html'), '--evidence', evidence),
      cli('status', '--json'),
    ]);
    expect(report.status).toBe(0);
    expect(report.stdout).toContain(`wrote ${evidence} (5 rows: one per host and image series)`);
    expect(readdirSync(data).filter((f) => f.includes('.tmp'))).toEqual([]);
    const rows = parseRows(readFileSync(evidence, 'utf8'));
    const hosts = (JSON.parse(status.stdout) as { hosts: StatusHost[] }).hosts;
    expect(rows.map((r) => `${r.host} ${r.volume_group}`)).toEqual([
      'aixgone1 rootvg',
      'aixold01 rootvg',
      'aixprd01 rootvg',
      'aixprd01 datavg',
      'newlpar rootvg',
    ]);
    for (const row of rows) {
      const h = hosts.find((s) => s.host === row.host);
      if (!h) throw new Error(`status has no ${row.host}`);
      const series =
        row.kind === 'mksysb'
          ? { state: h.state, lastImage: h.lastImage, ageDays: h.ageDays }
          : h.savevg.find((vg) => vg.volumeGroup === row.volume_group);
      expect(series, `${row.host} ${row.volume_group}`).toBeDefined();
      expect(row.state).toBe(series?.state);
      expect(row.image_date).toBe(series?.lastImage ?? '');
      expect(row.age_days).toBe(series?.ageDays === null ? '' : String(series?.ageDays));
      expect(row.restore_tested_at).toBe('');
    }
    const byHost = (host: string) => rows.find((r) => r.host === host);
    expect(byHost('aixgone1')).toMatchObject({ state: 'fail', image_date: '2026-11-16T02:00:00Z' });
    expect(byHost('aixold01')).toMatchObject({ state: 'stale', retention_met: 'no' });
    expect(byHost('aixprd01')).toMatchObject({
      state: 'ok',
      retention_met: 'yes',
      sha256_matches_claim: 'yes',
      content_check: 'complete',
      lock_mode: 'unknown (no config)',
      run_id: 'run-2026-11-23',
    });
    expect(byHost('newlpar')).toMatchObject({ state: 'never', image_key: '', retention_met: 'no' });
  });

  it('refuses an --evidence path whose directory is missing, naming it, and writes nothing', async () => {
    const out = join(data, 'refused.html');
    const evidence = join(data, 'no-such-dir', 'e.csv');
    const r = await cli('report', '--out', out, '--evidence', evidence);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain(
      `--evidence ${evidence}: the directory ${join(data, 'no-such-dir')} does not exist`,
    );
    expect(existsSync(out)).toBe(false);
  });
});

interface StatusHost {
  host: string;
  state: string;
  lastImage: string | null;
  ageDays: number | null;
  savevg: { volumeGroup: string; state: string; lastImage: string | null; ageDays: number | null }[];
}
