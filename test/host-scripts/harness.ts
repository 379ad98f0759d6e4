// Runs the built host scripts (the exact text the SSM documents embed) under a given shell against
// a simulated fleet in a temp dir. The async runners are for scripts that talk to a server living in
// the test's own process (the local S3 server): spawnSync would block the event loop that serves it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_SCRIPTS } from '../../lib/host-scripts/index.js';
import {
  createSimulatedFleet,
  type HostProfileInput,
  type SimulatedFleet,
  simEnv,
} from '../../lib/sim-lpar/index.js';
import { collect } from '../support/spawn.js';

export const SHELLS = ['ksh', 'dash'] as const;
export type Shell = (typeof SHELLS)[number];

export interface ScriptRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function tempDir(prefix = 'mvtest'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The built scripts written as files, once per test file. */
export function writeScripts(dir: string): Record<keyof typeof HOST_SCRIPTS, string> {
  mkdirSync(dir, { recursive: true });
  const out = {} as Record<keyof typeof HOST_SCRIPTS, string>;
  for (const [name, text] of Object.entries(HOST_SCRIPTS)) {
    const file = join(dir, `${name}.sh`);
    writeFileSync(file, text);
    out[name as keyof typeof HOST_SCRIPTS] = file;
  }
  return out;
}

export function fleetOf(hosts: readonly HostProfileInput[]): SimulatedFleet {
  return createSimulatedFleet(tempDir('mvfleet'), hosts);
}

/** Runs a step script "on" a simulated host (direct mode: AIXROOT points at its root). */
export function runOnHost(
  shell: Shell,
  script: string,
  fleet: SimulatedFleet,
  host: string,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): ScriptRun {
  const env = { ...simEnv(fleet.dir, host, { mode: 'direct' }), ...extraEnv };
  const r = spawnSync(shell, [script, ...args], {
    env,
    cwd: fleet.hostRoot(host),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a script on the relay (relay.sh, transfer.sh in relay mode), the LPAR's ksh being `shell`. */
export function runOnRelay(
  shell: Shell,
  script: string,
  fleet: SimulatedFleet,
  host: string,
  args: readonly string[],
): ScriptRun {
  const env = simEnv(fleet.dir, host, {
    mode: 'relay',
    lparShell: shell === 'dash' ? '/usr/bin/dash' : undefined,
  });
  const r = spawnSync(shell, [script, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const SMALL_HOST: HostProfileInput = { host: 'lpar01', sizeBytes: 20 * 1024 * 1024, files: 1500 };

/** Runs a script without blocking the event loop; a timeout ends its whole process tree, as SSM would. */
export function runScript(
  shell: Shell,
  script: string,
  args: readonly string[],
  options: { env: Record<string, string>; cwd?: string; timeoutMs?: number },
): Promise<ScriptRun> {
  return collect(shell, [script, ...args], options);
}

/** runOnHost without blocking the event loop. */
export function runOnHostAsync(
  shell: Shell,
  script: string,
  fleet: SimulatedFleet,
  host: string,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<ScriptRun> {
  const env = { ...simEnv(fleet.dir, host, { mode: 'direct' }), ...extraEnv };
  return runScript(shell, script, args, { env, cwd: fleet.hostRoot(host) });
}

/** runOnRelay without blocking the event loop. */
export function runOnRelayAsync(
  shell: Shell,
  script: string,
  fleet: SimulatedFleet,
  host: string,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<ScriptRun> {
  const env = {
    ...simEnv(fleet.dir, host, { mode: 'relay', lparShell: shell === 'dash' ? '/usr/bin/dash' : undefined }),
    ...extraEnv,
  };
  return runScript(shell, script, args, { env });
}
