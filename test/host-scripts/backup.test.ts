import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { parseLsmksysb } from '../../lambdas/core/lsmksysb.js';
import { classifyMksysbLog } from '../../lambdas/core/mksysb-log.js';
import { setHostProfile, simEnv } from '../../lib/sim-lpar/index.js';
import { fleetOf, runOnHost, SHELLS, SMALL_HOST, tempDir, writeScripts } from './harness.js';

const scripts = writeScripts(tempDir('mvbak'));
const MiB = 1024 * 1024;

function backup(
  shell: (typeof SHELLS)[number],
  profile = SMALL_HOST,
  extra: string[] = [],
  date = '2025-01-05',
) {
  const fleet = fleetOf([profile]);
  const host = profile.host;
  const args = [`host=${host}`, `staging=${fleet.stagingDir(host)}`, `date=${date}`, ...extra];
  const r = runOnHost(shell, scripts.backup, fleet, host, args);
  return { ...r, fleet, args, out: parseHostOutput(r.stdout, 'backup') };
}

describe.each(SHELLS)('backup under %s', (shell) => {
  it('makes the image with its sidecars and reports size, checksum, files and verdict', () => {
    const { code, out, fleet } = backup(shell);
    const image = join(fleet.stagingDir('lpar01'), 'lpar01_mksysb_2025-01-05');
    expect(code).toBe(0);
    expect(out).toMatchObject({
      status: 'ok',
      image,
      exit: 0,
      logVerdict: 'success',
      sizeBytes: 20 * MiB,
      sha256Tool: 'openssl',
      filesBackedUp: 1500,
      tocFiles: 1500,
      volumeGroup: 'rootvg',
    });
    expect(out.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const sidecar of ['.log', '.lsmksysb', '.filesets', '.toc.gz'])
      expect(existsSync(image + sidecar)).toBe(true);
  });

  it('leaves the image mode 640 and the staging directory mode 750', () => {
    const { fleet } = backup(shell);
    expect(statSync(join(fleet.stagingDir('lpar01'), 'lpar01_mksysb_2025-01-05')).mode & 0o777).toBe(0o640);
    expect(statSync(fleet.stagingDir('lpar01')).mode & 0o777).toBe(0o750);
  });

  it('refuses a staging directory others may write and never follows the symlinks planted there', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const staging = fleet.stagingDir('lpar01');
    const victim = join(tempDir('mvvictim'), 'victim');
    writeFileSync(victim, 'precious\n');
    chmodSync(staging, 0o777);
    symlinkSync(victim, join(staging, 'lpar01_mksysb_2025-01-05.log'));
    symlinkSync(victim, join(staging, 'lpar01_mksysb_2025-01-05.lsmksysb'));
    const args = ['host=lpar01', `staging=${staging}`, 'date=2025-01-05'];
    const r = runOnHost(shell, scripts.backup, fleet, 'lpar01', args);
    expect(r.code).toBe(10);
    expect(parseHostOutput(r.stdout, 'backup').reason).toBe(
      `staging_writable_by_others:${staging}:mode_drwxrwxrwx:chmod_750_it`,
    );
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(statSync(staging).mode & 0o777).toBe(0o777);
  });

  it('replaces a symlink left in staging with its own file instead of writing through it', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const staging = fleet.stagingDir('lpar01');
    const victim = join(tempDir('mvvictim'), 'victim');
    writeFileSync(victim, 'precious\n');
    const image = join(staging, 'lpar01_mksysb_2025-01-05');
    for (const sidecar of ['.log', '.lsmksysb', '.toc.gz']) symlinkSync(victim, image + sidecar);
    const r = runOnHost(shell, scripts.backup, fleet, 'lpar01', [
      'host=lpar01',
      `staging=${staging}`,
      'date=2025-01-05',
    ]);
    expect(parseHostOutput(r.stdout, 'backup').status).toBe('ok');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(statSync(victim).mode & 0o777).not.toBe(0o640);
    for (const sidecar of ['.log', '.lsmksysb', '.toc.gz'])
      expect(lstatSync(image + sidecar).isFile()).toBe(true);
  });

  it('writes an lsmksysb sidecar and a log that the verification core reads as a good rootvg image', () => {
    const { fleet } = backup(shell);
    const image = join(fleet.stagingDir('lpar01'), 'lpar01_mksysb_2025-01-05');
    const listing = parseLsmksysb(readFileSync(`${image}.lsmksysb`, 'utf8'), 'sim lsmksysb');
    expect(listing.ok && listing.report.volumeGroup).toBe('rootvg');
    expect(listing.ok && listing.report.backupDate?.startsWith('2025-01-05')).toBe(true);
    expect(classifyMksysbLog(readFileSync(`${image}.log`, 'utf8')).outcome).toBe('success');
  });

  it('makes one savevg image per declared volume group', () => {
    const { out } = backup(shell, { ...SMALL_HOST, volumeGroups: ['rootvg', 'datavg'] }, [
      'volumeGroups=datavg',
    ]);
    expect(out.savevg).toEqual([
      expect.objectContaining({
        volumeGroupName: 'datavg',
        status: 'ok',
        volumeGroup: 'datavg',
        logVerdict: 'success',
      }),
    ]);
  });

  it('reports partial when a savevg fails but the rootvg image is good', () => {
    const { code, out } = backup(shell, SMALL_HOST, ['volumeGroups=nosuchvg']);
    expect(code).toBe(12);
    expect(out).toMatchObject({ status: 'partial', reason: 'savevg_failed:nosuchvg' });
    expect(out.savevg[0]?.logCodes).toEqual(['0512-009']);
  });

  it('fails on a full disk with the 0512 message and keeps the partial image for forensics', () => {
    const { code, out } = backup(shell, { ...SMALL_HOST, faults: ['disk_full'] });
    expect(code).toBe(11);
    expect(out).toMatchObject({
      status: 'failed',
      reason: 'mksysb_exit_1',
      logVerdict: 'failed',
      sizeBytes: 10 * MiB,
    });
    expect(out.logCodes).toEqual(expect.arrayContaining(['0511-432', '0512-005']));
  });

  it('fails when /tmp is full and mksysb was not allowed to grow it', () => {
    const { out } = backup(shell, { ...SMALL_HOST, faults: ['tmp_full'] });
    expect(out).toMatchObject({ status: 'failed', logVerdict: 'failed' });
    expect(out.logCodes).toContain('0512-016');
  });

  it('gets past a full /tmp when -X is given', () => {
    const { out } = backup(shell, { ...SMALL_HOST, faults: ['tmp_full'] }, ['mksysbFlags=-X']);
    expect(out.status).toBe('ok');
  });

  it('exposes the silent tiny image: exit 0 and a clean log, but a table of contents far shorter than the log', () => {
    const { out } = backup(shell, { ...SMALL_HOST, faults: ['tiny_image'] });
    expect(out).toMatchObject({ status: 'ok', exit: 0, logVerdict: 'success', sizeBytes: 4 * MiB });
    expect(out.tocFiles).toBeLessThan((out.filesBackedUp ?? 0) / 2);
  });

  it('fails when the image changes size while it is being described', () => {
    const { out } = backup(shell, { ...SMALL_HOST, faults: ['size_change'] });
    expect(out).toMatchObject({ status: 'failed', reason: 'image_size_changed', sizeAfterBytes: 21 * MiB });
  });

  it('reports the volume group the image really holds when it is the wrong one', () => {
    const { out } = backup(shell, {
      ...SMALL_HOST,
      volumeGroups: ['rootvg', 'datavg'],
      faults: ['wrong_vg'],
    });
    expect(out.volumeGroup).toBe('datavg');
  });

  it('falls back to csum -h SHA256 when openssl is missing', () => {
    const { out } = backup(shell, { ...SMALL_HOST, tools: { openssl: false, csum: true, gzip: true } });
    expect(out.sha256Tool).toBe('csum');
    expect(out.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('says plainly that no SHA-256 tool exists when neither openssl nor csum is there', () => {
    const { out } = backup(shell, { ...SMALL_HOST, tools: { openssl: false, csum: false, gzip: true } });
    expect(out.sha256Tool).toBe('none');
    expect(out.sha256).toBeUndefined();
  });

  it('writes the MD5 of each upload part beside the image, cut as prepare-upload cuts them', () => {
    const { out, fleet } = backup(shell, SMALL_HOST, [`partSizeBytes=${8 * MiB}`]);
    const image = join(fleet.stagingDir('lpar01'), 'lpar01_mksysb_2025-01-05');
    expect(out.other.part_md5s).toBe('3');
    const bytes = readFileSync(image);
    const line = (n: number, from: number, to: number) => {
      const md5 = createHash('md5').update(bytes.subarray(from, to)).digest();
      return `${n} ${md5.toString('hex')} ${md5.toString('base64')}`;
    };
    expect(readFileSync(`${image}.partmd5`, 'utf8').split('\n')).toEqual([
      `# mksysb-vault part md5 v1 size=${20 * MiB} partSize=${8 * MiB} parts=3`,
      line(1, 0, 8 * MiB),
      line(2, 8 * MiB, 16 * MiB),
      line(3, 16 * MiB, 20 * MiB),
      '',
    ]);
  });

  it('writes no part MD5s when told not to, and says so', () => {
    const { out, fleet } = backup(shell, SMALL_HOST, ['partSizeBytes=0']);
    expect(out.other.part_md5s).toBe('off');
    expect(existsSync(join(fleet.stagingDir('lpar01'), 'lpar01_mksysb_2025-01-05.partmd5'))).toBe(false);
  });

  it('says the part MD5s are unavailable without openssl, and the backup is still good', () => {
    const { out, code } = backup(shell, { ...SMALL_HOST, tools: { openssl: false, csum: true, gzip: true } });
    expect(code).toBe(0);
    expect(out.other.part_md5s).toBe('unavailable');
  });

  it('rejects a part size that is not a whole number of MiB before running mksysb', () => {
    const { code, out, fleet } = backup(shell, SMALL_HOST, ['partSizeBytes=1000000']);
    expect(code).toBe(2);
    expect(out.reason).toBe('invalid_argument:partSizeBytes');
    expect(readdirSync(fleet.stagingDir('lpar01'))).toEqual([]);
  });

  it('takes over a stale lock left by a dead run', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const lock = join(fleet.stagingDir('lpar01'), '.mksysb-vault.lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner'), 'pid=2147483646\n');
    const r = runOnHost(shell, scripts.backup, fleet, 'lpar01', [
      'host=lpar01',
      `staging=${fleet.stagingDir('lpar01')}`,
      'date=2025-01-05',
    ]);
    expect(parseHostOutput(r.stdout, 'backup')).toMatchObject({ status: 'ok', lock: 'stale_taken_over' });
    expect(existsSync(lock)).toBe(false);
  });

  it('refuses a second run while the first one is still going', async () => {
    const fleet = fleetOf([{ ...SMALL_HOST, faults: ['slow:3'] }]);
    const args = ['host=lpar01', `staging=${fleet.stagingDir('lpar01')}`, 'date=2025-01-05'];
    const first = spawn(shell, [scripts.backup, ...args], {
      env: simEnv(fleet.dir, 'lpar01', { mode: 'direct' }),
      stdio: 'ignore',
    });
    const done = new Promise((resolve) => first.on('close', resolve));
    const lock = join(fleet.stagingDir('lpar01'), '.mksysb-vault.lock', 'owner');
    while (!existsSync(lock)) await new Promise((r) => setTimeout(r, 20));
    const second = runOnHost(shell, scripts.backup, fleet, 'lpar01', args);
    await done;
    expect(second.code).toBe(10);
    expect(parseHostOutput(second.stdout, 'backup').reason).toBe(`locked_by_pid:${first.pid}`);
  });

  it('prunes local images beyond the kept count, oldest first, with their sidecars', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const staging = fleet.stagingDir('lpar01');
    for (const date of ['2025-01-05', '2025-01-12', '2025-01-19']) {
      const r = runOnHost(shell, scripts.backup, fleet, 'lpar01', [
        'host=lpar01',
        `staging=${staging}`,
        `date=${date}`,
        'keepLocal=2',
      ]);
      expect(r.code).toBe(0);
      if (date === '2025-01-19')
        expect(parseHostOutput(r.stdout, 'backup').pruned).toEqual(['lpar01_mksysb_2025-01-05']);
    }
    expect(readdirSync(staging).filter((f) => f.startsWith('lpar01_mksysb_2025-01-05'))).toEqual([]);
  });

  it('never prunes after a failed run', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const staging = fleet.stagingDir('lpar01');
    const run = (date: string) =>
      runOnHost(shell, scripts.backup, fleet, 'lpar01', [
        'host=lpar01',
        `staging=${staging}`,
        `date=${date}`,
        'keepLocal=1',
      ]);
    run('2025-01-05');
    setHostProfile(fleet.dir, 'lpar01', { faults: ['disk_full'] });
    const out = parseHostOutput(run('2025-01-12').stdout, 'backup');
    expect(out.status).toBe('failed');
    expect(out.pruned).toEqual([]);
    expect(existsSync(join(staging, 'lpar01_mksysb_2025-01-05'))).toBe(true);
  });

  it.each([
    ['host', 'a;rm -rf /'],
    ['host', 'two words'],
    ['volumeGroups', '$(reboot)'],
    ['volumeGroups', 'datavg,`id`'],
    ['mksysbFlags', '-e; rm -rf /'],
    ['date', '2025-01-05; id'],
    ['staging', '/mksysb/../etc'],
  ])('rejects %s=%j with no side effect', (key, value) => {
    const fleet = fleetOf([SMALL_HOST]);
    const base = ['host=lpar01', `staging=${fleet.stagingDir('lpar01')}`, 'date=2025-01-05'].filter(
      (a) => !a.startsWith(`${key}=`),
    );
    const r = runOnHost(shell, scripts.backup, fleet, 'lpar01', [...base, `${key}=${value}`]);
    expect(r.code).toBe(2);
    expect(parseHostOutput(r.stdout, 'backup').reason).toBe(`invalid_argument:${key}`);
    expect(readdirSync(fleet.stagingDir('lpar01'))).toEqual([]);
  });
});
