import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  compareLevels,
  type DiffEntry,
  diffFilesets,
  diffTocs,
  topContributors,
} from '../../../lambdas/core/image-diff.js';
import { parseFilesetList } from '../../../lambdas/core/lsmksysb.js';
import { tocEntry } from '../../support/toc.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const entry = tocEntry;

/** A small rootvg as the index lists it: `./`-relative names, every directory an entry. */
const ROOTVG: DiffEntry[] = [
  entry('.'),
  entry('./bosinst.data', 4_000),
  entry('./image.data', 9_000),
  entry('./usr'),
  entry('./usr/lib'),
  entry('./usr/lib/libc.a', 40 * MiB),
  entry('./usr/bin'),
  entry('./usr/bin/ksh', 2 * MiB),
  entry('./var'),
  entry('./var/adm'),
  entry('./var/adm/ras'),
  entry('./var/adm/ras/errlog', 1 * MiB),
  entry('./var/adm/ras/livedump'),
  entry('./var/adm/ras/livedump/dump.0', 10 * MiB),
  entry('./home'),
  entry('./home/oracle'),
  entry('./home/oracle/product'),
  entry('./home/oracle/product/oradata.dbf', 9 * GiB),
  entry('./home/oracle/product/redo01.log', 600 * MiB),
  entry('./home/oracle/.profile', 1_000),
  entry('./opt'),
  entry('./opt/app'),
  entry('./opt/app/lib'),
  entry('./opt/app/lib/core.jar', 500 * MiB),
  entry('./opt/app/lib/ui.jar', 200 * MiB),
  entry('./opt/app/bin'),
  entry('./opt/app/bin/app', 100 * MiB),
  entry('./opt/tools'),
  entry('./opt/tools/t', 10 * MiB),
];

/** `ROOTVG` with `change` applied: entries replaced or dropped by path, others appended. */
function changed(change: { drop?: (path: string) => boolean; set?: DiffEntry[] }): DiffEntry[] {
  const set = new Map((change.set ?? []).map((e) => [e.path, e]));
  const out = ROOTVG.filter((e) => !change.drop?.(e.path)).map((e) => set.get(e.path) ?? e);
  for (const e of set.values()) if (!out.includes(e)) out.push(e);
  return out;
}

describe('diffTocs', () => {
  it('finds nothing between two identical images', () => {
    const diff = diffTocs(ROOTVG, [...ROOTVG].reverse());
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.grown).toEqual([]);
    expect(diff.shrunk).toEqual([]);
    expect(diff.addedTrees).toEqual([]);
    expect(diff.removedTrees).toEqual([]);
    expect(diff.totals.delta).toBe(0);
    expect(diff.unchanged).toBe(ROOTVG.length);
    expect(diff.directories.every((d) => d.delta === 0)).toBe(true);
    expect(topContributors(diff)).toEqual([]);
  });

  it('lists added, removed, grown and shrunk entries with their sizes, largest change first', () => {
    const newer = changed({
      drop: (p) => p === './usr/bin/ksh',
      set: [
        entry('./usr/lib/libc.a', 42 * MiB),
        entry('./var/adm/ras/errlog', 4_096),
        entry('./var/adm/ras/dump.1', 3 * GiB),
        entry('./etc/motd', 10),
      ],
    });
    const diff = diffTocs(ROOTVG, newer);
    expect(diff.added).toEqual([
      {
        path: '/var/adm/ras/dump.1',
        type: 'file',
        change: 'added',
        oldSize: null,
        newSize: 3 * GiB,
        delta: 3 * GiB,
      },
      { path: '/etc/motd', type: 'file', change: 'added', oldSize: null, newSize: 10, delta: 10 },
    ]);
    expect(diff.removed).toEqual([
      {
        path: '/usr/bin/ksh',
        type: 'file',
        change: 'removed',
        oldSize: 2 * MiB,
        newSize: null,
        delta: -2 * MiB,
      },
    ]);
    expect(diff.grown).toEqual([
      {
        path: '/usr/lib/libc.a',
        type: 'file',
        change: 'grown',
        oldSize: 40 * MiB,
        newSize: 42 * MiB,
        delta: 2 * MiB,
      },
    ]);
    expect(diff.shrunk).toEqual([
      {
        path: '/var/adm/ras/errlog',
        type: 'file',
        change: 'shrunk',
        oldSize: MiB,
        newSize: 4_096,
        delta: 4_096 - MiB,
      },
    ]);
    expect(diff.totals.delta).toBe(3 * GiB + 10 - MiB + 4_096);
  });

  it('counts an entry with the same size but another mtime as modified, not grown', () => {
    const newer = changed({ set: [{ ...entry('./usr/bin/ksh', 2 * MiB), mtime: 1_800_000_000 }] });
    const diff = diffTocs(ROOTVG, newer);
    expect(diff.modified).toBe(1);
    expect(diff.grown).toEqual([]);
  });

  it('reports a directory removed with all it held as one tree, and as one line', () => {
    const newer = changed({ drop: (p) => p.startsWith('./home/oracle') });
    const diff = diffTocs(ROOTVG, newer);
    expect(diff.removed).toHaveLength(5);
    expect(diff.removedTrees).toEqual([
      { path: '/home/oracle', change: 'removed', delta: -(9 * GiB + 600 * MiB + 1_000), entries: 5 },
    ]);
    expect(topContributors(diff).map((c) => c.line)).toEqual([
      '-9.6 GB /home/oracle (directory removed, 4 entries)',
    ]);
  });

  it('reports a new directory tree as one line, and a new file in a directory both have as itself', () => {
    const newer = changed({
      set: [
        entry('./u01'),
        entry('./u01/app'),
        entry('./u01/app/grid.tar', 2 * GiB),
        entry('./u01/app/db.tar', GiB),
        entry('./var/adm/ras/dump.1', 3.1 * GiB),
      ],
    });
    const lines = topContributors(diffTocs(ROOTVG, newer)).map((c) => c.line);
    expect(lines).toEqual(['+3.1 GB /var/adm/ras/dump.1 (new)', '+3.0 GB /u01 (new directory, 3 entries)']);
  });

  it('drills down while one child explains 80% of its parent, then names the directory changes spread under', () => {
    // /opt grows by 1.2 GB: 1.1 GB of it in /opt/app, spread over its lib and bin.
    const newer = changed({
      set: [
        entry('./opt/app/lib/core.jar', 500 * MiB + 600 * MiB),
        entry('./opt/app/lib/ui.jar', 200 * MiB + 200 * MiB),
        entry('./opt/app/bin/app', 100 * MiB + 300 * MiB),
        entry('./opt/tools/t', 10 * MiB + 100 * MiB),
      ],
    });
    const contributors = topContributors(diffTocs(ROOTVG, newer), 2);
    expect(contributors.map((c) => c.line)).toEqual([
      '+1.1 GB /opt/app (grew: 3 entries changed)',
      '+100 MB /opt/tools/t (grew: 10.0 MB → 110 MB)',
    ]);
    expect(contributors[0]).toMatchObject({
      path: '/opt/app',
      scope: 'directory',
      change: 'grew',
      entries: 3,
    });
  });

  it('names a single big file rather than the directories above it', () => {
    const newer = changed({ set: [entry('./home/oracle/product/oradata.dbf', 10 * GiB)] });
    expect(topContributors(diffTocs(ROOTVG, newer)).map((c) => c.line)).toEqual([
      '+1.0 GB /home/oracle/product/oradata.dbf (grew: 9.0 GB → 10.0 GB)',
    ]);
  });

  it('keeps growth and shrinkage apart: a new dump and a cleaned log in /var do not cancel out', () => {
    const newer = changed({
      set: [
        entry('./var/adm/ras/livedump/dump.0', 0, 'file'),
        entry('./var/adm/ras/livedump/dump.1', 10 * MiB),
      ],
    });
    const diff = diffTocs(ROOTVG, newer);
    expect(diff.directories.find((d) => d.directory === '/var')?.delta).toBe(0);
    expect(topContributors(diff).map((c) => c.line)).toEqual([
      '+10.0 MB /var/adm/ras/livedump/dump.1 (new)',
      '-10.0 MB /var/adm/ras/livedump/dump.0 (shrank: 10.0 MB → 0 B)',
    ]);
  });

  it('stops at n lines', () => {
    const newer = ROOTVG.filter((e) => e.type === 'directory');
    expect(topContributors(diffTocs(ROOTVG, newer), 3)).toHaveLength(3);
    expect(topContributors(diffTocs(ROOTVG, newer), 0)).toEqual([]);
  });

  it('totals per top-level directory, with the files of the root directory under /', () => {
    const newer = changed({ set: [entry('./image.data', 10_000), entry('./usr/bin/ksh', 3 * MiB)] });
    const diff = diffTocs(ROOTVG, newer);
    expect(diff.directories.slice(0, 2)).toEqual([
      { directory: '/usr', oldBytes: 42 * MiB, newBytes: 43 * MiB, delta: MiB, oldEntries: 5, newEntries: 5 },
      { directory: '/', oldBytes: 13_000, newBytes: 14_000, delta: 1_000, oldEntries: 3, newEntries: 3 },
    ]);
    expect(diff.directories.map((d) => d.directory).sort()).toEqual(['/', '/home', '/opt', '/usr', '/var']);
  });

  it('attributes each entry to the longest mount point above it, a mount point directory to its own file system', () => {
    const mounts = ['/', '/usr', '/var', '/var/adm/ras/livedump', '/home', '/opt'];
    const newer = changed({ set: [entry('./var/adm/ras/livedump/dump.0', 20 * MiB)] });
    const diff = diffTocs(ROOTVG, newer, { mountPoints: { older: mounts, newer: mounts } });
    expect(diff.fileSystems[0]).toEqual({
      mountPoint: '/var/adm/ras/livedump',
      oldBytes: 10 * MiB,
      newBytes: 20 * MiB,
      delta: 10 * MiB,
      oldEntries: 2,
      newEntries: 2,
    });
    const fs = new Map(diff.fileSystems.map((f) => [f.mountPoint, f]));
    expect(fs.get('/var')).toMatchObject({ oldBytes: MiB, oldEntries: 4 }); // /var, adm, ras, errlog
    expect(fs.get('/')).toMatchObject({ oldBytes: 13_000, oldEntries: 3 }); // ., bosinst.data, image.data
  });

  it("attributes each image's entries with its own mount points: a new file system was empty before", () => {
    const older = ['/', '/home'];
    const newer = ['/', '/home', '/home/oracle'];
    const diff = diffTocs(ROOTVG, ROOTVG, { mountPoints: { older, newer } });
    const fs = new Map(diff.fileSystems.map((f) => [f.mountPoint, f]));
    expect(fs.get('/home/oracle')).toMatchObject({ oldBytes: 0, newBytes: 9 * GiB + 600 * MiB + 1_000 });
    expect(fs.get('/home')).toMatchObject({ delta: -(9 * GiB + 600 * MiB + 1_000) });
  });

  it('puts entries under no given mount point under null (a savevg names only its own file systems)', () => {
    const diff = diffTocs(ROOTVG, ROOTVG, { mountPoints: { older: ['/opt/app'], newer: ['/opt/app'] } });
    expect(diff.fileSystems.map((f) => f.mountPoint).sort()).toEqual(['/opt/app', null]);
  });

  it('has no file system table when no mount points are given', () => {
    expect(diffTocs(ROOTVG, ROOTVG).fileSystems).toEqual([]);
  });

  it('sees a directory replaced by a symlink as the tree removed and the link added', () => {
    const newer = changed({
      drop: (p) => p.startsWith('./opt/tools'),
      set: [{ ...entry('./opt/tools', 12, 'symlink') }],
    });
    const diff = diffTocs(ROOTVG, newer);
    expect(diff.removedTrees).toEqual([
      { path: '/opt/tools', change: 'removed', delta: -10 * MiB, entries: 2 },
    ]);
    expect(diff.added.map((c) => [c.path, c.type])).toEqual([['/opt/tools', 'symlink']]);
  });
});

// The start of a real `lslpp -L all` (same format as `lsmksysb -L`), with two fileset names too
// long for their column (test/fixtures/README.md says where it comes from).
const LSLPP_SAMPLE = readFileSync(
  fileURLToPath(new URL('../../fixtures/filesets/lslpp-L-wrapped-names.txt', import.meta.url)),
  'utf8',
);

/** The sample with bos.rte (made up here, in the same columns) at `level`. */
const withBosRte = (listing: string, level: string) =>
  `${listing}  bos.rte                   ${level}    C     F    Base Operating System Runtime\n`;

describe('diffFilesets', () => {
  const older = parseFilesetList(withBosRte(LSLPP_SAMPLE, '7.2.5.0'));

  it('finds nothing between the same listing twice', () => {
    const diff = diffFilesets(older, older);
    expect(diff).toMatchObject({ added: [], removed: [], upgraded: [], downgraded: [] });
    expect(diff.unchanged).toBe(older.length);
    expect(diff.osLevel).toEqual({ from: '7.2.5.0', to: '7.2.5.0', direction: 'same', source: 'bos.rte' });
  });

  it('compares levels numerically: 7.2.5.101 is an upgrade of 7.2.5.0, 8.0.14.6 a downgrade of 8.0.14.14', () => {
    const newer = parseFilesetList(
      withBosRte(LSLPP_SAMPLE, '7.2.5.101').replace(
        'GSKit8.gskssl64.ppc.rte  8.0.14.14',
        'GSKit8.gskssl64.ppc.rte   8.0.14.6',
      ),
    );
    const diff = diffFilesets(older, newer);
    expect(diff.upgraded).toEqual([{ name: 'bos.rte', from: '7.2.5.0', to: '7.2.5.101' }]);
    expect(diff.downgraded).toEqual([{ name: 'GSKit8.gskssl64.ppc.rte', from: '8.0.14.14', to: '8.0.14.6' }]);
    expect(diff.osLevel).toMatchObject({ from: '7.2.5.0', to: '7.2.5.101', direction: 'upgraded' });
  });

  it('lists filesets added and removed with their levels, by name', () => {
    const newer = parseFilesetList(
      `${withBosRte(LSLPP_SAMPLE, '7.2.5.0').replace(/.*Firefox.*\n/g, '')}  openssh.base.client     9.2.112.2401    C     F    Open Secure Shell Commands\n`,
    );
    const diff = diffFilesets(older, newer);
    expect(diff.added).toEqual([{ name: 'openssh.base.client', level: '9.2.112.2401' }]);
    expect(diff.removed).toEqual([
      { name: 'Firefox.base.adt', level: '3.5.13.1' },
      { name: 'Firefox.base.rte', level: '3.5.13.1' },
    ]);
  });

  it('takes the OS level change from the records when given', () => {
    const diff = diffFilesets(older, older, { older: '7200-05-06-2320', newer: '7300-02-01-2346' });
    expect(diff.osLevel).toEqual({
      from: '7200-05-06-2320',
      to: '7300-02-01-2346',
      direction: 'upgraded',
      source: 'oslevel',
    });
  });

  it('says unknown when only one image has an OS level', () => {
    expect(diffFilesets([], older).osLevel).toMatchObject({
      from: null,
      to: '7.2.5.0',
      direction: 'unknown',
    });
  });
});

describe('compareLevels', () => {
  it('orders V.R.M.F levels part by part as numbers', () => {
    expect(compareLevels('7.2.5.101', '7.2.5.0')).toBe(1);
    expect(compareLevels('7.2.5.9', '7.2.5.10')).toBe(-1);
    expect(compareLevels('9.2.112.2401', '9.2.112.2401')).toBe(0);
    expect(compareLevels('7300-02-01-2346', '7300-10-00-0000')).toBe(-1);
    expect(compareLevels('5.1.4-2', '5.1.4')).toBe(1);
  });
});
