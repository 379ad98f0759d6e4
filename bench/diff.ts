// Benchmark of `mksysb-vault diff` (issue 14): diffTocs + topContributors on two rootvg-like TOCs of
// 200,000 entries each, the newer one ~1% different (2,000 files added, 2,000 removed, 2,000 grown or
// shrunk, and a home directory of 500 entries removed whole); and reading the two gzip'd indexes the
// command fetches (parseTocIndex), the other half of its CPU time. Paths are shaped like a real
// rootvg's: /usr/lib, /usr/share/man, /usr/lpp, /opt/freeware, /var/adm/ras, /home/<user>, a few
// levels deep, ~50 characters, a directory's files together as backup writes them. Peak heap: the
// most V8 held at any collection during the diff (v8.GCProfiler), above the two TOCs. Wall and CPU
// time both: on a shared runner the wall time is mostly waiting for a core.
import { performance } from 'node:perf_hooks';
import { GCProfiler, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseTocIndex, renderTocIndex, type TocEntry } from '../lambdas/core/bff/toc-index.js';
import { diffTocs, topContributors } from '../lambdas/core/image-diff.js';
import { prng } from '../lib/sim-lpar/rootvg.js';
import { TOC_MTIME, tocEntry } from '../test/support/toc.js';
import { type BenchFigure, medianMs, printFigures } from './figures.js';

// A full collection before measuring, without asking every runner of the bench for --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ENTRIES = 200_000;
const MiB = 1024 * 1024;
const MTIME = TOC_MTIME;
const MOUNTS = ['/', '/usr', '/var', '/tmp', '/home', '/opt', '/admin', '/var/adm/ras/livedump'];

/** Share of entries per subtree, and the names its directories and files take. */
const SUBTREES = [
  {
    base: './usr/lib',
    share: 22,
    dirs: ['nls', 'security', 'methods', 'drivers', 'objrepos'],
    ext: ['.a', '.so', ''],
  },
  { base: './usr/bin', share: 6, dirs: [''], ext: [''] },
  {
    base: './usr/share/man',
    share: 10,
    dirs: ['man1', 'man3', 'man5', 'man8'],
    ext: ['.1', '.3', '.5', '.8'],
  },
  {
    base: './usr/lpp',
    share: 14,
    dirs: ['bos', 'bos.rte', 'bos.net', 'X11', 'devices.common'],
    ext: ['.al', '.inventory', '.size'],
  },
  {
    base: './opt/freeware',
    share: 18,
    dirs: ['lib', 'lib64', 'share/doc', 'share/locale', 'bin'],
    ext: ['.so', '.a', '.mo', ''],
  },
  {
    base: './opt/IBM',
    share: 10,
    dirs: ['ldap', 'db2/lib64', 'ITM/bin', 'perfmgr'],
    ext: ['.jar', '.so', '.properties'],
  },
  { base: './var/adm/ras', share: 6, dirs: ['errlog.d', 'trace', 'conslog', 'livedump'], ext: ['.log', ''] },
  {
    base: './home',
    share: 10,
    dirs: ['oracle', 'db2inst1', 'appadm', 'backup', 'nagios'],
    ext: ['.txt', '.sh', '.log', ''],
  },
  { base: './admin/tmp', share: 4, dirs: [''], ext: ['.out', '.log'] },
] as const;

/** The older image: `ENTRIES` entries, every directory listed before what it holds. */
function olderToc(): TocEntry[] {
  const rand = prng('bench/diff/older');
  const out: TocEntry[] = [];
  const seen = new Set<string>();
  let offset = 0;
  const push = (path: string, type: TocEntry['type'], size: number) => {
    out.push(tocEntry(path, size, type, offset));
    offset += 512 + size;
  };
  const dir = (path: string) => {
    if (seen.has(path)) return;
    const i = path.lastIndexOf('/');
    if (i > 1) dir(path.slice(0, i));
    seen.add(path);
    push(path, 'directory', 0);
  };
  dir('.');
  push('./bosinst.data', 'file', 4_200);
  push('./image.data', 'file', 9_800);
  const total = SUBTREES.reduce((s, t) => s + t.share, 0);
  const files: { base: string; name: string }[] = [];
  for (const tree of SUBTREES) {
    const count = Math.round((ENTRIES * tree.share) / total);
    for (let i = 0; i < count; i += 1) {
      const sub = tree.dirs[Math.floor(rand() * tree.dirs.length)] ?? '';
      const bucket = `pkg${String(Math.floor(rand() * 40)).padStart(2, '0')}`;
      const ext = tree.ext[Math.floor(rand() * tree.ext.length)] ?? '';
      files.push({
        base: sub === '' ? tree.base : `${tree.base}/${sub}/${bucket}`,
        name: `file${String(i).padStart(6, '0')}_${rand().toString(36).slice(2, 8)}${ext}`,
      });
    }
  }
  // backup writes a directory's files together (its list is made with find): sorted by directory here.
  files.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  for (const f of files) {
    if (out.length >= ENTRIES) break;
    dir(f.base);
    // Sizes log-uniform from 100 B to ~50 MB: mostly small files, a few big ones.
    push(`${f.base}/${f.name}`, 'file', Math.floor(100 * 500_000 ** rand()));
  }
  return out;
}

/** The newer image: ~1% of files added, removed and resized, and /home/oracle gone. */
function newerToc(older: readonly TocEntry[]): TocEntry[] {
  const rand = prng('bench/diff/newer');
  const out: TocEntry[] = [];
  let added = 0;
  for (const e of older) {
    if (e.path.startsWith('./home/oracle')) continue;
    const r = rand();
    if (e.type === 'file' && r < 0.01) continue; // removed
    if (e.type === 'file' && r < 0.02) {
      out.push({ ...e, size: Math.floor(e.size * (0.5 + rand())), mtime: MTIME + 604_800 });
      continue;
    }
    out.push(e);
    if (e.type === 'file' && r > 0.99) {
      out.push(tocEntry(`${e.path}.${added}.new`, Math.floor(100 * 500_000 ** rand()), 'file'));
      added += 1;
    }
  }
  return out;
}

export async function main(): Promise<BenchFigure[]> {
  const older = olderToc();
  const newer = newerToc(older);
  const mountPoints = { older: MOUNTS, newer: MOUNTS };

  const olderIndex = renderTocIndex(older, {
    imageKey: 'images/bench01/bench01_mksysb_2026-11-16',
    sha256: 'a'.repeat(64),
  });
  const newerIndex = renderTocIndex(newer, {
    imageKey: 'images/bench01/bench01_mksysb_2026-11-23',
    sha256: 'b'.repeat(64),
  });
  const parseMs = await medianMs(3, () => [parseTocIndex(olderIndex), parseTocIndex(newerIndex)]);

  // The diff's own peak: the most the heap held at any GC during it (and at its end), above what it
  // held before (the two TOCs), after a full collection.
  gc();
  const before = process.memoryUsage().heapUsed;
  const profiler = new GCProfiler();
  profiler.start();
  let diff = diffTocs(older, newer, { mountPoints });
  let contributors = topContributors(diff, 10);
  const after = process.memoryUsage().heapUsed;
  const gcs = profiler.stop().statistics;
  const peak = Math.max(after, ...gcs.map((g) => g.beforeGC.heapStatistics.usedHeapSize)) - before;

  const runs: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < 5; i += 1) {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    diff = diffTocs(older, newer, { mountPoints });
    contributors = topContributors(diff, 10);
    const used = process.cpuUsage(cpu);
    runs.push({ wall: performance.now() - wall, cpu: (used.user + used.system) / 1000 });
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const ms = median(runs.map((r) => r.wall));
  const cpuMs = median(runs.map((r) => r.cpu));

  const changes = diff.added.length + diff.removed.length + diff.grown.length + diff.shrunk.length;
  const figures: BenchFigure[] = [
    {
      figure: `diff of two ${(ENTRIES / 1000).toFixed(0)}k-entry TOCs (diffTocs + topContributors, ${changes.toLocaleString('en-US')} changes), median of 5`,
      target: '< 2 s',
      measured: `${(ms / 1000).toFixed(2)} s (CPU ${(cpuMs / 1000).toFixed(2)} s)`,
      pass: ms < 2000,
    },
    {
      figure: 'peak heap of that diff, above the two TOCs it compares',
      target: '',
      measured: `${(peak / MiB).toFixed(0)} MiB (heap before it: ${(before / MiB).toFixed(0)} MiB, mostly the two TOCs)`,
      pass: null,
    },
    {
      figure: `reading the two gzip'd indexes the command fetches (${((olderIndex.length + newerIndex.length) / MiB).toFixed(1)} MiB), median of 3`,
      target: '',
      measured: `${(parseMs / 1000).toFixed(2)} s`,
      pass: null,
    },
  ];
  printFigures('Diff of two images', figures);
  console.log('  top contributors:');
  for (const c of contributors.slice(0, 5)) console.log(`    ${c.line}`);
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
