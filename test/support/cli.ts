// Runs the real `mksysb-vault` command as a user would: a spawned process, real stdout, stderr and
// exit status.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { collect } from './spawn.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/mksysb-vault.mjs', import.meta.url));

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same, without blocking: independent commands of a test file can run side by side. */
export async function runCliAsync(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const { code, stdout, stderr } = await collect(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
    timeoutMs: 120_000,
  });
  return { status: code, stdout, stderr };
}

/** Standard error without the line every store command starts it with (which store, config, policy). */
export function afterConfigLine(stderr: string): string {
  return stderr.replace(/^[^\n]*: config [^\n]*; STALE after \d+ days\n/, '');
}
