// Exclude lists on the host: backup writes the config's list to /etc/exclude.rootvg (keeping the file
// it replaces as /etc/exclude.rootvg.prev) and runs mksysb -e, so the simulated archive lacks what the
// list names; without a list the host's file is left alone; preflight refuses a staging directory on
// a rootvg filesystem that the list does not leave out. The list travels as hex, so no pattern can
// reach a shell.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXCLUDE_LIST_MAX_BYTES, encodeExcludeList } from '../../lambdas/core/exclude-list.js';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { documentContent } from '../../lib/host-scripts/index.js';
import { listImage } from '../../lib/sim-lpar/archiver.js';
import type { HostProfileInput } from '../../lib/sim-lpar/index.js';
import { fleetOf, runOnHost, SHELLS, type Shell, SMALL_HOST, tempDir, writeScripts } from './harness.js';

const scripts = writeScripts(tempDir('mvexcl'));
const DATE = '2025-01-05';

function names(image: string): string[] {
  const lines: string[] = [];
  listImage(
    image,
    (l) => lines.push(l.trim()),
    () => {},
  );
  return lines;
}

function backup(shell: Shell, options: { list?: string[]; flags?: string; existing?: string } = {}) {
  const fleet = fleetOf([SMALL_HOST]);
  const host = SMALL_HOST.host;
  const etc = join(fleet.hostRoot(host), 'etc');
  if (options.existing !== undefined) writeFileSync(join(etc, 'exclude.rootvg'), options.existing);
  const args = [
    `host=${host}`,
    `staging=${fleet.stagingDir(host)}`,
    `date=${DATE}`,
    `mksysbFlags=${options.flags ?? '-X'}`,
    ...(options.list ? [`excludeList=${encodeExcludeList(options.list)}`] : []),
  ];
  const run = () => {
    const r = runOnHost(shell, scripts.backup, fleet, host, args);
    return { ...r, out: parseHostOutput(r.stdout, 'backup') };
  };
  const first = run();
  return {
    ...first,
    again: run,
    etc,
    image: join(fleet.stagingDir(host), `${host}_mksysb_${DATE}`),
  };
}

describe.each(SHELLS)('backup with an exclude list under %s', (shell) => {
  it('writes the list to /etc/exclude.rootvg, runs mksysb -e, and the archive lacks what it names', () => {
    const { code, out, etc, image } = backup(shell, { list: ['^./etc/hosts$', '^./home/nobody/'] });
    expect(code).toBe(0);
    expect(readFileSync(join(etc, 'exclude.rootvg'), 'utf8')).toBe('^./etc/hosts$\n^./home/nobody/\n');
    expect(out).toMatchObject({
      status: 'ok',
      excludeRootvg: 'present',
      excludeRootvgPrevious: 'none',
      excludeListSource: 'config',
      excludeListLines: 2,
      excludeListPatterns: ['^./etc/hosts$', '^./home/nobody/'],
    });
    const listed = names(image);
    expect(listed).not.toContain('./etc/hosts');
    expect(listed).toContain('./etc/passwd');
  });
});

describe('backup with an exclude list (one shell each: the line work above runs under both)', () => {
  it('keeps the file it replaces as /etc/exclude.rootvg.prev, and leaves both alone when the list is the same', () => {
    const { out, etc, again } = backup('ksh', { list: ['^./tmp/x/'], existing: '^./old/\n' });
    expect(out.excludeRootvgPrevious).toBe('kept');
    expect(readFileSync(join(etc, 'exclude.rootvg.prev'), 'utf8')).toBe('^./old/\n');
    expect(readFileSync(join(etc, 'exclude.rootvg'), 'utf8')).toBe('^./tmp/x/\n');
    const second = again();
    expect(second.out.excludeRootvgPrevious).toBe('unchanged');
    expect(readFileSync(join(etc, 'exclude.rootvg.prev'), 'utf8')).toBe('^./old/\n');
  });

  it('without a list leaves the host file alone and runs mksysb without -e', () => {
    const { out, etc, image } = backup('dash', { existing: '^./etc/hosts$\n' });
    expect(out).toMatchObject({ status: 'ok', excludeRootvg: 'present', excludeListSource: 'none' });
    expect(out.excludeListPatterns).toEqual([]);
    expect(existsSync(join(etc, 'exclude.rootvg.prev'))).toBe(false);
    expect(readFileSync(join(etc, 'exclude.rootvg'), 'utf8')).toBe('^./etc/hosts$\n');
    expect(names(image)).toContain('./etc/hosts');
  });
  it("uses the host's own file when its flags already ask for -e, and reports its lines", () => {
    const { out, image } = backup('dash', { flags: '-e -X', existing: '^./etc/hosts$\n' });
    expect(out).toMatchObject({
      excludeListSource: 'host',
      excludeListLines: 1,
      excludeListPatterns: ['^./etc/hosts$'],
    });
    expect(names(image)).not.toContain('./etc/hosts');
  });

  it('writes a pattern of shell syntax verbatim and never runs it', () => {
    const marker = join(tempDir('mvexclmark'), 'ran');
    const pattern = `^./x'$(touch ${marker})\`touch ${marker}\`;`;
    const { out, etc } = backup('ksh', { list: [pattern] });
    expect(out.status).toBe('ok');
    expect(readFileSync(join(etc, 'exclude.rootvg'), 'utf8')).toBe(`${pattern}\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses an excludeList that is not hex before touching anything', () => {
    const fleet = fleetOf([SMALL_HOST]);
    const r = runOnHost('dash', scripts.backup, fleet, 'lpar01', [
      'host=lpar01',
      `staging=${fleet.stagingDir('lpar01')}`,
      `date=${DATE}`,
      'excludeList=5e2e2f746d702f0a$(reboot)',
    ]);
    expect(parseHostOutput(r.stdout, 'backup')).toMatchObject({
      status: 'invalid',
      reason: 'invalid_argument:excludeList',
    });
    expect(existsSync(join(fleet.hostRoot('lpar01'), 'etc', 'exclude.rootvg'))).toBe(false);
  });
});

describe('the excludeList document parameter', () => {
  const pattern = (step: 'preflight' | 'backup') =>
    new RegExp(documentContent(step).parameters.excludeList?.allowedPattern ?? '^$');

  it.each(['preflight', 'backup'] as const)('of %s takes the largest list the config allows', (step) => {
    const line = `^./${'a'.repeat(254 - 3)}`;
    const list = Array.from({ length: 100 }, (_, i) => `${line.slice(0, 16)}${i}/`);
    let biggest = list;
    while (Buffer.byteLength(biggest.join('\n')) + biggest.length > EXCLUDE_LIST_MAX_BYTES)
      biggest = biggest.slice(1);
    expect(pattern(step).test(encodeExcludeList(biggest))).toBe(true);
    expect(pattern(step).test('')).toBe(true);
    expect(pattern(step).test('ab'.repeat(EXCLUDE_LIST_MAX_BYTES + 1))).toBe(false);
  });

  it.each(["'", '$(id)', '5e2', 'AB', '5e 2f'])('of backup refuses %j', (value) => {
    expect(pattern('backup').test(value)).toBe(false);
  });
});

/** Staging on /home, a rootvg filesystem (lsvg -l rootvg lists it). */
const ROOTVG_STAGING: HostProfileInput = { ...SMALL_HOST, stagingMount: '/home' };

function preflight(shell: Shell, profile: HostProfileInput, extra: string[]) {
  const fleet = fleetOf([profile]);
  const r = runOnHost(shell, scripts.preflight, fleet, profile.host, [
    `host=${profile.host}`,
    `staging=${fleet.stagingDir(profile.host)}`,
    ...extra,
  ]);
  return { ...r, out: parseHostOutput(r.stdout, 'preflight') };
}

describe.each(SHELLS)('preflight of a staging directory in rootvg under %s', (shell) => {
  it('refuses it when no exclude list leaves it out, saying what to add', () => {
    const { code, out } = preflight(shell, ROOTVG_STAGING, [`excludeList=${encodeExcludeList(['^./tmp/'])}`]);
    expect(code).toBe(10);
    expect(out.status).toBe('refused');
    expect(out.reason).toBe('staging_in_rootvg_not_excluded:/mksysb:add_^./mksysb/_to_the_host_exclude_list');
    expect(out.other).toMatchObject({ staging_vg: 'rootvg', staging_excluded: 'no' });
  });

  it('accepts it when the exclude list leaves it out', () => {
    const { code, out } = preflight(shell, ROOTVG_STAGING, [
      `excludeList=${encodeExcludeList(['^./tmp/', '^./mksysb/'])}`,
    ]);
    expect(code).toBe(0);
    expect(out.other).toMatchObject({ staging_vg: 'rootvg', staging_excluded: 'yes' });
  });
});

describe('preflight and the staging volume group (one shell)', () => {
  it("counts the host's own /etc/exclude.rootvg only when the flags ask for -e", () => {
    const fleet = fleetOf([ROOTVG_STAGING]);
    writeFileSync(join(fleet.hostRoot('lpar01'), 'etc', 'exclude.rootvg'), '^./mksysb/\n');
    const run = (flags: string) =>
      parseHostOutput(
        runOnHost('dash', scripts.preflight, fleet, 'lpar01', [
          'host=lpar01',
          `staging=${fleet.stagingDir('lpar01')}`,
          `mksysbFlags=${flags}`,
        ]).stdout,
        'preflight',
      );
    expect(run('-e -X').status).toBe('ok');
    expect(run('-X').reason).toMatch(/^staging_in_rootvg_not_excluded:/);
  });

  it('refuses when a savevg image the run writes there is not left out', () => {
    const profile: HostProfileInput = { ...ROOTVG_STAGING, volumeGroups: ['rootvg', 'datavg'] };
    const { out } = preflight('dash', profile, [
      'volumeGroups=datavg',
      `excludeList=${encodeExcludeList(['^./mksysb/lpar01_mksysb_'])}`,
    ]);
    expect(out.reason).toMatch(/^staging_in_rootvg_not_excluded:/);
  });

  it('needs no exclude list for staging on a filesystem of another volume group', () => {
    const { code, out } = preflight('dash', SMALL_HOST, []);
    expect(code).toBe(0);
    expect(out.other).toMatchObject({ staging_vg: 'other' });
  });
});
