// The local SSM Run Command: what GetCommandInvocation would say of a script, and the process that
// starts it (lib/local/spawner.ts): a helper, never the process running the pipeline, whose event
// loop a fork blocks for tens of milliseconds.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandDocumentContent } from '../../../lib/host-scripts/index.js';
import { spawnerPid, stopSpawner } from '../../../lib/local/spawner.js';
import { runCommandLocally, SSM_OUTPUT_LIMIT } from '../../../lib/local/ssm-run-command.js';

function document(script: string, timeoutSeconds = '60'): CommandDocumentContent {
  return {
    schemaVersion: '2.2',
    description: 'test',
    parameters: {},
    mainSteps: [
      { action: 'aws:runShellScript', name: 'test', inputs: { timeoutSeconds, runCommand: [script] } },
    ],
  };
}

const run = (script: string, extra: { timeoutMs?: number; cwd?: string; timeoutSeconds?: string } = {}) =>
  runCommandLocally({ document: document(script, extra.timeoutSeconds), parameters: {}, ...extra });

describe('runCommandLocally', () => {
  it('starts the command from the helper process, not from this one', async () => {
    const result = await run('echo "$PPID"');
    expect(result.status).toBe('Success');
    const parent = Number(result.stdout.trim());
    expect(parent).not.toBe(process.pid);
    expect(parent).toBe(spawnerPid());
  });

  it('returns the exit code, stdout and stderr, each cut to what SSM keeps', async () => {
    const result = await run(
      `printf out; printf err >&2; head -c ${SSM_OUTPUT_LIMIT + 5000} /dev/zero | tr '\\0' x; exit 3`,
    );
    expect(result).toMatchObject({ status: 'Failed', responseCode: 3, stderr: 'err' });
    expect(result.stdout.length).toBe(SSM_OUTPUT_LIMIT);
    expect(result.stdout.startsWith('outxxx')).toBe(true);
  });

  it('runs in the directory and with only the environment it is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mvrun-'));
    const result = await runCommandLocally({
      document: document('pwd; echo "$ONLY"; [ -n "$HOME" ] || echo nohome'),
      parameters: {},
      env: { ONLY: 'given' },
      cwd: dir,
    });
    expect(result.stdout).toBe(`${dir}\ngiven\nnohome\n`);
  });

  it('ends the whole process tree when the timeout runs out, as SSM does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mvrun-'));
    const marker = join(dir, 'still-running');
    const result = await run(`(sleep 2; touch ${marker}) & sleep 30`, { timeoutMs: 300 });
    expect(result).toMatchObject({ status: 'TimedOut', responseCode: -1 });
    await new Promise((r) => setTimeout(r, 2500));
    expect(existsSync(marker)).toBe(false);
  });

  it('rejects, naming the cause, when the command cannot start', async () => {
    await expect(run('true', { cwd: '/nonexistent/mksysb-vault' })).rejects.toThrow(/ENOENT/);
  });

  it('rejects the commands of a helper that died, and starts another for the next one', async () => {
    const first = spawnerPid();
    const running = run('sleep 5');
    await new Promise((r) => setTimeout(r, 200));
    stopSpawner();
    await expect(running).rejects.toThrow(/local command runner .* ended .* 1 command/);
    const next = await run('echo "$PPID"');
    expect(Number(next.stdout.trim())).not.toBe(first);
    expect(next.status).toBe('Success');
  });
});
