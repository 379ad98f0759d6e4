// A VIOS through the relay: padmin's restricted shell runs no script, so the steps go through the root
// shell oem_setup_env opens (ssh.sh host_script/host_run), the image is `ioscli backupios -mksysb` and
// the virtual device mappings `ioscli viosbr -backup` beside it. Against a simulated VIOS whose ssh
// refuses anything but ioscli and oem_setup_env (lib/sim-lpar/commands/ssh).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { readViosbrArchive } from '../../lambdas/core/viosbr.js';
import { type SimulatedFleet, simEnv } from '../../lib/sim-lpar/index.js';
import { fleetOf, runOnRelay, SHELLS, tempDir, writeScripts } from './harness.js';

const scripts = writeScripts(tempDir('mvvios'));
const DATE = '2025-01-06';
const VIOS = { host: 'vios1', kind: 'vios', sizeBytes: 8 * 1024 * 1024, files: 300 } as const;

function relayArgs(fleet: SimulatedFleet, step: 'preflight' | 'backup', viosShell: string): string[] {
  const staging = fleet.stagingDir('vios1');
  return [
    `step=${step}`,
    `script=${scripts[step]}`,
    'address=vios1',
    'sshUser=padmin',
    `knownHostsPath=${fleet.knownHostsPath}`,
    `viosShell=${viosShell}`,
    'pollMaxSeconds=1',
    '--',
    'host=vios1',
    `staging=${staging}`,
    ...(step === 'backup'
      ? [`date=${DATE}`, `viosShell=${viosShell}`, 'mksysbFlags=', 'partSizeBytes=0']
      : ['expectedSizeBytes=8388608']),
  ];
}

describe.each(SHELLS)('a VIOS under %s', (shell) => {
  it('backs up through oem_setup_env: backupios writes the image, viosbr its archive beside it', () => {
    const fleet = fleetOf([VIOS]);
    const preflight = runOnRelay(
      shell,
      scripts.relay,
      fleet,
      'vios1',
      relayArgs(fleet, 'preflight', 'oem_setup_env'),
    );
    expect(parseHostOutput(preflight.stdout, 'preflight').status, preflight.stderr).toBe('ok');

    const run = runOnRelay(shell, scripts.relay, fleet, 'vios1', relayArgs(fleet, 'backup', 'oem_setup_env'));
    const out = parseHostOutput(run.stdout, 'backup');
    expect(out.status, run.stderr).toBe('ok');
    expect(out.logVerdict).toBe('success');
    const image = `${fleet.stagingDir('vios1')}/vios1_mksysb_${DATE}`;
    expect(out.image).toBe(image);
    expect(out.viosbr).toMatchObject({ status: 'ok', exit: 0, archive: `${image}.viosbr.tar.gz` });
    const archive = readFileSync(`${image}.viosbr.tar.gz`);
    expect(out.viosbr?.sizeBytes).toBe(archive.length);
    expect(readViosbrArchive(archive)).toMatchObject({
      ok: true,
      xmlFiles: [`vios1_mksysb_${DATE}.viosbr.xml`],
    });
  });

  it('makes the run partial when viosbr fails, the mksysb kept in staging', () => {
    const fleet = fleetOf([{ ...VIOS, faults: ['viosbr_error'] }]);
    const run = runOnRelay(shell, scripts.relay, fleet, 'vios1', relayArgs(fleet, 'backup', 'oem_setup_env'));
    const out = parseHostOutput(run.stdout, 'backup');
    expect(out.status).toBe('partial');
    expect(out.reason).toBe('viosbr_failed:exit_1');
    expect(out.viosbr).toMatchObject({ status: 'failed', exit: 1 });
    expect(out.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(`${fleet.stagingDir('vios1')}/vios1_mksysb_${DATE}`)).toBe(true);
  });

  it('refuses a VIOS whose site does not let padmin open oem_setup_env, saying so', () => {
    const fleet = fleetOf([{ ...VIOS, viosShell: 'ioscli' }]);
    const run = runOnRelay(
      shell,
      scripts.relay,
      fleet,
      'vios1',
      relayArgs(fleet, 'preflight', 'oem_setup_env'),
    );
    const out = parseHostOutput(run.stdout, 'preflight');
    expect([out.status, out.reason]).toEqual([
      'refused',
      'vios_oem_setup_env_unavailable:padmin_may_not_open_the_root_shell',
    ]);
  });
});

describe('the simulated VIOS restricted shell', () => {
  it('runs ioscli commands and refuses a script or a path, as padmin only', () => {
    const fleet = fleetOf([VIOS]);
    const env = simEnv(fleet.dir, 'vios1', { mode: 'relay' });
    const ssh = (user: string, command: string) =>
      spawnSync('ssh', ['-l', user, '-o', `UserKnownHostsFile=${fleet.knownHostsPath}`, 'vios1', command], {
        env,
        encoding: 'utf8',
      });
    expect(ssh('padmin', '/usr/bin/ksh -s --').stderr).toMatch(/restricted/);
    expect(ssh('padmin', 'cat profile.env').status).toBe(127);
    expect(ssh('root', 'ioscli viosbr -backup -file x').status).toBe(255);
    const viosbr = ssh('padmin', 'ioscli viosbr -backup -file nightly');
    expect(viosbr.stdout).toContain('Backup of this node (vios1) successful');
    // A relative name lands in /home/padmin/cfgbackups, as the real command's does.
    expect(existsSync(`${fleet.hostRoot('vios1')}/home/padmin/cfgbackups/nightly.tar.gz`)).toBe(true);
  });
});
