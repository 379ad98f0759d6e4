// The package as someone else gets it (issue 15): `npm pack`, installed into an empty directory with
// the aws-cdk-lib and constructs it names as peers. There `npx mksysb-vault --version` and `--help`
// run the compiled CLI, and a second, tiny CDK app imports the construct from the package and
// synthesizes the pipeline. Installing needs the npm registry (or its cache): heavy, not in `npm test`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'mksysb-vault-pack-'));
const consumer = join(work, 'consumer');
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
};

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 600_000, env: process.env });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}:\n${result.stderr}`);
  return result;
}

let packed: string[] = [];

beforeAll(() => {
  run('npm', ['pack', '--silent', '--pack-destination', work], REPO_ROOT);
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack left no .tgz in ${work}`);
  packed = run('tar', ['-tzf', join(work, tarball)], work).stdout.split('\n');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  const peers = Object.entries(pkg.peerDependencies).map(([name, range]) => `${name}@${range}`);
  run('npm', ['install', '--no-audit', '--no-fund', '--silent', join(work, tarball), ...peers], consumer);
}, 900_000);

describe('the packed mksysb-vault, installed in an empty directory', () => {
  it('holds the compiled code and the files it reads at run time, not the TypeScript sources', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'package/dist/bin/cli.js',
        'package/dist/lib/index.js',
        'package/dist/lib/index.d.ts',
        'package/lib/host-scripts/backup.sh',
        'package/lib/sim-lpar/commands/mksysb',
        'package/config/local-scenario.json',
      ]),
    );
    expect(packed.filter((path) => /^package\/(lib|lambdas|bin)\/.*\.ts$/.test(path))).toEqual([]);
  });

  it('answers npx mksysb-vault --version and --help from that directory', () => {
    expect(run('npx', ['mksysb-vault', '--version'], consumer).stdout.trim()).toBe(
      `mksysb-vault ${pkg.version}`,
    );
    const help = run('npx', ['mksysb-vault', '--help'], consumer).stdout;
    expect(help).toMatch(/^Usage: mksysb-vault <command> \[options\]/);
    expect(help).toContain('restore-file');
  });

  it('lets a second CDK app import the construct and synthesize the pipeline', () => {
    writeFileSync(
      join(consumer, 'app.mjs'),
      [
        "import { App, Stack } from 'aws-cdk-lib';",
        "import { MksysbVault, parseDeployConfig } from 'mksysb-vault';",
        "const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });",
        "const stack = new Stack(app, 'Consumer');",
        'const config = parseDeployConfig(',
        "  { fleet: [{ host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0' }] },",
        "  'the consumer app',",
        ');',
        "new MksysbVault(stack, 'Vault', { config });",
        'const template = app.synth().getStackByName(stack.stackName).template;',
        'const types = Object.values(template.Resources).map((r) => r.Type);',
        'console.log(JSON.stringify(types));',
      ].join('\n'),
    );
    const types = JSON.parse(run('node', ['app.mjs'], consumer).stdout) as string[];
    for (const type of [
      'AWS::S3::Bucket',
      'AWS::StepFunctions::StateMachine',
      'AWS::Lambda::Function',
      'AWS::SSM::Document',
      'AWS::Scheduler::Schedule',
    ])
      expect(types).toContain(type);
  });
});
