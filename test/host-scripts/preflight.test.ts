import { chmodSync, chownSync, existsSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { simEnv } from '../../lib/sim-lpar/index.js';
import { fleetOf, runOnHost, SHELLS, SMALL_HOST, tempDir, writeScripts } from './harness.js';

const scripts = writeScripts(tempDir('mvpre'));
const GiB = 1024 ** 3;

describe.each(SHELLS)('preflight under %s', (shell) => {
  const run = (profile: Parameters<typeof fleetOf>[0][0], extra: string[] = []) => {
    const fleet = fleetOf([profile]);
    const host = profile.host;
    const r = runOnHost(shell, scripts.preflight, fleet, host, [
      `host=${host}`,
      `staging=${fleet.stagingDir(host)}`,
      'expectedSizeBytes=20971520',
      ...extra,
    ]);
    return { ...r, fleet, out: parseHostOutput(r.stdout, 'preflight') };
  };

  it('passes a healthy host and reports its level, space and lock', () => {
    const { code, out } = run(SMALL_HOST);
    expect(code).toBe(0);
    expect(out).toMatchObject({ status: 'ok', hostname: 'lpar01', oslevel: '7200-05-03-2148', lock: 'free' });
    expect(out.requiredBytes).toBe(31_457_280);
  });

  it('refuses when staging has less than the factor times the expected size', () => {
    const { code, out } = run({ ...SMALL_HOST, stagingFreeBytes: 25 * 1024 * 1024 });
    expect(code).toBe(10);
    expect(out.status).toBe('refused');
    expect(out.reason).toMatch(/^staging_too_small:/);
  });

  it('refuses a staging directory that lives on the / filesystem', () => {
    const { code, out } = run({ ...SMALL_HOST, stagingMount: '/' });
    expect(code).toBe(10);
    expect(out.reason).toBe('staging_on_system_filesystem:/');
  });

  it('refuses when /tmp is full and mksysb may not grow it', () => {
    const { out } = run({ ...SMALL_HOST, tmpFreeBytes: 1024 * 1024 }, ['mksysbFlags=-e']);
    expect(out.reason).toMatch(/^tmp_too_small:/);
  });

  it('accepts a full /tmp when -X lets mksysb grow it', () => {
    const { out } = run({ ...SMALL_HOST, tmpFreeBytes: 1024 * 1024 }, ['mksysbFlags=-e -X']);
    expect(out).toMatchObject({ status: 'ok', tmpExpand: true });
  });

  it('refuses when a declared volume group is not varied on', () => {
    const { out } = run(
      { ...SMALL_HOST, volumeGroups: ['rootvg', 'datavg'], onlineVolumeGroups: ['rootvg'] },
      ['volumeGroups=datavg'],
    );
    expect(out.reason).toBe('volume_group_not_varied_on:datavg');
  });

  it('refuses when the machine answering is not the host asked for', () => {
    const { out } = run({ ...SMALL_HOST, hostname: 'lpar99' });
    expect(out.reason).toBe('host_mismatch:expected_lpar01');
  });

  it('takes over a stale lock whose process is gone and says so', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const lock = join(fleet.stagingDir('lpar01'), '.mksysb-vault.lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner'), 'pid=2147483646\n');
    const r = runOnHost(shell, scripts.preflight, fleet, 'lpar01', [
      'host=lpar01',
      `staging=${fleet.stagingDir('lpar01')}`,
    ]);
    expect(parseHostOutput(r.stdout, 'preflight')).toMatchObject({ status: 'ok', lock: 'stale_taken_over' });
    expect(existsSync(lock)).toBe(false);
  });

  it('refuses while a live process holds the lock', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const lock = join(fleet.stagingDir('lpar01'), '.mksysb-vault.lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner'), `pid=${process.pid}\n`);
    const r = runOnHost(shell, scripts.preflight, fleet, 'lpar01', [
      'host=lpar01',
      `staging=${fleet.stagingDir('lpar01')}`,
    ]);
    expect(r.code).toBe(10);
    expect(parseHostOutput(r.stdout, 'preflight').reason).toBe(`locked_by_pid:${process.pid}`);
  });

  it.each(['/usr', '/var', '/opt', '/home', '/etc', '/usr/local/mksysb', '/'])(
    'refuses the system directory %s as staging before touching it',
    (dir) => {
      const fleet = fleetOf([SMALL_HOST]);
      const root = fleet.hostRoot('lpar01');
      mkdirSync(join(root, dir), { recursive: true });
      const r = runOnHost(shell, scripts.preflight, fleet, 'lpar01', [
        'host=lpar01',
        `staging=${root}${dir}`,
      ]);
      expect(r.code).toBe(10);
      expect(parseHostOutput(r.stdout, 'preflight').reason).toBe(
        `staging_is_system_filesystem:${root}${dir}`,
      );
    },
  );

  it('refuses a staging directory others may write, naming the path, the mode and the fix', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const staging = fleet.stagingDir('lpar01');
    chmodSync(staging, 0o1777);
    const r = runOnHost(shell, scripts.preflight, fleet, 'lpar01', ['host=lpar01', `staging=${staging}`]);
    expect(r.code).toBe(10);
    expect(parseHostOutput(r.stdout, 'preflight').reason).toBe(
      `staging_writable_by_others:${staging}:mode_drwxrwxrwt:chmod_750_it`,
    );
  });

  it('refuses a staging directory that is a symlink', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const staging = fleet.stagingDir('lpar01');
    renameSync(staging, `${staging}.real`);
    symlinkSync(`${staging}.real`, staging);
    const r = runOnHost(shell, scripts.preflight, fleet, 'lpar01', ['host=lpar01', `staging=${staging}`]);
    expect(parseHostOutput(r.stdout, 'preflight').reason).toBe(
      `staging_is_symlink:${staging}:use_the_real_directory`,
    );
  });

  it('refuses a staging directory owned by neither root nor the user the step runs as', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const staging = fleet.stagingDir('lpar01');
    // As root, the directory is given to another user; otherwise an `id` saying the step runs as
    // root (as on AIX) stands in, and the test's own user is the other one.
    const uid = process.getuid?.() ?? 0;
    let owner = uid;
    const env: Record<string, string> = {};
    if (uid === 0) {
      owner = 4242;
      chownSync(staging, owner, owner);
    } else {
      const bin = tempDir('mvid');
      writeFileSync(join(bin, 'id'), '#!/bin/sh\necho 0\n', { mode: 0o755 });
      env.PATH = `${bin}:${simEnv(fleet.dir, 'lpar01', { mode: 'direct' }).PATH}`;
    }
    const r = runOnHost(
      shell,
      scripts.preflight,
      fleet,
      'lpar01',
      ['host=lpar01', `staging=${staging}`],
      env,
    );
    expect(r.code).toBe(10);
    expect(parseHostOutput(r.stdout, 'preflight').reason).toBe(
      `staging_not_owned_by_root:${staging}:uid_${owner}:chown_root_it`,
    );
  });

  it('counts each declared savevg image and the kept local copies against staging, not the mksysb alone', () => {
    const fleet = fleetOf([
      { ...SMALL_HOST, volumeGroups: ['rootvg', 'datavg', 'appvg'], stagingFreeBytes: 60 * 1024 * 1024 },
    ]);
    const staging = fleet.stagingDir('lpar01');
    // Last week's copies, kept in staging: the mksysb grew past what history says, the savevgs are 10 MiB each.
    writeFileSync(join(staging, 'lpar01_mksysb_2025-01-05'), Buffer.alloc(24 * 1024 * 1024));
    writeFileSync(join(staging, 'lpar01_savevg_datavg_2025-01-05'), Buffer.alloc(10 * 1024 * 1024));
    writeFileSync(join(staging, 'lpar01_savevg_appvg_2024-12-29'), Buffer.alloc(4 * 1024 * 1024));
    writeFileSync(join(staging, 'lpar01_savevg_appvg_2025-01-05'), Buffer.alloc(10 * 1024 * 1024));
    const r = runOnHost(shell, scripts.preflight, fleet, 'lpar01', [
      'host=lpar01',
      `staging=${staging}`,
      'expectedSizeBytes=20971520',
      'volumeGroups=datavg,appvg',
    ]);
    const out = parseHostOutput(r.stdout, 'preflight');
    expect(out.other).toMatchObject({ 'vg.datavg.expected_bytes': String(10 * 1024 * 1024) });
    // (24 + 10 + 10) MiB x 1.5 = 66 MiB > 60 MiB free, where the mksysb alone (30 MiB) fits.
    expect(out).toMatchObject({ status: 'refused', requiredBytes: 66 * 1024 * 1024 });
    expect(out.reason).toBe(`staging_too_small:free_${60 * 1024 * 1024}_required_${66 * 1024 * 1024}`);
  });

  it('says a declared volume group with no local copy yet is unknown and counts it 0', () => {
    const { out } = run({ ...SMALL_HOST, volumeGroups: ['rootvg', 'datavg'] }, ['volumeGroups=datavg']);
    expect(out).toMatchObject({ status: 'ok', requiredBytes: 31_457_280 });
    expect(out.other['vg.datavg.expected_bytes']).toBe('unknown');
  });

  it.each([
    ['host', 'a;rm -rf /'],
    ['host', 'lpar 01'],
    ['host', '$(touch /tmp/mv-pwned)'],
    ['host', '`touch /tmp/mv-pwned`'],
    ['volumeGroups', 'datavg;reboot'],
    ['expectedSizeBytes', '1e9'],
  ])('rejects %s=%j as invalid before running anything', (key, value) => {
    const fleet = fleetOf([SMALL_HOST]);
    const args = ['host=lpar01', `staging=${fleet.stagingDir('lpar01')}`].filter(
      (a) => !a.startsWith(`${key}=`),
    );
    const r = runOnHost(shell, scripts.preflight, fleet, 'lpar01', [...args, `${key}=${value}`]);
    expect(r.code).toBe(2);
    expect(parseHostOutput(r.stdout, 'preflight')).toMatchObject({
      status: 'invalid',
      reason: `invalid_argument:${key}`,
    });
    expect(existsSync('/tmp/mv-pwned')).toBe(false);
  });
});

it('uses a gibibyte-scale expected size without overflow', () => {
  const fleet = fleetOf([{ ...SMALL_HOST, stagingFreeBytes: 10 * GiB }]);
  const r = runOnHost('dash', scripts.preflight, fleet, 'lpar01', [
    'host=lpar01',
    `staging=${fleet.stagingDir('lpar01')}`,
    `expectedSizeBytes=${8 * GiB}`,
  ]);
  expect(parseHostOutput(r.stdout, 'preflight')).toMatchObject({
    status: 'refused',
    requiredBytes: 12 * GiB,
  });
});
