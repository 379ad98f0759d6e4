// Which config a store command runs with, said on standard error every time; and a command that
// deletes never acts on a guessed one: `--bucket` without `--config` would otherwise read cdk.json's
// example config and delete by its retention policy.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKET, localPaths } from '../../lib/local/paths.js';
import { startLocalS3 } from '../../lib/local/s3-server.js';
import { runCliAsync } from '../support/cli.js';
import { makeRecord, seedImage } from '../support/local-store.js';

const NOW = '2026-11-23T06:00:00Z';
const env = { MKSYSB_VAULT_NOW: NOW };
const fleet = [{ host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0' }];
/** A local store made by hand (no scenario), and one the local run made with the bundled scenario. */
const bare = mkdtempSync(join(tmpdir(), 'mksysb-vault-config-bare-'));
const local = mkdtempSync(join(tmpdir(), 'mksysb-vault-config-local-'));

async function seed(data: string, state: Record<string, unknown>): Promise<void> {
  const paths = localPaths(data);
  const s3 = await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET });
  const client = s3.client();
  await seedImage(client, s3.bucket, makeRecord({ host: 'aixprd01', date: '2026-11-23T02:00:00.000Z' }));
  client.destroy();
  await s3.close();
  writeFileSync(paths.state, JSON.stringify({ nextRunDate: '2026-11-30', clock: NOW, fleet, ...state }));
}

beforeAll(async () => {
  await seed(bare, {});
  await seed(local, { scenario: 'config/local-scenario.json', scenarioWeeks: 1 });
}, 60_000);

describe.concurrent('the config a store command uses', () => {
  it('is said on standard error, with the retention policy and the age limit', async () => {
    const r = await runCliAsync(['status', '--data', bare], { env });
    expect(r.stderr).toContain(`local store ${bare}: config none (the local run's fleet; defaults)`);
    expect(r.stderr).toContain('retention weekly 3, monthly 6, FAIL images 14 days; STALE after 8 days');
  });

  it("is the local run's scenario config for a store the local run made, not the defaults", async () => {
    const r = await runCliAsync(['retention', '--dry-run', '--data', local], { env });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("config config/local-scenario.json (the local run's scenario)");
    expect(r.stderr).toContain('retention weekly 3, monthly 1,');
  });

  it('refuses retention --apply on a bucket without --config, naming the guess (exit 64, nothing opened)', async () => {
    const r = await runCliAsync(['retention', '--apply', '--bucket', 'mksysb-vault-prod'], { env });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain(
      'retention --apply changes s3://mksysb-vault-prod by its config and refuses to guess',
    );
    expect(r.stderr).toContain('give --config FILE');
    expect(r.stderr).toContain("config/example.config.json (cdk.json's mksysb-vault:config");
    expect(r.stderr).not.toContain('cannot reach');
  });

  it('refuses retention --apply on a local store whose config is not known', async () => {
    const r = await runCliAsync(['retention', '--apply', '--data', bare], { env });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('refuses to guess');
  });

  it("applies retention on a local store by the local run's own config", async () => {
    const r = await runCliAsync(['retention', '--apply', '--data', local], { env });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('0 deleted');
  });
});
