// `mksysb-vault ack` as an operator runs it against a local store: acknowledge a dead host's
// HOST_UNREACHABLE until a date, see it in `ack --list` and `status` (whose state stays FAIL), clear
// it; and the mistakes refused before anything is written (unknown code or host, a past date, a
// bucket without its config).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKET, localPaths } from '../../lib/local/paths.js';
import { startLocalS3 } from '../../lib/local/s3-server.js';
import { runCliAsync } from '../support/cli.js';
import { makeRecord, seedImage } from '../support/local-store.js';

const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-ack-'));
const NOW = '2026-11-23T06:00:00Z';
const cli = (...args: string[]) => runCliAsync([...args, '--data', data], { env: { MKSYSB_VAULT_NOW: NOW } });

beforeAll(async () => {
  const paths = localPaths(data);
  const s3 = await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET });
  const client = s3.client();
  await seedImage(client, s3.bucket, makeRecord({ host: 'aixdead1', date: '2026-10-19T02:00:00.000Z' }));
  client.destroy();
  await s3.close();
  // The local run's own config (its scenario) is known: ack may write to this store.
  writeFileSync(
    paths.state,
    JSON.stringify({
      nextRunDate: '2026-11-30',
      clock: NOW,
      scenario: 'config/local-scenario.json',
      fleet: [{ host: 'aixdead1', managedNodeId: 'mi-0123456789abcdef0' }],
    }),
  );
}, 60_000);

describe('mksysb-vault ack', () => {
  it('acknowledges a code until the end of a day, lists it, shows it in status, and clears it', async () => {
    const set = await cli(
      'ack',
      'aixdead1',
      'HOST_UNREACHABLE',
      '--until',
      '2026-12-31',
      '--reason',
      'decommissioned',
    );
    expect(set.status).toBe(0);
    expect(set.stdout).toContain(
      'acknowledged HOST_UNREACHABLE of aixdead1 until 2026-12-31T23:59:59.999Z (acks/aixdead1/HOST_UNREACHABLE.json)',
    );

    const list = await cli('ack', '--list');
    expect(list.stdout).toMatch(
      /aixdead1\s+HOST_UNREACHABLE\s+2026-12-31T23:59:59\.999Z\s+active\s+decommissioned/,
    );

    const status = await cli('status');
    expect(status.stdout).toMatch(/aixdead1\s+2026-10-19\s+35d\s+.*STALE/);
    expect(status.stdout).toContain(
      'aixdead1  HOST_UNREACHABLE acknowledged until 2026-12-31 (decommissioned)',
    );
    expect(status.status).toBe(2);

    const clear = await cli('ack', '--clear', 'aixdead1', 'HOST_UNREACHABLE');
    expect(clear.status).toBe(0);
    expect((await cli('ack', '--list')).stdout).toContain('no acknowledgements');
  });

  it('refuses an unknown code, an unknown host and a date that is past or too far, writing nothing', async () => {
    const results = await Promise.all([
      cli('ack', 'aixdead1', 'HOST_DOWN', '--until', '2026-12-31'),
      cli('ack', 'aixnone1', 'STALE', '--until', '2026-12-31'),
      cli('ack', 'aixdead1', 'STALE', '--until', '2026-11-01'),
      cli('ack', 'aixdead1', 'STALE', '--until', '2028-01-01'),
      cli('ack', 'aixdead1', 'STALE'),
    ]);
    expect(results.map((r) => r.status)).toEqual([64, 64, 64, 64, 64]);
    expect(results[0]?.stderr).toContain('"HOST_DOWN" is not an alert code');
    expect(results[1]?.stderr).toContain('no host "aixnone1"');
    expect(results[2]?.stderr).toContain('not after now');
    expect(results[3]?.stderr).toContain('at most 366 days ahead');
    expect(results[4]?.stderr).toContain('until when?');
  });

  it('refuses to write to a bucket without its config (exit 64, before the bucket is reached)', async () => {
    const r = await runCliAsync(
      ['ack', 'aixdead1', 'STALE', '--until', '2026-12-31', '--bucket', 'vault-prod'],
      {
        env: { MKSYSB_VAULT_NOW: NOW },
      },
    );
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('ack changes s3://vault-prod by its config and refuses to guess');
  });
});
