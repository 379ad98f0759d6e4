// What changed between two images of one series: their TOC indexes (bff/toc-index.ts) compared path
// by path, totalled per top-level directory and per file system, and boiled down to the few lines a
// person reads first ("-9.6 GB /home/oracle (directory removed)"); plus the filesets the two images'
// `lsmksysb -L` listings name. The CLI's `diff`, and next the verify Lambda and the HTML report,
// explain a size change with it. Pure: no AWS SDK, no fs.
//
// Cost: one Map of the older TOC, one pass over the newer; per-directory work only for the entries
// that changed. Two 200,000-entry TOCs take well under a second (bench/diff.ts).
import { formatBytes } from './anomaly.js';
import type { BffEntryType } from './bff/types.js';
import type { Fileset } from './lsmksysb.js';

/** What the diff needs of an index entry (a TocEntry or a BffEntry will do). */
export interface DiffEntry {
  /** The name as archived (`./usr/lib/x`); shown and compared as an absolute path (`/usr/lib/x`). */
  readonly path: string;
  readonly type: BffEntryType;
  /** Bytes after unpacking. */
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
}

export type EntryChangeKind = 'added' | 'removed' | 'grown' | 'shrunk';

/** One path whose size differs, or that only one image has. */
export interface EntryChange {
  readonly path: string;
  /** The newer image's type, for a removed entry the older's. */
  readonly type: BffEntryType;
  readonly change: EntryChangeKind;
  /** null when the older image does not have it. */
  readonly oldSize: number | null;
  /** null when the newer image does not have it. */
  readonly newSize: number | null;
  /** newSize - oldSize (a missing side counts 0). */
  readonly delta: number;
}

/** A directory one image has with everything under it and the other has not at all. */
export interface TreeChange {
  readonly path: string;
  readonly change: 'added' | 'removed';
  /** Bytes of everything under it, signed: negative for a removed tree. */
  readonly delta: number;
  /** Entries under it, itself included. */
  readonly entries: number;
}

export interface SizeTotals {
  /** Sum of entry sizes in the older / newer image (bytes after unpacking). */
  readonly oldBytes: number;
  readonly newBytes: number;
  readonly delta: number;
  readonly oldEntries: number;
  readonly newEntries: number;
}

export interface DirectoryTotals extends SizeTotals {
  /** `/usr`, `/home`…; `/` for what lies directly in the root directory. */
  readonly directory: string;
}

export interface FileSystemTotals extends SizeTotals {
  /** The mount point; null for entries under no mount point given (a savevg's parent directories). */
  readonly mountPoint: string | null;
}

export interface TocDiff {
  /** Over every entry. */
  readonly totals: SizeTotals;
  /** Each sorted largest |delta| first, then by path. Directory entries are never grown or shrunk. */
  readonly added: EntryChange[];
  readonly removed: EntryChange[];
  readonly grown: EntryChange[];
  readonly shrunk: EntryChange[];
  /** Directories added or removed whole (the topmost of each such tree), largest |delta| first. */
  readonly addedTrees: TreeChange[];
  readonly removedTrees: TreeChange[];
  /** Entries in both, same size, but another mtime, mode or owner (content may have changed). */
  readonly modified: number;
  readonly unchanged: number;
  /** Per top-level directory, largest |delta| first. */
  readonly directories: DirectoryTotals[];
  /** Per file system (longest matching mount point), largest |delta| first; empty when none were given. */
  readonly fileSystems: FileSystemTotals[];
}

export interface TocDiffOptions {
  /**
   * Mount points of each image's file systems (FS_NAME of image.data's fs_data stanzas, or the
   * listing's MOUNT POINT column). Each side's entries are attributed with its own list, so a file
   * system added between the images shows as one that was empty before. @default no file systems
   */
  readonly mountPoints?: { readonly older: readonly string[]; readonly newer: readonly string[] };
}

/** `./usr/lib/x`, `usr/lib/x/`, `/usr//lib/x` → `/usr/lib/x`; `.` → `/`. */
export function absolutePath(name: string): string {
  let p = name.replace(/\/{2,}/g, '/');
  if (p === '.' || p === './' || p === '/' || p === '') return '/';
  if (p.startsWith('./')) p = p.slice(1);
  else if (!p.startsWith('/')) p = `/${p}`;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

const DOT = 46;
const SLASH = 47;

/**
 * One spelling of an archived name, `./usr/lib/x` (`.` for the root): the index's own string when it
 * is already spelt so, as it nearly always is. Keying by it spares a new string per entry; the
 * absolute path people read is made only for the entries that changed.
 */
function canonicalName(name: string): string {
  if (
    name.charCodeAt(0) === DOT &&
    name.charCodeAt(1) === SLASH &&
    name.charCodeAt(name.length - 1) !== SLASH &&
    !name.includes('//')
  )
    return name;
  const path = absolutePath(name);
  return path === '/' ? '.' : `.${path}`;
}

function shownPath(canonical: string): string {
  return canonical === '.' ? '/' : canonical.slice(1);
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

interface MutableTotals {
  oldBytes: number;
  newBytes: number;
  oldEntries: number;
  newEntries: number;
}

function frozen(t: MutableTotals): SizeTotals {
  return { ...t, delta: t.newBytes - t.oldBytes };
}

/** The totals an entry counts in: its top-level directory's and its file system's. */
interface Buckets {
  readonly top: MutableTotals;
  readonly fileSystem: MutableTotals | null;
}

/**
 * Adds one image's entries to the per-directory and per-file-system totals. Which totals a directory's
 * entries count in is worked out once per directory, and archive order keeps a directory's files
 * together, so most entries reuse the previous entry's answer without making a string.
 */
class SideTotals {
  private readonly byDirectory = new Map<string, Buckets>();
  private readonly mounts: ReadonlySet<string> | null;
  private lastDirectory = '';
  private last: Buckets | null = null;

  constructor(
    private readonly side: 'old' | 'new',
    private readonly directories: Map<string, MutableTotals>,
    private readonly fileSystems: Map<string | null, MutableTotals>,
    mountPoints: readonly string[] | null,
  ) {
    this.mounts = mountPoints === null ? null : new Set(mountPoints.map(canonicalName));
  }

  add(name: string, type: BffEntryType, size: number): void {
    let buckets: Buckets;
    if (type === 'directory')
      buckets = this.bucketsOf(name); // a mount point is the root of its own file system
    else {
      const end = name.lastIndexOf('/');
      if (this.last !== null && end === this.lastDirectory.length && name.startsWith(this.lastDirectory))
        buckets = this.last;
      else {
        this.lastDirectory = end < 0 ? '.' : name.slice(0, end);
        buckets = this.bucketsOf(this.lastDirectory);
        this.last = buckets;
      }
    }
    count(buckets.top, this.side, size);
    if (buckets.fileSystem !== null) count(buckets.fileSystem, this.side, size);
  }

  private bucketsOf(directory: string): Buckets {
    const known = this.byDirectory.get(directory);
    if (known !== undefined) return known;
    const slash = directory.indexOf('/', 2);
    const top = directory === '.' ? '/' : slash < 0 ? directory.slice(1) : directory.slice(1, slash);
    let fileSystem: MutableTotals | null = null;
    if (this.mounts !== null) {
      let mount: string | null = null;
      for (let d = directory; ; ) {
        if (this.mounts.has(d)) {
          mount = shownPath(d);
          break;
        }
        if (d === '.') break;
        const i = d.lastIndexOf('/');
        d = i <= 1 ? '.' : d.slice(0, i);
      }
      fileSystem = totalsOf(this.fileSystems, mount);
    }
    const buckets = { top: totalsOf(this.directories, top), fileSystem };
    this.byDirectory.set(directory, buckets);
    return buckets;
  }
}

function count(t: MutableTotals, side: 'old' | 'new', size: number): void {
  if (side === 'old') {
    t.oldBytes += size;
    t.oldEntries += 1;
  } else {
    t.newBytes += size;
    t.newEntries += 1;
  }
}

function totalsOf<K>(map: Map<K, MutableTotals>, key: K): MutableTotals {
  let t = map.get(key);
  if (t === undefined) {
    t = { oldBytes: 0, newBytes: 0, oldEntries: 0, newEntries: 0 };
    map.set(key, t);
  }
  return t;
}

function largestFirst(a: SizeTotals, b: SizeTotals, keyA: string, keyB: string): number {
  return Math.abs(b.delta) - Math.abs(a.delta) || b.newBytes - a.newBytes || (keyA < keyB ? -1 : 1);
}

const byMagnitude = <T extends { delta: number; path: string }>(a: T, b: T) =>
  Math.abs(b.delta) - Math.abs(a.delta) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Compares two TOCs of one host's series: `older` is the earlier image. */
export function diffTocs(
  older: readonly DiffEntry[],
  newer: readonly DiffEntry[],
  options: TocDiffOptions = {},
): TocDiff {
  const directories = new Map<string, MutableTotals>();
  const fileSystems = new Map<string | null, MutableTotals>();
  const mounts = options.mountPoints;
  const oldTotals = new SideTotals('old', directories, fileSystems, mounts?.older ?? null);
  const newTotals = new SideTotals('new', directories, fileSystems, mounts?.newer ?? null);

  // Index into `older` by name; `matched` marks those the newer image has (a repeated name: the last).
  const oldByName = new Map<string, number>();
  const matched = new Uint8Array(older.length);
  for (let i = 0; i < older.length; i += 1) {
    const e = older[i] as DiffEntry;
    const name = canonicalName(e.path);
    const before = oldByName.get(name);
    if (before !== undefined) matched[before] = 1;
    oldByName.set(name, i);
    oldTotals.add(name, e.type, e.size);
  }

  const added: EntryChange[] = [];
  const removed: EntryChange[] = [];
  const grown: EntryChange[] = [];
  const shrunk: EntryChange[] = [];
  let modified = 0;
  let unchanged = 0;
  const addedOf = (name: string, e: DiffEntry): EntryChange => ({
    path: shownPath(name),
    type: e.type,
    change: 'added',
    oldSize: null,
    newSize: e.size,
    delta: e.size,
  });
  const removedOf = (name: string, e: DiffEntry): EntryChange => ({
    path: shownPath(name),
    type: e.type,
    change: 'removed',
    oldSize: e.size,
    newSize: null,
    delta: -e.size,
  });

  for (const e of newer) {
    const name = canonicalName(e.path);
    newTotals.add(name, e.type, e.size);
    const i = oldByName.get(name);
    if (i === undefined || matched[i] === 1) {
      added.push(addedOf(name, e));
      continue;
    }
    matched[i] = 1;
    const o = older[i] as DiffEntry;
    if (o.type !== e.type) {
      // A directory that became a symlink (or the reverse) is one thing gone and another come.
      removed.push(removedOf(name, o));
      added.push(addedOf(name, e));
    } else if (o.size !== e.size && e.type !== 'directory') {
      const change: EntryChange = {
        path: shownPath(name),
        type: e.type,
        change: e.size > o.size ? 'grown' : 'shrunk',
        oldSize: o.size,
        newSize: e.size,
        delta: e.size - o.size,
      };
      (change.change === 'grown' ? grown : shrunk).push(change);
    } else if (
      o.size !== e.size ||
      o.mtime !== e.mtime ||
      o.mode !== e.mode ||
      o.uid !== e.uid ||
      o.gid !== e.gid
    )
      modified += 1;
    else unchanged += 1;
  }
  for (let i = 0; i < older.length; i += 1)
    if (matched[i] === 0) {
      const o = older[i] as DiffEntry;
      removed.push(removedOf(canonicalName(o.path), o));
    }

  const totals: MutableTotals = { oldBytes: 0, newBytes: 0, oldEntries: 0, newEntries: 0 };
  for (const t of directories.values()) {
    totals.oldBytes += t.oldBytes;
    totals.newBytes += t.newBytes;
    totals.oldEntries += t.oldEntries;
    totals.newEntries += t.newEntries;
  }
  const directoryRows: DirectoryTotals[] = [...directories].map(([directory, t]) => ({
    directory,
    ...frozen(t),
  }));
  const fileSystemRows: FileSystemTotals[] = [...fileSystems].map(([mountPoint, t]) => ({
    mountPoint,
    ...frozen(t),
  }));
  return {
    totals: frozen(totals),
    added: added.sort(byMagnitude),
    removed: removed.sort(byMagnitude),
    grown: grown.sort(byMagnitude),
    shrunk: shrunk.sort(byMagnitude),
    addedTrees: wholeTrees(added, 'added'),
    removedTrees: wholeTrees(removed, 'removed'),
    modified,
    unchanged,
    directories: directoryRows.sort((a, b) => largestFirst(a, b, a.directory, b.directory)),
    fileSystems: fileSystemRows.sort((a, b) => largestFirst(a, b, a.mountPoint ?? '', b.mountPoint ?? '')),
  };
}

/**
 * The topmost directories among `changes` whose whole tree is in `changes`: a directory entry only one
 * image has, under a parent both have. An archive lists every directory it holds (backup walks the
 * tree), so everything below such a directory is added or removed with it.
 */
function wholeTrees(changes: readonly EntryChange[], change: 'added' | 'removed'): TreeChange[] {
  const dirs = new Set<string>();
  for (const c of changes) if (c.type === 'directory' && c.path !== '/') dirs.add(c.path);
  if (dirs.size === 0) return [];
  const roots = new Map<string, { delta: number; entries: number }>();
  for (const d of dirs) if (!dirs.has(parentOf(d))) roots.set(d, { delta: 0, entries: 0 });
  for (const c of changes) {
    const root = rootOf(c.path, roots);
    if (root === null) continue;
    root.delta += c.delta;
    root.entries += 1;
  }
  return [...roots]
    .map(([path, r]) => ({ path, change, delta: r.delta, entries: r.entries }))
    .sort(byMagnitude);
}

/** The entry of `roots` that `path` is, or is under. */
function rootOf<T>(path: string, roots: ReadonlyMap<string, T>): T | null {
  for (let p = path; ; p = parentOf(p)) {
    const r = roots.get(p);
    if (r !== undefined) return r;
    if (p === '/') return null;
  }
}

/** One line of "what explains the change". */
export interface Contributor {
  readonly path: string;
  /** Signed bytes. */
  readonly delta: number;
  readonly change: 'added' | 'removed' | 'grew' | 'shrank';
  /**
   * `entry`: one file (or symlink…); `tree`: a directory added or removed with all it held;
   * `directory`: the net growth or shrinkage of the changed entries under a directory both images have.
   */
  readonly scope: 'entry' | 'tree' | 'directory';
  /** Changed entries the line stands for. */
  readonly entries: number;
  /** `-9.6 GB /home/oracle (directory removed)`, `+3.1 GB /var/adm/ras/dump.1 (new)`… */
  readonly line: string;
}

/** A child that explains at least this share of its directory's change stands for it. */
const DOMINANT_SHARE = 0.8;

/** What a line can stand for: one entry that changed, or a tree added or removed whole. */
interface Item {
  readonly path: string;
  readonly delta: number;
  readonly scope: 'entry' | 'tree';
  readonly entries: number;
  readonly oldSize: number | null;
  readonly newSize: number | null;
}

/** A path in the tree of one sign's items: the bytes and entries of the items at and below it. */
interface Node {
  readonly path: string;
  /** +1 for the growth tree, -1 for the shrinkage tree. */
  readonly sign: 1 | -1;
  bytes: number;
  entries: number;
  item: Item | null;
  readonly children: Node[];
}

/**
 * The `n` lines that explain most of the change, largest first. Growth and shrinkage are kept apart
 * (a new 3 GB dump and a 3 GB log cleanup never cancel out into "no change in /var"). A directory
 * added or removed whole is one line. Other changes are summed per directory and drilled into from
 * the top-level directories down while one child explains ≥ 80% of its parent, so a directory line
 * stands for changes spread under it and a single big file is named as itself.
 */
export function topContributors(diff: TocDiff, n = 10): Contributor[] {
  if (n <= 0) return [];
  const items: Item[] = [];
  const treeItems = (trees: readonly TreeChange[]) => {
    for (const t of trees)
      if (t.delta !== 0)
        items.push({
          path: t.path,
          delta: t.delta,
          scope: 'tree',
          entries: t.entries,
          oldSize: null,
          newSize: null,
        });
    return new Map(trees.map((t) => [t.path, t]));
  };
  const addedTrees = treeItems(diff.addedTrees);
  const removedTrees = treeItems(diff.removedTrees);
  for (const list of [diff.added, diff.removed, diff.grown, diff.shrunk])
    for (const c of list) {
      if (c.delta === 0) continue;
      const trees = c.change === 'added' ? addedTrees : c.change === 'removed' ? removedTrees : null;
      if (trees !== null && trees.size > 0 && rootOf(c.path, trees) !== null) continue;
      items.push({
        path: c.path,
        delta: c.delta,
        scope: 'entry',
        entries: 1,
        oldSize: c.oldSize,
        newSize: c.newSize,
      });
    }

  const heap = new MaxHeap<Node>((node) => node.bytes);
  for (const sign of [1, -1] as const) for (const child of treeOf(items, sign).children) heap.push(child);
  const out: Contributor[] = [];
  while (out.length < n) {
    const node = heap.pop();
    if (node === undefined) break;
    if (node.item === null) {
      let dominant = 0;
      for (const child of node.children) dominant = Math.max(dominant, child.bytes);
      if (dominant >= DOMINANT_SHARE * node.bytes) {
        for (const child of node.children) heap.push(child);
        continue;
      }
    }
    out.push(contributorOf(node));
  }
  return out;
}

/** The items of one sign and every directory above them, each node holding the sum below it. */
function treeOf(items: readonly Item[], sign: 1 | -1): Node {
  const root: Node = { path: '/', sign, bytes: 0, entries: 0, item: null, children: [] };
  const nodes = new Map<string, Node>([['/', root]]);
  const nodeOf = (path: string): Node => {
    let node = nodes.get(path);
    if (node === undefined) {
      node = { path, sign, bytes: 0, entries: 0, item: null, children: [] };
      nodes.set(path, node);
      nodeOf(parentOf(path)).children.push(node);
    }
    return node;
  };
  for (const item of items) {
    if (Math.sign(item.delta) !== sign) continue;
    const leaf = nodeOf(item.path);
    leaf.item = item;
    for (let path = item.path; ; path = parentOf(path)) {
      const node = nodes.get(path) as Node;
      node.bytes += Math.abs(item.delta);
      node.entries += item.entries;
      if (path === '/') break;
    }
  }
  return root;
}

function contributorOf(node: Node): Contributor {
  const { item, path } = node;
  const delta = node.sign * node.bytes;
  const amount = `${node.sign > 0 ? '+' : '-'}${formatBytes(node.bytes)}`;
  if (item?.scope === 'tree') {
    const inside = plural(item.entries - 1, 'entry', 'entries');
    return {
      path,
      delta,
      change: node.sign > 0 ? 'added' : 'removed',
      scope: 'tree',
      entries: item.entries,
      line: `${amount} ${path} (${node.sign > 0 ? 'new directory' : 'directory removed'}, ${inside})`,
    };
  }
  if (item !== null) {
    const change =
      item.oldSize === null ? 'added' : item.newSize === null ? 'removed' : node.sign > 0 ? 'grew' : 'shrank';
    const why =
      change === 'added' || change === 'removed'
        ? change === 'added'
          ? 'new'
          : 'removed'
        : `${change}: ${formatBytes(item.oldSize ?? 0)} → ${formatBytes(item.newSize ?? 0)}`;
    return { path, delta, change, scope: 'entry', entries: 1, line: `${amount} ${path} (${why})` };
  }
  const change = node.sign > 0 ? 'grew' : 'shrank';
  return {
    path,
    delta,
    change,
    scope: 'directory',
    entries: node.entries,
    line: `${amount} ${path} (${change}: ${plural(node.entries, 'entry', 'entries')} changed)`,
  };
}

function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** A binary max-heap by `score`: the next-largest candidate line in O(log n). */
class MaxHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly score: (item: T) => number) {}

  push(item: T): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (this.score(a[parent] as T) >= this.score(a[i] as T)) break;
      [a[parent], a[i]] = [a[i] as T, a[parent] as T];
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let largest = i;
      if (l < a.length && this.score(a[l] as T) > this.score(a[largest] as T)) largest = l;
      if (r < a.length && this.score(a[r] as T) > this.score(a[largest] as T)) largest = r;
      if (largest === i) break;
      [a[largest], a[i]] = [a[i] as T, a[largest] as T];
      i = largest;
    }
    return top;
  }
}

// ---------------------------------------------------------------------------------------------------
// Filesets

export interface FilesetLevel {
  readonly name: string;
  readonly level: string;
}

export interface FilesetLevelChange {
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

export interface OsLevelChange {
  readonly from: string | null;
  readonly to: string | null;
  /** `same` also when both are unknown; `unknown` when only one is known or levels do not compare. */
  readonly direction: 'upgraded' | 'downgraded' | 'same' | 'unknown';
  /** Where the levels come from: the records' `oslevel -s`, or bos.rte's level in the listings. */
  readonly source: 'oslevel' | 'bos.rte';
}

export interface FilesetDiff {
  /** Each sorted by name. */
  readonly added: FilesetLevel[];
  readonly removed: FilesetLevel[];
  readonly upgraded: FilesetLevelChange[];
  readonly downgraded: FilesetLevelChange[];
  /** In both, at the same level. */
  readonly unchanged: number;
  readonly osLevel: OsLevelChange;
}

/**
 * Compares AIX levels (`7.2.5.101` > `7.2.5.0`; `7300-02-01-2346`; RPM's `5.1.4-2`) part by part,
 * numerically where both parts are numbers. Negative, 0 or positive as `a` is lower, equal or higher.
 */
export function compareLevels(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : Number.NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : Number.NaN;
    const c = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

/**
 * Filesets of two images (parseFilesetList of their `lsmksysb -L` sidecars): added, removed,
 * upgraded and downgraded, and the OS level change — from `osLevels` (the records' `oslevel -s`)
 * when given, else from bos.rte's level.
 */
export function diffFilesets(
  older: readonly Fileset[],
  newer: readonly Fileset[],
  osLevels?: { readonly older: string | null; readonly newer: string | null },
): FilesetDiff {
  const old = new Map(older.map((f) => [f.name, f.level]));
  const added: FilesetLevel[] = [];
  const upgraded: FilesetLevelChange[] = [];
  const downgraded: FilesetLevelChange[] = [];
  let unchanged = 0;
  for (const f of newer) {
    const from = old.get(f.name);
    if (from === undefined) added.push({ name: f.name, level: f.level });
    else {
      old.delete(f.name);
      const c = compareLevels(from, f.level);
      if (c < 0) upgraded.push({ name: f.name, from, to: f.level });
      else if (c > 0) downgraded.push({ name: f.name, from, to: f.level });
      else unchanged += 1;
    }
  }
  const removed = [...old].map(([name, level]) => ({ name, level }));
  const byName = (a: { name: string }, b: { name: string }) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  const bosRte = (list: readonly Fileset[]) => list.find((f) => f.name === 'bos.rte')?.level ?? null;
  const from = osLevels ? osLevels.older : bosRte(older);
  const to = osLevels ? osLevels.newer : bosRte(newer);
  const c = from !== null && to !== null ? compareLevels(from, to) : Number.NaN;
  return {
    added: added.sort(byName),
    removed: removed.sort(byName),
    upgraded: upgraded.sort(byName),
    downgraded: downgraded.sort(byName),
    unchanged,
    osLevel: {
      from,
      to,
      direction:
        from === null && to === null
          ? 'same'
          : Number.isNaN(c)
            ? 'unknown'
            : c < 0
              ? 'upgraded'
              : c > 0
                ? 'downgraded'
                : 'same',
      source: osLevels ? 'oslevel' : 'bos.rte',
    },
  };
}
