// The SSM documents write the step script (and the relay wrapper) to a temp dir on the node before
// running it: a full temp dir must fail the command loudly, naming the dir, never run a truncated
// or empty script (which "succeeds" with no output, or runs half a script).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { documentContent, HOST_STEPS, withoutIndentation } from '../../lib/host-scripts/index.js';
import { runCommandLocally } from '../../lib/local/ssm-run-command.js';
import { simEnv } from '../../lib/sim-lpar/index.js';
import { fleetOf, SMALL_HOST, tempDir, writeScripts } from './harness.js';

/**
 * A `cat` that, writing into the documents' temp dir (its stdout a file there), stops after `keep`
 * bytes and fails as cat does on a full disk; everywhere else it is cat.
 */
function fullDiskCat(keep: number, exitCode: number): string {
  const bin = tempDir('mvfullcat');
  writeFileSync(
    join(bin, 'cat'),
    `#!/bin/sh
case $(readlink /proc/$$/fd/1) in
*/mksysb-vault-ssm.*)
  head -c ${keep}
  [ ${exitCode} -eq 0 ] || echo 'cat: write error: No space left on device' >&2
  exit ${exitCode} ;;
esac
exec /bin/cat "$@"
`,
  );
  chmodSync(join(bin, 'cat'), 0o755);
  return bin;
}

async function preflightDocument(catBin?: string) {
  const fleet = fleetOf([SMALL_HOST]);
  const env = simEnv(fleet.dir, 'lpar01', { mode: 'direct' });
  if (catBin) env.PATH = `${catBin}:${env.PATH}`;
  const result = await runCommandLocally({
    document: documentContent('preflight'),
    parameters: { mode: 'direct', host: 'lpar01', staging: fleet.stagingDir('lpar01') },
    env,
    timeoutMs: 60_000,
  });
  return { result, tmp: env.TMPDIR as string };
}

describe('the SSM documents write their script to a temp dir', () => {
  it('run the step when the script is written whole', async () => {
    const { result } = await preflightDocument();
    expect(result.status).toBe('Success');
    expect(parseHostOutput(result.stdout, 'preflight').status).toBe('ok');
  });

  it.each([
    ['cut short by a full disk', 4096, 1],
    ['empty (the heredoc lost), cat still exiting 0', 0, 0],
  ])('fail loudly, naming the temp dir, when the script is %s', async (_what, keep, exitCode) => {
    const { result, tmp } = await preflightDocument(fullDiskCat(keep, exitCode));
    expect(result).toMatchObject({ status: 'Failed', responseCode: 11 });
    const out = parseHostOutput(result.stdout, 'preflight');
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(
      new RegExp(`^script_incomplete:${tmp}/mksysb-vault-ssm\\.\\d+/step\\.sh:bytes_${keep}_of_\\d+$`),
    );
    expect(result.stderr).toContain(`is ${tmp} full?`);
  });

  it.each(HOST_STEPS)('the %s document checks each script it writes before running it', (step) => {
    const lines = documentContent(step).mainSteps[0].inputs.runCommand;
    const written = lines.filter((l) => /^cat >"\$MV_DIR\/[a-z]+\.sh" <</.test(l)).length;
    const checked = lines.filter((l) => l.startsWith('mv_check_script ')).length;
    expect(written).toBeGreaterThan(0);
    expect(checked).toBe(written);
  });

  it('hand the relay wrapper their own temp dir (MV_RELAY_DIR): it makes and removes none of its own', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const scripts = writeScripts(tempDir('mvdocrelay'));
    const documentDir = join(tempDir('mvdocdir'), 'mksysb-vault-ssm.1');
    mkdirSync(documentDir, { mode: 0o700 });
    const relayEnv = simEnv(fleet.dir, 'lpar01', { mode: 'relay' });
    const env = { ...relayEnv, MV_RELAY_DIR: documentDir };
    const args = [
      ...[
        'step=preflight',
        `script=${scripts.preflight}`,
        'address=lpar01',
        `knownHostsPath=${fleet.knownHostsPath}`,
      ],
      ...['--', 'host=lpar01', `staging=${fleet.stagingDir('lpar01')}`],
    ];
    const run = spawnSync('dash', [scripts.relay, ...args], { env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(parseHostOutput(run.stdout, 'preflight').status).toBe('ok');
    expect(readdirSync(documentDir).sort()).toEqual(['stderr', 'stdout']);
    expect(readdirSync(relayEnv.TMPDIR as string).filter((f) => f.startsWith('mksysb-vault-relay.'))).toEqual(
      [],
    );
  });

  it.each(['preflight', 'restore-test'] as const)(
    'the %s document, which takes no date, asks date for none',
    (step) => {
      const lines = documentContent(step).mainSteps[0].inputs.runCommand;
      // (the wrapper's own lines: the step scripts never name MV_DATE)
      expect(lines.filter((l) => l.includes('MV_DATE'))).toEqual([]);
    },
  );
});

describe('the shipped script loses its indentation, never a string', () => {
  const script = [
    'if [ -n "$a" ]; then',
    '  echo "$a"  # a comment with a quote: it\'s',
    "  x=$(awk '",
    '    { print $1 }',
    "  ' file)",
    '  msg="two',
    '    lines"',
    "  y=$(printf '%s' \"$(echo \\",
    '      nested)")',
    '  cmd\\',
    '  arg',
    'fi',
  ].join('\n');

  it('strips lines outside quotes and keeps those inside a string, a $(…) or after a backslash-newline', () => {
    expect(withoutIndentation(script, 'test.sh').split('\n')).toEqual([
      'if [ -n "$a" ]; then',
      'echo "$a"  # a comment with a quote: it\'s',
      "x=$(awk '",
      '    { print $1 }',
      "  ' file)",
      'msg="two',
      '    lines"',
      "y=$(printf '%s' \"$(echo \\",
      '      nested)")',
      'cmd\\',
      '  arg',
      'fi',
    ]);
    // The shell reads both the same way.
    const run = (text: string) =>
      spawnSync('sh', ['-c', `a=1; file=/dev/null; cmd() { echo "cmd[$1]"; }; ${text}; echo "$msg|$y"`], {
        encoding: 'utf8',
      }).stdout;
    expect(run(withoutIndentation(script, 'test.sh'))).toBe(run(script));
  });

  it('ships a text whose quotes it cannot follow to the end as it is', () => {
    const open = "  echo 'never closed\n  done";
    expect(withoutIndentation(open, 'test.sh')).toBe(open);
  });
});
