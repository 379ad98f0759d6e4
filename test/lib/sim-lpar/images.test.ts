// The simulated LPARs' images are real AIX `backup` by-name archives: the stand-in mksysb and savevg
// write them (through the bundled archiver), restore -Tqf and lsmksysb read them, and the faults
// damage them the way real trouble does. Read back here with the content check's own reader.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImageData, summariseImageData } from '../../../lambdas/core/bff/image-data.js';
import { BffReader, type CapturedEntry } from '../../../lambdas/core/bff/reader.js';
import type { ArchiveSummary } from '../../../lambdas/core/bff/types.js';
import { parseLsmksysb } from '../../../lambdas/core/lsmksysb.js';
import { classifyMksysbLog } from '../../../lambdas/core/mksysb-log.js';
import {
  createSimulatedFleet,
  type HostProfileInput,
  type SimulatedFleet,
  setHostProfile,
} from '../../../lib/sim-lpar/index.js';
import { ROOTVG_LVS } from '../../../lib/sim-lpar/rootvg.js';

const MiB = 1024 * 1024;
const HOST: HostProfileInput = { host: 'lpar01', sizeBytes: 6 * MiB, files: 400 };

function fleetOf(profile: Partial<HostProfileInput> = {}): SimulatedFleet {
  return createSimulatedFleet(mkdtempSync(join(tmpdir(), 'mvsimimg')), [{ ...HOST, ...profile }]);
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a stand-in command of the host, as backup.sh does. */
function aix(fleet: SimulatedFleet, command: string, ...args: string[]): Run {
  const bin = ['lsvg', 'restore'].includes(command) ? 'usr/sbin' : 'usr/bin';
  const r = spawnSync(join(fleet.hostRoot('lpar01'), bin, command), args, { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function mksysb(fleet: SimulatedFleet, ...flags: string[]): { image: string; run: Run } {
  const image = join(fleet.stagingDir('lpar01'), 'lpar01_mksysb_2025-01-05');
  return { image, run: aix(fleet, 'mksysb', '-i', ...flags, image) };
}

function read(image: string, capture: (path: string) => boolean = () => false) {
  const reader = new BffReader({ capture: (e) => capture(e.path), maxCaptureBytes: 4 * MiB });
  const entries: CapturedEntry[] = [...reader.push(readFileSync(image))];
  const summary: ArchiveSummary = reader.end();
  return { entries, summary };
}

/** A captured file's bytes (the reader unpacks packed records as it captures them). */
function contentOf(e: CapturedEntry | undefined): Buffer {
  if (!e?.data) throw new Error(`no data captured for ${e?.path}`);
  return Buffer.from(e.data);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('the simulated mksysb', () => {
  it('writes a complete archive of exactly the profile size, holding as many entries as its log says', () => {
    const fleet = fleetOf();
    const { image, run } = mksysb(fleet, '-X');
    expect(run.code).toBe(0);
    expect(statSync(image).size).toBe(6 * MiB);
    const { entries, summary } = read(image);
    expect(summary).toMatchObject({ complete: true, problem: null, entries: 400 });
    const log = classifyMksysbLog(run.stdout + run.stderr);
    expect(log).toMatchObject({ outcome: 'success', filesToBackUp: 400, filesBackedUp: 400 });
    expect(entries.slice(0, 2).map((e) => e.path)).toEqual(['./bosinst.data', './image.data']);
    for (const path of ['./unix', './usr/lib/boot/unix_64', './etc/hosts', './tmp/vgdata/rootvg/image.data'])
      expect(entries.map((e) => e.path)).toContain(path);
    expect(entries.find((e) => e.path === './unix')).toMatchObject({
      type: 'symlink',
      linkTarget: '/usr/lib/boot/unix_64',
    });
    expect(new Set(entries.map((e) => e.type))).toEqual(new Set(['file', 'directory', 'symlink', 'other']));
  });

  it('archives the profile’s trees at their fixed sizes on top of the bulk, and without them when they go', () => {
    const fleet = fleetOf({ trees: [{ path: '/home/oracle', bytes: 2 * MiB + 12, files: 5 }] });
    const { image, run } = mksysb(fleet);
    expect(run.code).toBe(0);
    expect(statSync(image).size).toBe(8 * MiB + 12);
    const { entries, summary } = read(image);
    expect(summary).toMatchObject({ complete: true, problem: null, entries: 406 });
    const tree = entries.filter((e) => e.path.startsWith('./home/oracle/'));
    expect(tree.map((e) => e.size)).toEqual([419432, 419432, 419432, 419432, 419436]);
    expect(entries.find((e) => e.path === './home/oracle')?.type).toBe('directory');

    setHostProfile(fleet.dir, 'lpar01', { trees: [] });
    const after = mksysb(fleet);
    expect(statSync(after.image).size).toBe(6 * MiB);
    expect(read(after.image).entries.filter((e) => e.path.startsWith('./home/oracle'))).toEqual([]);
  });

  it('leaves out with -e the files /etc/exclude.rootvg names, reading each line as grep does, and only with -e', () => {
    const fleet = fleetOf({ trees: [{ path: '/home/oracle', bytes: 2 * MiB, files: 5 }] });
    // \( \) is a grep group (a JavaScript RegExp would take it for a literal parenthesis).
    writeFileSync(
      join(fleet.hostRoot('lpar01'), 'etc/exclude.rootvg'),
      '^./home/ora\\(cle\\)/\n^./etc/hosts$\n',
    );
    const paths = (flags: string[]) => read(mksysb(fleet, ...flags).image).entries.map((e) => e.path);
    const excluded = paths(['-e', '-X']);
    expect(excluded.filter((p) => p.startsWith('./home/oracle/'))).toEqual([]);
    expect(excluded).not.toContain('./etc/hosts');
    expect(excluded).toContain('./home/oracle');
    expect(excluded).toContain('./etc/passwd');
    const whole = paths(['-X']);
    expect(whole.filter((p) => p.startsWith('./home/oracle/'))).toHaveLength(5);
    expect(whole).toContain('./etc/hosts');
  });

  it('archives the host’s own system files byte for byte (what a restore of one file must give back)', () => {
    const fleet = fleetOf();
    const hosts = join(fleet.hostRoot('lpar01'), 'etc/hosts');
    writeFileSync(hosts, `${readFileSync(hosts, 'utf8')}10.1.2.3 added-by-the-test\n`);
    const { image } = mksysb(fleet);
    const wanted = new Set(['./etc/hosts', './etc/passwd', './etc/security/passwd', './bosinst.data']);
    const { entries } = read(image, (p) => wanted.has(p));
    for (const path of wanted)
      expect(contentOf(entries.find((e) => e.path === path))).toEqual(
        readFileSync(join(fleet.hostRoot('lpar01'), path.slice(2))),
      );
  });

  it('packs text files unless -p is given, and stores the incompressible bulk plain either way', () => {
    const packed = read(mksysb(fleetOf()).image).entries;
    // backup packs a file only when that saves a 4 KiB block: the larger text files.
    expect(packed.find((e) => e.path === './sbin/rc.boot')?.packed).toBe(true);
    expect(packed.filter((e) => e.packed).length).toBeGreaterThan(10);
    expect(packed.find((e) => e.path === './usr/lib/boot/unix_64')?.packed).toBe(false);
    const plain = read(mksysb(fleetOf(), '-p').image).entries;
    expect(plain.filter((e) => e.packed)).toEqual([]);
  });

  it('writes the same bytes for the same host, size and date', () => {
    expect(sha(readFileSync(mksysb(fleetOf()).image))).toBe(sha(readFileSync(mksysb(fleetOf()).image)));
  });

  it('lists the archive with restore -Tqf in AIX’s format, one line per entry', () => {
    const fleet = fleetOf();
    const { image } = mksysb(fleet);
    const r = aix(fleet, 'restore', '-Tqf', image);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      `New volume on ${image}:`,
      'Cluster size is 51200 bytes (100 blocks).',
      'The volume number is 1.',
      expect.stringMatching(/^The backup date is: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}$/),
      'Files are backed up by name.',
      'The user is root.',
    ]);
    expect(lines.filter((l) => l.startsWith('./'))).toHaveLength(400);
    expect(lines).toContain('The number of archived files is 400.');
  });

  it('answers restore -Tqf and lsmksysb from what it kept at write time, and reads the image again once it changed', () => {
    const fleet = fleetOf();
    const { image } = mksysb(fleet);
    const kept = join(fleet.hostRoot('lpar01'), 'state/answers', `${image}.list`);
    const tool = (...args: string[]) =>
      spawnSync(process.execPath, [join(fleet.hostRoot('lpar01'), '../../bin/sim-archiver.mjs'), ...args], {
        encoding: 'utf8',
      });
    // The kept answers are what reading the archive answers, word for word.
    expect(aix(fleet, 'restore', '-Tqf', image).stdout).toBe(tool('list', image).stdout);
    expect(aix(fleet, 'lsmksysb', '-lf', image).stdout).toBe(tool('lsmksysb', image).stdout);
    expect(aix(fleet, 'lsmksysb', '-L', '-f', image).stdout).toBe(tool('lsmksysb', image, '-L').stdout);
    // A kept answer no longer describing the image (forged here) is never served once it is older.
    writeFileSync(kept, 'forged\n');
    expect(aix(fleet, 'restore', '-Tqf', image).stdout).toBe('forged\n');
    const past = new Date(statSync(image).mtimeMs - 60_000);
    utimesSync(kept, past, past);
    const after = aix(fleet, 'restore', '-Tqf', image);
    expect(after.stdout).not.toContain('forged');
    expect(after.stdout).toContain('The number of archived files is 400.');
  });

  it('describes the image with lsmksysb -lf from the image.data inside it, consistent with lsvg', () => {
    const fleet = fleetOf({ oslevel: '7300-02-01-2346' });
    const { image } = mksysb(fleet);
    const r = aix(fleet, 'lsmksysb', '-lf', image);
    expect(r.code).toBe(0);
    const parsed = parseLsmksysb(r.stdout, 'sim');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.report).toMatchObject({ volumeGroup: 'rootvg', backupSizeMB: 6, shrinkSizeMB: 4 });
    expect(r.stdout).toContain('BACKUP OSLEVEL:         7.3.2.1');
    expect(r.stdout).toContain('MAINTENANCE LEVEL:      7300-02');
    expect(r.stdout.split('rootvg:\n')[1]).toBe(
      aix(fleet, 'lsvg', '-l', 'rootvg').stdout.split('rootvg:\n')[1],
    );
  });

  it('writes an image.data the content check’s parser reads whole: rootvg, its LVs and file systems', () => {
    const { image } = mksysb(fleetOf());
    const { entries } = read(image, (p) => p === './image.data');
    const parsed = parseImageData(contentOf(entries.find((e) => e.path === './image.data')).toString('utf8'));
    expect(parsed.ok).toBe(true);
    expect(summariseImageData(parsed.imageData)).toEqual({
      volumeGroup: 'rootvg',
      logicalVolumes: ROOTVG_LVS.map((lv) => lv.name),
      fileSystems: ROOTVG_LVS.filter((lv) => lv.mount.startsWith('/')).map((lv) => lv.mount),
    });
  });

  it('the stand-in lsvg prints the logical volumes image.data describes', () => {
    const lines = aix(fleetOf(), 'lsvg', '-l', 'rootvg').stdout.trim().split('\n').slice(2);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(ROOTVG_LVS.map((lv) => lv.name));
  });

  it('refuses a file that is no backup archive: lsmksysb 0516-1104, restore 0511-160', () => {
    const fleet = fleetOf();
    const junk = join(fleet.stagingDir('lpar01'), 'junk');
    writeFileSync(junk, 'not an archive\n'.repeat(100));
    const ls = aix(fleet, 'lsmksysb', '-lf', junk);
    expect(ls.code).not.toBe(0);
    expect(ls.stderr).toMatch(/^0516-1104 lsmksysb: .* is not a valid backup image\./);
    const rs = aix(fleet, 'restore', '-Tqf', junk);
    expect(rs.code).not.toBe(0);
    expect(rs.stderr).toContain('0511-160 Cannot read the backup media');
  });
});

describe('a profile changed while the host runs', () => {
  it('replaces each file by rename, so a script being read keeps the whole old copy', () => {
    const fleet = fleetOf();
    const files = ['usr/bin/mksysb', 'usr/lib/sim/_profile.sh', 'profile.env', 'usr/bin/gzip'];
    const before = files.map((f) => lstatSync(join(fleet.hostRoot('lpar01'), f)).ino);
    const held = readFileSync(join(fleet.hostRoot('lpar01'), 'usr/bin/mksysb'));
    setHostProfile(fleet.dir, 'lpar01', { faults: ['unreachable'] });
    const after = files.map((f) => lstatSync(join(fleet.hostRoot('lpar01'), f)).ino);
    // A new inode for each: a shell reading the old one by offset (dash and ksh read a script in
    // blocks as they go) is never handed a file truncated and rewritten under it.
    for (const [i, f] of files.entries()) expect(after[i], f).not.toBe(before[i]);
    expect(readFileSync(join(fleet.hostRoot('lpar01'), 'usr/bin/mksysb'))).toEqual(held);
    expect(readFileSync(join(fleet.hostRoot('lpar01'), 'profile.env'), 'utf8')).toContain('unreachable');
  });
});

describe('the simulated archiver', () => {
  it('is bundled without zod: node starts it for every backup, and a 450 KB library parsed each time is most of its start', () => {
    const bundle = readFileSync(join(fleetOf().dir, 'bin/sim-archiver.mjs'), 'utf8');
    expect(bundle.length).toBeLessThan(100_000);
  });
});

describe('the simulated ssh', () => {
  it('runs the command on a host whose key known_hosts pins, and refuses one it does not know, as ssh does', () => {
    const fleet = fleetOf();
    const ssh = (knownHosts: string) =>
      spawnSync(
        join(fleet.dir, 'bin/ssh'),
        ['-o', `UserKnownHostsFile=${knownHosts}`, 'lpar01', 'echo on $AIXROOT'],
        {
          encoding: 'utf8',
        },
      );
    const known = ssh(fleet.knownHostsPath);
    expect([known.status, known.stdout.trim()]).toEqual([0, `on ${fleet.hostRoot('lpar01')}`]);
    const other = join(fleet.dir, 'other_known_hosts');
    writeFileSync(other, 'lpar011 ssh-ed25519 AAAA\n');
    const unknown = ssh(other);
    expect([unknown.status, unknown.stderr]).toEqual([
      255,
      'No ED25519 host key is known for lpar01 and you have requested strict checking.\nHost key verification failed.\n',
    ]);
  });
});

describe('the simulated savevg', () => {
  it('writes an archive of the volume group: its vgdata files and its filesystem’s files', () => {
    const fleet = fleetOf({ volumeGroups: ['rootvg', 'datavg'] });
    const image = join(fleet.stagingDir('lpar01'), 'lpar01_savevg_datavg_2025-01-05');
    const run = aix(fleet, 'savevg', '-i', '-f', image, 'datavg');
    expect(run.code).toBe(0);
    expect(statSync(image).size).toBe(8 * MiB);
    const { entries, summary } = read(image);
    expect(summary).toMatchObject({ complete: true, problem: null });
    expect(classifyMksysbLog(run.stdout).filesBackedUp).toBe(summary.entries);
    const paths = entries.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['./tmp/vgdata/datavg/datavg.data', './tmp/vgdata/datavg/filesystems']),
    );
    expect(paths.filter((p) => p.startsWith('./datavg/data/')).length).toBeGreaterThan(10);
    expect(paths.some((p) => p.startsWith('./usr/'))).toBe(false);
    expect(aix(fleet, 'lssavevg', '-lf', image).stdout).toMatch(/^VOLUME GROUP: +datavg$/m);
  });
});

describe('faults damage the archive as real trouble does', () => {
  it('disk_full: the archive stops mid-entry at half the size, the log counts the files written whole', () => {
    const fleet = fleetOf({ faults: ['disk_full'] });
    const { image, run } = mksysb(fleet);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('0511-432');
    expect(statSync(image).size).toBe(3 * MiB);
    const { summary } = read(image);
    expect(summary.problem?.code).toBe('ARCHIVE_TRUNCATED');
    const log = classifyMksysbLog(run.stdout + run.stderr);
    // The reader also reports the entry cut short (its header is whole): the log counts it not.
    expect(log.filesBackedUp).toBe(summary.entries - 1);
    expect(log.filesToBackUp).toBe(400);
    const r = aix(fleet, 'restore', '-Tqf', image);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('0511-160');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('./'))).toHaveLength(summary.entries);
  });

  it('tiny_image: a clean log and exit 0, a well-formed 4 MiB archive without the kernel', () => {
    const fleet = fleetOf({ faults: ['tiny_image'] });
    const { image, run } = mksysb(fleet);
    expect(run.code).toBe(0);
    expect(classifyMksysbLog(run.stdout)).toMatchObject({ outcome: 'success', filesBackedUp: 400 });
    expect(statSync(image).size).toBe(4 * MiB);
    const { entries, summary } = read(image);
    expect(summary).toMatchObject({ complete: true, problem: null });
    expect(summary.entries).toBeLessThan(40);
    const paths = entries.map((e) => e.path);
    expect(paths).toContain('./image.data');
    expect(paths).not.toContain('./usr/lib/boot/unix_64');
    expect(paths).not.toContain('./unix');
  });

  it('wrong_vg: mksysb writes an archive of another volume group', () => {
    const fleet = fleetOf({ volumeGroups: ['rootvg', 'appvg'], faults: ['wrong_vg'] });
    const { image } = mksysb(fleet);
    expect(read(image).entries.map((e) => e.path)).toContain('./tmp/vgdata/appvg/appvg.data');
    expect(aix(fleet, 'lsmksysb', '-lf', image).stdout).toMatch(/^VOLUME GROUP: +appvg$/m);
  });

  it('bit_flip: mksysb succeeds, and the 4 KiB block with the first header past the middle is noise', () => {
    const clean = mksysb(fleetOf()).image;
    const fleet = fleetOf({ faults: ['bit_flip'] });
    const { image, run } = mksysb(fleet);
    expect(run.code).toBe(0);
    expect(classifyMksysbLog(run.stdout).outcome).toBe('success');
    const good = readFileSync(clean);
    const bad = readFileSync(image);
    expect(bad.length).toBe(good.length);
    const differ = [...Array(good.length / 4096).keys()].filter(
      (b) => !good.subarray(b * 4096, b * 4096 + 4096).equals(bad.subarray(b * 4096, b * 4096 + 4096)),
    );
    expect(differ).toHaveLength(1);
    const block = differ[0] as number;
    const header = read(clean).entries.find((e) => e.headerOffset >= good.length / 2)?.headerOffset ?? -1;
    expect(block).toBe(Math.floor(header / 4096));
    expect(read(image).summary.problem?.code).toBe('ARCHIVE_CORRUPT');
    const r = aix(fleet, 'restore', '-Tqf', image);
    expect(r.code).not.toBe(0);
  });
});
