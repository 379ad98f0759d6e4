// The backup runs detached on the LPAR (backup.sh run=start, relay.sh polls its status file): a
// dropped ssh session or a relay restart must cost nothing. Run through relay.sh against simulated
// LPARs, whose ssh stand-in runs the remote command locally: a "dropped session" is a SIGHUP to the
// relay's whole process group (relay.sh, its ssh, and whatever that ssh runs "on the LPAR"), as a
// hangup reaches a session's processes; a backup that survives it ignores SIGHUP on its own.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { type SimulatedFleet, setHostProfile, simEnv } from '../../lib/sim-lpar/index.js';
import { fleetOf, runOnRelayAsync, SHELLS, SMALL_HOST, tempDir, writeScripts } from './harness.js';

const scripts = writeScripts(tempDir('mvdet'));
const DATE = '2025-01-05';

function relayArgs(fleet: SimulatedFleet, host: string, ...more: string[]): string[] {
  return [
    'step=backup',
    `script=${scripts.backup}`,
    `address=${host}`,
    `knownHostsPath=${fleet.knownHostsPath}`,
    'pollMaxSeconds=1',
    ...more,
    '--',
    `host=${host}`,
    `staging=${fleet.stagingDir(host)}`,
    `date=${DATE}`,
  ];
}

const statusFile = (fleet: SimulatedFleet, host: string) =>
  join(fleet.stagingDir(host), '.mksysb-vault.backup.status');

function statusField(fleet: SimulatedFleet, host: string, field: string): string | undefined {
  if (!existsSync(statusFile(fleet, host))) return undefined;
  const m = new RegExp(`^${field}=(.*)$`, 'm').exec(readFileSync(statusFile(fleet, host), 'utf8'));
  return m?.[1];
}

async function until(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** mksysb runs on the simulated host so far (its stand-in counts them). */
const mksysbRuns = (fleet: SimulatedFleet, host: string) =>
  Number(readFileSync(join(fleet.hostRoot(host), 'state/runs'), 'utf8').trim());

describe.each(SHELLS)('detached backup under %s', (shell) => {
  const env = (fleet: SimulatedFleet, host: string) =>
    simEnv(fleet.dir, host, { mode: 'relay', lparShell: shell === 'dash' ? '/usr/bin/dash' : undefined });

  it('survives its ssh session and the relay being hung up mid-mksysb; the re-run attaches and succeeds', async () => {
    const fleet = fleetOf([{ ...SMALL_HOST, faults: ['slow:3'] }]);
    const relay = spawn(shell, [join(scripts.relay), ...relayArgs(fleet, 'lpar01')], {
      env: env(fleet, 'lpar01'),
      detached: true,
      stdio: 'ignore',
    });
    const ended = new Promise((r) => relay.on('close', r));
    await until('the backup to reach mksysb', () => statusField(fleet, 'lpar01', 'phase') === 'mksysb');
    const pid = statusField(fleet, 'lpar01', 'pid');
    process.kill(-(relay.pid as number), 'SIGHUP');
    await ended;

    const r = await runOnRelayAsync(shell, scripts.relay, fleet, 'lpar01', relayArgs(fleet, 'lpar01'));
    const out = parseHostOutput(r.stdout, 'backup');
    expect(r.code, r.stderr).toBe(0);
    expect(out).toMatchObject({ status: 'ok', logVerdict: 'success', exit: 0 });
    expect(out.other).toMatchObject({ detached: 'attached', detached_pid: pid });
    expect(mksysbRuns(fleet, 'lpar01')).toBe(1);
    expect(existsSync(join(fleet.stagingDir('lpar01'), `lpar01_mksysb_${DATE}`))).toBe(true);
    // Collected: the next start of the same day makes a new image rather than hand this one over.
    expect(existsSync(statusFile(fleet, 'lpar01'))).toBe(false);
  });

  it('keeps polling through a connection that drops for a while, and the step succeeds', async () => {
    const fleet = fleetOf([{ ...SMALL_HOST, faults: ['slow:4'] }]);
    const run = runOnRelayAsync(shell, scripts.relay, fleet, 'lpar01', relayArgs(fleet, 'lpar01'));
    await until('the backup to reach mksysb', () => statusField(fleet, 'lpar01', 'phase') === 'mksysb');
    setHostProfile(fleet.dir, 'lpar01', { faults: ['slow:4', 'unreachable'] });
    await new Promise((r) => setTimeout(r, 2500));
    setHostProfile(fleet.dir, 'lpar01', { faults: [] });
    const r = await run;
    const out = parseHostOutput(r.stdout, 'backup');
    expect(r.code, r.stderr).toBe(0);
    expect(out.status).toBe('ok');
    expect(out.other.detached).toBe('started');
    expect(Number(out.other.relay_poll_failures)).toBeGreaterThan(0);
    expect(mksysbRuns(fleet, 'lpar01')).toBe(1);
  });

  it('gives up on an LPAR silent for pollGiveUpSeconds as unreachable, and leaves the backup running', async () => {
    const fleet = fleetOf([{ ...SMALL_HOST, faults: ['slow:4'] }]);
    const run = runOnRelayAsync(
      shell,
      scripts.relay,
      fleet,
      'lpar01',
      relayArgs(fleet, 'lpar01', 'pollGiveUpSeconds=2'),
    );
    await until('the backup to reach mksysb', () => statusField(fleet, 'lpar01', 'phase') === 'mksysb');
    setHostProfile(fleet.dir, 'lpar01', { faults: ['slow:4', 'unreachable'] });
    const r = await run;
    expect(r.code).toBe(13);
    const out = parseHostOutput(r.stdout, 'backup');
    expect(out.status).toBe('unreachable');
    expect(out.other.detached_pid).toBe(statusField(fleet, 'lpar01', 'pid'));
    setHostProfile(fleet.dir, 'lpar01', { faults: [] });
    await until('the backup to finish on its own', () => statusField(fleet, 'lpar01', 'phase') === 'done');
    expect(statusField(fleet, 'lpar01', 'exit')).toBe('0');
  });

  it('reports a status file whose pid is dead as stale, and starts a new backup', async () => {
    const fleet = fleetOf([SMALL_HOST]);
    writeFileSync(statusFile(fleet, 'lpar01'), `pid=999999\ndate=${DATE}\nphase=mksysb\n`);
    const r = await runOnRelayAsync(shell, scripts.relay, fleet, 'lpar01', relayArgs(fleet, 'lpar01'));
    const out = parseHostOutput(r.stdout, 'backup');
    expect(r.code, r.stderr).toBe(0);
    expect(out.status).toBe('ok');
    expect(out.other.previous_run).toBe('stale:pid_999999_dead_phase_mksysb');
    expect(out.other.detached).toBe('started');
  });

  it('fails, naming the phase, when the detached backup dies under the relay', async () => {
    const fleet = fleetOf([{ ...SMALL_HOST, faults: ['slow:3'] }]);
    const run = runOnRelayAsync(shell, scripts.relay, fleet, 'lpar01', relayArgs(fleet, 'lpar01'));
    await until('the backup to reach mksysb', () => statusField(fleet, 'lpar01', 'phase') === 'mksysb');
    const pid = Number(statusField(fleet, 'lpar01', 'pid'));
    process.kill(pid, 'SIGKILL');
    const r = await run;
    expect(r.code).toBe(11);
    const out = parseHostOutput(r.stdout, 'backup');
    expect(out.status).toBe('failed');
    expect(out.reason).toBe(`detached_run_died:pid_${pid}_phase_mksysb`);
  });

  it('refuses to start while a backup of another day is still running', async () => {
    const fleet = fleetOf([SMALL_HOST]);
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(statusFile(fleet, 'lpar01'), `pid=${sleeper.pid}\ndate=2024-12-29\nphase=mksysb\n`);
      const r = await runOnRelayAsync(shell, scripts.relay, fleet, 'lpar01', relayArgs(fleet, 'lpar01'));
      expect(r.code).toBe(10);
      expect(parseHostOutput(r.stdout, 'backup').reason).toBe(
        `backup_running:pid_${sleeper.pid}_date_2024-12-29`,
      );
    } finally {
      sleeper.kill();
    }
  });
});
