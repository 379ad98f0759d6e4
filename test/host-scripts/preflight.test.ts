import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHostOutput } from '../../lambdas/shared/host-output.js';
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
