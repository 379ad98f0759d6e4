// bin/mksysb-vault.mjs chooses what runs: the compiled CLI in dist/ while it is at least as new as
// every TypeScript source, the sources through tsx as soon as one is newer (an edit not yet built),
// and the compiled one alone where there are no sources (an installed package). Tried on a copy of
// the launcher in a package of two one-line CLIs that say which they are.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const pkg = mkdtempSync(join(tmpdir(), 'mksysb-vault-launcher-'));
afterAll(() => rmSync(pkg, { recursive: true, force: true }));

mkdirSync(join(pkg, 'bin'));
mkdirSync(join(pkg, 'dist', 'bin'), { recursive: true });
mkdirSync(join(pkg, 'lib'));
copyFileSync(join(REPO_ROOT, 'bin', 'mksysb-vault.mjs'), join(pkg, 'bin', 'mksysb-vault.mjs'));
symlinkSync(join(REPO_ROOT, 'node_modules'), join(pkg, 'node_modules'));
writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'mksysb-vault', type: 'module' }));
const cli = (which: string) =>
  `export async function main(argv) { console.log('${which}', argv.join(' ')); return 0; }\n`;
writeFileSync(join(pkg, 'bin', 'cli.ts'), cli('sources'));
writeFileSync(join(pkg, 'dist', 'bin', 'cli.js'), cli('compiled'));
const source = join(pkg, 'lib', 'module.ts');
writeFileSync(source, 'export {};\n');

const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
const launch = () => {
  const r = spawnSync(process.execPath, [join(pkg, 'bin', 'mksysb-vault.mjs'), 'status', '--json'], {
    encoding: 'utf8',
  });
  return `${r.stdout.trim()}${r.stderr.trim()} (exit ${r.status})`;
};

describe('the mksysb-vault launcher', () => {
  it('runs the compiled CLI with the arguments when dist/ is as new as every source', () => {
    at(source, 1_000_000);
    at(join(pkg, 'bin', 'cli.ts'), 1_000_000);
    at(join(pkg, 'dist', 'bin', 'cli.js'), 1_000_000);
    expect(launch()).toBe('compiled status --json (exit 0)');
  });

  it('runs the sources through tsx when one of them is newer than the build', () => {
    at(source, 1_000_100);
    expect(launch()).toBe('sources status --json (exit 0)');
  });

  it('runs the compiled CLI where there are no sources, as in an installed package', () => {
    rmSync(source);
    rmSync(join(pkg, 'bin', 'cli.ts'));
    at(join(pkg, 'dist', 'bin', 'cli.js'), 1_000);
    expect(launch()).toBe('compiled status --json (exit 0)');
  });
});
