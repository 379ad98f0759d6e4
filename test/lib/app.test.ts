// bin/app.ts as `cdk synth` runs it: a bad config is one readable error and a non-zero exit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function runApp(configPath: string) {
  const outdir = mkdtempSync(join(tmpdir(), 'mksysb-vault-app-'));
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ 'mksysb-vault:config': configPath, 'aws:cdk:bundling-stacks': [] }),
    },
  });
}

describe('bin/app.ts', () => {
  it('prints the ConfigError naming the bad field and exits 1, without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-bad-config-'));
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ fleet: [{ host: '$(reboot)', managedNodeId: 'mi-0123456789abcdef0' }] }),
    );
    const result = runApp(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file}: invalid config`);
    expect(result.stderr).toMatch(/^fleet\[0\]\.host: not an AIX host name/m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('says which config file is missing', () => {
    const result = runApp('config/does-not-exist.json');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('config/does-not-exist.json: config file not found');
  });
});
