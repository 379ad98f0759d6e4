// `mksysb-vault restore-kit` for a VIOS, against a local store seeded with a VIOS's record: the kit
// reinstalls it (installios or NIM) and restores its mappings with viosbr -restore from the archive
// the record names, checked against the SHA-256 the record holds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKET, localPaths } from '../../lib/local/paths.js';
import { startLocalS3 } from '../../lib/local/s3-server.js';
import { runCliAsync } from '../support/cli.js';
import { makeRecord, seedImage } from '../support/local-store.js';

const GiB = 1024 ** 3;
const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-vios-kit-'));
const IMAGE = 'images/vios1/vios1_mksysb_2026-11-16';

beforeAll(async () => {
  const s3 = await startLocalS3({ directory: localPaths(data).store, bucket: LOCAL_BUCKET });
  const client = s3.client();
  await seedImage(client, s3.bucket, {
    ...makeRecord({ host: 'vios1', date: '2026-11-16', sizeBytes: 4 * GiB }),
    hostKind: 'vios',
    viosbr: {
      key: `${IMAGE}.viosbr.tar.gz`,
      sizeBytes: 20_480,
      sha256: 'b'.repeat(64),
      xmlFiles: ['vios1_mksysb_2026-11-16.viosbr.xml'],
      codes: [],
    },
  });
  client.destroy();
  await s3.close();
}, 60_000);

describe('mksysb-vault restore-kit of a VIOS', () => {
  it('reinstalls it with installios or NIM, then restores its mappings from the stored viosbr archive', async () => {
    const r = await runCliAsync(['restore-kit', 'vios1', '--json', '--data', data]);
    expect(r.status, r.stderr).toBe(0);
    const kit = JSON.parse(r.stdout) as { hostKind?: string; steps: { commands: string[] }[] };
    const commands = kit.steps.flatMap((s) => s.commands);
    expect(kit.hostKind).toBe('vios');
    expect(commands).toContain(`# expect: ${'b'.repeat(64)}`);
    expect(commands.some((c) => c.startsWith('installios -s <managed system> -p vios1'))).toBe(true);
    expect(commands).toContain(
      'viosbr -restore -file /home/padmin/cfgbackups/vios1_mksysb_2026-11-16.viosbr.tar.gz -validate',
    );
  });
});
