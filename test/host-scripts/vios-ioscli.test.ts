// A VIOS whose padmin may only use the restricted shell (viosShell=ioscli): preflight and backup run
// on the relay (relay.sh starts them there), each ioscli command one ssh call; backupios and viosbr
// write over NFS into the relay's export (the simulated VIOS's `ioscli mount` links its mount point
// to the simulated relay's directory), and the transfer reads the image from the relay's own disk.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { readViosbrArchive } from '../../lambdas/core/viosbr.js';
import { SIM_RELAY, type SimulatedFleet, simEnv } from '../../lib/sim-lpar/index.js';
import { fleetOf, runOnRelay, SHELLS, type Shell, tempDir, writeScripts } from './harness.js';

const scripts = writeScripts(tempDir('mvioscli'));
const DATE = '2025-01-06';
const VIOS = {
  host: 'vios2',
  kind: 'vios',
  viosShell: 'ioscli',
  sizeBytes: 8 * 1024 * 1024,
  files: 300,
} as const;
const NFS_EXPORT = `${SIM_RELAY.name}:${SIM_RELAY.exportDir}`;

/** The host's directory in the simulated relay's export: where the image lands. */
const exportDir = (fleet: SimulatedFleet) => join(fleet.dir, 'relay', SIM_RELAY.exportDir, 'vios2');

function relayArgs(
  step: 'preflight' | 'backup',
  fleet: SimulatedFleet,
  date = DATE,
  keepLocal = 2,
): string[] {
  return [
    `step=${step}`,
    `script=${scripts[step]}`,
    'address=vios2',
    'sshUser=padmin',
    `knownHostsPath=${fleet.knownHostsPath}`,
    'viosShell=ioscli',
    `nfsExport=${NFS_EXPORT}`,
    'nfsMountPoint=/mnt',
    '--',
    'host=vios2',
    // What the fleet gives an ioscli VIOS as staging (its directory of the export); the step derives it.
    `staging=${SIM_RELAY.exportDir}/vios2`,
    ...(step === 'backup'
      ? [
          `date=${date}`,
          'viosShell=ioscli',
          'mksysbFlags=',
          `keepLocal=${keepLocal}`,
          'partSizeBytes=1048576',
        ]
      : ['expectedSizeBytes=8388608', 'sizeFactor=1.5']),
  ];
}

/** The ioscli commands the simulated VIOS ran, from the ssh stand-in's trace of them. */
function ioscliCommands(fleet: SimulatedFleet): string[] {
  const trace = join(fleet.dir, 'ioscli.trace');
  if (!existsSync(trace)) return [];
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('ioscli '))
    .map((l) => l.split(' ').slice(0, 2).join(' '));
}

function preflight(shell: Shell, fleet: SimulatedFleet) {
  const r = runOnRelay(shell, scripts.relay, fleet, 'vios2', relayArgs('preflight', fleet));
  return { stderr: r.stderr, out: parseHostOutput(r.stdout, 'preflight') };
}

function backup(shell: Shell, fleet: SimulatedFleet, date = DATE, keepLocal = 2) {
  const r = runOnRelay(shell, scripts.relay, fleet, 'vios2', relayArgs('backup', fleet, date, keepLocal));
  return { stderr: r.stderr, out: parseHostOutput(r.stdout, 'backup') };
}

describe.each(SHELLS)('an ioscli-only VIOS under %s', (shell) => {
  it('passes preflight: ioslevel and hostname answer, the export has room, nothing is changed', () => {
    const fleet = fleetOf([VIOS]);
    const { out, stderr } = preflight(shell, fleet);
    expect(out.status, stderr).toBe('ok');
    expect(out.hostname).toBe('vios2');
    expect(out.other.ioslevel).toBe('3.1.4.10');
    expect(out.staging).toBe(exportDir(fleet));
    expect(out.requiredBytes).toBe(Math.round(8388608 * 1.5));
    expect(out.stagingFreeBytes).toBeGreaterThan(0);
    expect(existsSync(exportDir(fleet))).toBe(false);
  });

  it('refuses when the export has no room for stagingSizeFactor x the expected image', () => {
    const fleet = fleetOf([VIOS]);
    const huge = String(2 ** 50);
    const r = runOnRelay(
      shell,
      scripts.relay,
      fleet,
      'vios2',
      relayArgs('preflight', fleet).map((a) =>
        a.startsWith('expectedSizeBytes=') ? `expectedSizeBytes=${huge}` : a,
      ),
    );
    const out = parseHostOutput(r.stdout, 'preflight');
    expect(out.status).toBe('refused');
    expect(out.reason).toMatch(/^staging_too_small:free_\d+_required_\d+$/);
  });

  it('backs up: mount, backupios, viosbr, unmount; the relay describes the files and says there is no listing', () => {
    const fleet = fleetOf([VIOS]);
    const { out, stderr } = backup(shell, fleet);
    expect(out.status, stderr).toBe('ok');
    const image = join(exportDir(fleet), `vios2_mksysb_${DATE}`);
    expect(out.image).toBe(image);
    expect(out.logVerdict).toBe('success');
    expect(out.filesBackedUp).toBeGreaterThan(0);
    expect(out.listing).toBe('none');
    expect(out.lsmksysbExit).toBeUndefined();
    expect(out.nfsMount).toBe(`${NFS_EXPORT}/vios2`);
    expect(out.nfsMountPoint).toBe('/mnt');
    expect(out.nfsUnmount).toBe('ok');
    const bytes = readFileSync(image);
    expect(out.sizeBytes).toBe(bytes.length);
    const sha = spawnSync('sha256sum', [image], { encoding: 'utf8' }).stdout.split(' ')[0];
    expect(out.sha256).toBe(sha);
    // The part MD5s the transfer streams with, one per MiB part.
    expect(Number(out.other.part_md5s)).toBe(Math.ceil(bytes.length / 1048576));
    expect(out.viosbr).toMatchObject({ status: 'ok', exit: 0, archive: `${image}.viosbr.tar.gz` });
    expect(readViosbrArchive(readFileSync(`${image}.viosbr.tar.gz`))).toMatchObject({ ok: true });
    // The mount point is a plain directory again, and the directory is root's (or the runner's) and 750.
    expect(lstatSync(join(fleet.hostRoot('vios2'), 'mnt')).isDirectory()).toBe(true);
    expect(statSync(exportDir(fleet)).mode & 0o777).toBe(0o750);
    expect(ioscliCommands(fleet)).toEqual([
      'ioscli mount',
      'ioscli backupios',
      'ioscli viosbr',
      'ioscli unmount',
    ]);
  });

  it('still unmounts when backupios fails', () => {
    const fleet = fleetOf([{ ...VIOS, faults: ['mksysb_error'] }]);
    const { out } = backup(shell, fleet);
    expect([out.status, out.reason]).toEqual(['failed', 'mksysb_exit_1']);
    expect(out.nfsUnmount).toBe('ok');
    expect(lstatSync(join(fleet.hostRoot('vios2'), 'mnt')).isDirectory()).toBe(true);
    expect(ioscliCommands(fleet)).toEqual(['ioscli mount', 'ioscli backupios', 'ioscli unmount']);
  });

  it('makes the run partial when viosbr fails, the mksysb kept and described', () => {
    const fleet = fleetOf([{ ...VIOS, faults: ['viosbr_error'] }]);
    const { out } = backup(shell, fleet);
    expect([out.status, out.reason]).toEqual(['partial', 'viosbr_failed:exit_1']);
    expect(out.viosbr).toMatchObject({ status: 'failed', exit: 1 });
    expect(out.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(join(exportDir(fleet), `vios2_mksysb_${DATE}`))).toBe(true);
    expect(out.nfsUnmount).toBe('ok');
  });

  it('says so when the unmount fails, the image good and described (the export left mounted)', () => {
    const fleet = fleetOf([{ ...VIOS, faults: ['nfs_unmount_busy'] }]);
    const { out, stderr } = backup(shell, fleet);
    expect(out.status, stderr).toBe('ok');
    expect([out.nfsUnmount, out.nfsMountPoint]).toEqual(['failed', '/mnt']);
    expect(out.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(lstatSync(join(fleet.hostRoot('vios2'), 'mnt')).isSymbolicLink()).toBe(true);
    expect(ioscliCommands(fleet)).toEqual([
      'ioscli mount',
      'ioscli backupios',
      'ioscli viosbr',
      'ioscli unmount',
    ]);
  });

  it('fails, naming the refused mount, when the VIOS cannot mount the export: nothing written', () => {
    const fleet = fleetOf([{ ...VIOS, faults: ['nfs_mount_refused'] }]);
    const { out } = backup(shell, fleet);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/^nfs_mount_failed:exit_1:mount:_1831-008_giving_up_on:/);
    expect(readdirSync(exportDir(fleet)).filter((f) => f.startsWith('vios2_mksysb_'))).toEqual([]);
    expect(ioscliCommands(fleet)).toEqual(['ioscli mount']);
  });
});

describe('an ioscli-only VIOS, further', () => {
  it('is refused at preflight when its relay does not export the directory it is configured with', () => {
    const fleet = fleetOf([VIOS]);
    const r = runOnRelay(
      'ksh',
      scripts.relay,
      fleet,
      'vios2',
      relayArgs('preflight', fleet).map((a) =>
        a.startsWith('nfsExport=') ? 'nfsExport=relay1:/export/elsewhere' : a,
      ),
    );
    const out = parseHostOutput(r.stdout, 'preflight');
    expect([out.status, out.reason]).toEqual([
      'refused',
      `nfs_export_missing:${join(fleet.dir, 'relay')}/export/elsewhere`,
    ]);
  });

  it('keeps keepLocal images in the export, as in staging: an older one is pruned with its sidecars', () => {
    const fleet = fleetOf([VIOS]);
    expect(backup('ksh', fleet, '2025-01-06', 1).out.status).toBe('ok');
    const second = backup('ksh', fleet, '2025-01-13', 1).out;
    expect([second.status, second.pruned]).toEqual(['ok', ['vios2_mksysb_2025-01-06']]);
    expect(readdirSync(exportDir(fleet)).filter((f) => f.includes('2025-01-06'))).toEqual([]);
  });

  // (The whole transfer, through the local S3 server, is test/faults/vios.test.ts's.)
  it("accepts an ioscli VIOS's transfer (it reads the image on the relay): no longer an invalid viosShell", () => {
    const fleet = fleetOf([VIOS]);
    expect(backup('ksh', fleet).out.status).toBe('ok');
    const image = join(exportDir(fleet), `vios2_mksysb_${DATE}`);
    // A manifest URL nothing answers: the step gets as far as downloading it.
    const env = simEnv(fleet.dir, 'vios2', { mode: 'relay' });
    const r = spawnSync(
      'sh',
      [
        scripts.transfer,
        'mode=relay',
        'host=vios2',
        'address=vios2',
        'sshUser=padmin',
        `knownHostsPath=${fleet.knownHostsPath}`,
        'viosShell=ioscli',
        `imagePath=${image}`,
        'manifestUrl=http://127.0.0.1:9/bucket/uploads/x',
      ],
      { env, encoding: 'utf8' },
    );
    const out = parseHostOutput(r.stdout, 'transfer');
    expect([out.status, out.reason?.split(':')[0]]).toEqual(['failed', 'manifest_download_failed']);
  });
});
