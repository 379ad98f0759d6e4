// The content check: what S3 holds, against what the host said. Fed the stored object chunk by chunk,
// in order, the ContentInspector hashes it (SHA-256) and walks its BFF archive with the BffReader in the
// same pass: it captures the one small file it must read (image.data, or a savevg's `<vg>.data`), notes
// the required files as they pass, and adds every entry to the TOC index (`renderIndex`). `finish()`
// gives a small ContentReport for the catalog record; judgeContent turns it and the host's claims into
// anomalies. Pure: no AWS SDK, no fs; memory is the captured file and the compressed index, not the image.
import { createHash, type Hash } from 'node:crypto';
import { z } from 'zod';
import { type Anomaly, anomaly, formatBytes } from '../anomaly.js';
import type { LsmksysbReport } from '../lsmksysb.js';
import { DEFAULT_VERIFICATION_POLICY, type VerificationPolicy } from '../policy.js';
import { parseImageData, summariseImageData } from './image-data.js';
import { BffReader } from './reader.js';
import { escapeField, TocIndexBuilder } from './toc-index.js';
import type { ArchiveSummary, BffEntry } from './types.js';

export type ImageKind = 'mksysb' | 'savevg';

/** One thing an image must hold: any one of `paths` (names as archived, `./`-relative). */
export interface RequiredFile {
  readonly paths: readonly string[];
  /** A zero-byte file counts as missing (mksysb itself refuses an empty bosinst.data or image.data). */
  readonly nonEmpty: boolean;
  /** Why installation needs it. */
  readonly why: string;
}

/**
 * What a rootvg mksysb must hold to be installed again (NIM `bos_inst` or a boot from media).
 * Sources: IBM's mksysb/mkszfile documentation and AIX's own mksysb.sh (4.1 source, which fails with
 * 0512-004 when /bosinst.data or /image.data is missing or empty, and puts both at the front of the
 * archive). A file-based mksysb holds no boot image (that is only written on tape and optical media;
 * NIM boots from its SPOT), so what makes it installable is what BOS install reads from it and what
 * the restored system needs to boot: install recreates rootvg from image.data, takes its settings from
 * bosinst.data, restores the files, then runs bosboot on the restored system, which builds the boot
 * image from its kernel and /sbin/rc.boot; at boot, init reads /etc/inittab and rc.boot mounts the
 * file systems of /etc/filesystems. `./tmp/vgdata/rootvg/` is not required: mksysb.sh leaves
 * /tmp/vgdata out of a rootvg list except the map files of `mksysb -m`.
 */
export const BOOT_FILES: readonly RequiredFile[] = [
  {
    paths: ['./bosinst.data'],
    nonEmpty: true,
    why: 'BOS install settings; mksysb refuses to run without it (0512-004)',
  },
  {
    paths: ['./image.data'],
    nonEmpty: true,
    why: 'rootvg layout that BOS install recreates: logical volumes, file systems, sizes',
  },
  {
    // ./unix is the link to the kernel in use; 6.1 and later have only unix_64, 5.3 unix_mp/unix_up.
    paths: ['./unix', './usr/lib/boot/unix_64', './usr/lib/boot/unix_mp', './usr/lib/boot/unix_up'],
    nonEmpty: false,
    why: 'the kernel bosboot puts in the boot image of the installed system',
  },
  { paths: ['./sbin/rc.boot'], nonEmpty: true, why: 'the boot script of every boot phase' },
  { paths: ['./etc/inittab'], nonEmpty: true, why: 'what init starts' },
  { paths: ['./etc/filesystems'], nonEmpty: true, why: 'the file systems the restored system mounts' },
];

/**
 * What a savevg image must hold for restvg: the VG's image.data (`<vg>.data`, written by mkvgdata)
 * and the copy of /etc/filesystems that restvg takes the mount points and options from.
 */
export function savevgRequiredFiles(volumeGroup: string): RequiredFile[] {
  const dir = `./tmp/vgdata/${volumeGroup}`;
  return [
    {
      paths: [`${dir}/${volumeGroup}.data`],
      nonEmpty: true,
      why: 'the volume group layout restvg recreates',
    },
    { paths: [`${dir}/filesystems`], nonEmpty: true, why: 'the mount points restvg restores into' },
  ];
}

export function requiredFiles(kind: ImageKind, volumeGroup: string): readonly RequiredFile[] {
  return kind === 'mksysb' ? BOOT_FILES : savevgRequiredFiles(volumeGroup);
}

const ArchiveProblemSchema = z.object({
  code: z.enum(['ARCHIVE_TRUNCATED', 'ARCHIVE_CORRUPT']),
  offset: z.number().int().nonnegative(),
  entry: z.string().nullable(),
  message: z.string(),
});

export const ContentReportSchema = z.object({
  /** Bytes of the stored object fed to the inspector. */
  bytesRead: z.number().int().nonnegative(),
  /** SHA-256 of those bytes, lowercase hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  entries: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  directories: z.number().int().nonnegative(),
  /** Sum of the entries' unpacked sizes. */
  contentBytes: z.number().int().nonnegative(),
  /** The archive's end-of-volume record was reached. */
  complete: z.boolean(),
  /** The first damage the reader found (it stops there); null for a sound archive. */
  problem: ArchiveProblemSchema.nullable(),
  /** The volume group the image's own image.data names; null when none was read. */
  volumeGroup: z.string().nullable(),
  bootFiles: z.object({
    /** Each requirement met, by the name found. */
    present: z.array(z.string()),
    /** Each requirement not met, as `a or b` when any of several names would do. */
    missing: z.array(z.string()),
    /** Present but zero bytes where content is required. */
    empty: z.array(z.string()),
  }),
  imageData: z
    .object({
      /** The archived name it was read from (`./image.data`, `./tmp/vgdata/<vg>/<vg>.data`). */
      source: z.string(),
      volumeGroup: z.string().nullable(),
      logicalVolumes: z.array(z.string()),
      /** Mount points of its file systems. */
      fileSystems: z.array(z.string()),
      /** Mount points with no directory entry in the archive: those file systems were not backed up. */
      fileSystemsMissing: z.array(z.string()),
      /** What is wrong with the file (first few), empty when it verified. */
      problems: z.array(z.string()),
    })
    .nullable(),
  /** The TOC index: entries in it, and whether it holds every entry (it stops at `maxIndexBytes`). */
  index: z.object({ entries: z.number().int().nonnegative(), complete: z.boolean() }),
});
export type ContentReport = z.infer<typeof ContentReportSchema>;

export interface ContentInspectorOptions {
  readonly kind: ImageKind;
  /** The VG the image should hold; for savevg, when absent, the first `<vg>.data` in the archive decides. */
  readonly volumeGroup?: string;
  /** Largest file captured (image.data of a 4,096-LV volume group is ~3.5 MB). @default 8 MiB */
  readonly maxCaptureBytes?: number;
  /** Compressed index bytes kept before the index stops growing. @default 256 MiB */
  readonly maxIndexBytes?: number;
  /** Called with every entry as the reader completes it. */
  readonly onEntry?: (entry: BffEntry) => void;
}

const MiB = 1024 * 1024;
const MAX_VGDATA_NAMES = 10_000;
const MAX_PROBLEMS_KEPT = 5;
const VGDATA_FILE = /^\.\/tmp\/vgdata\/([^/]+)\/([^/]+)$/;

interface Seen {
  readonly type: BffEntry['type'];
  readonly size: number;
}

type ImageDataFound = Omit<NonNullable<ContentReport['imageData']>, 'fileSystemsMissing'>;

export class ContentInspector {
  private readonly hash: Hash = createHash('sha256');
  private readonly reader: BffReader;
  private readonly index = new TocIndexBuilder();
  private readonly maxIndexBytes: number;
  private readonly maxCaptureBytes: number;
  /** The required names of a rootvg image, as they pass. */
  private readonly required = new Map<string, Seen>();
  /** Names under ./tmp/vgdata/ (a savevg's required files are there, and its VG name). */
  private readonly vgdata = new Map<string, Seen>();
  private imageData: ImageDataFound | null = null;
  /** Archive name of each mount point image.data lists, and whether its directory was seen. */
  private readonly mountPoints = new Map<string, { mountPoint: string; seen: boolean }>();
  /** Directories that passed before image.data was read (bounded like the vgdata names). */
  private readonly dirsBeforeImageData = new Set<string>();
  private bytesRead = 0;
  private indexComplete = true;
  private lastEntry: string | null = null;
  private thrown: ArchiveSummary['problem'] = null;
  private report: ContentReport | null = null;

  constructor(private readonly options: ContentInspectorOptions) {
    this.maxCaptureBytes = options.maxCaptureBytes ?? 8 * MiB;
    this.maxIndexBytes = options.maxIndexBytes ?? 256 * MiB;
    this.reader = new BffReader({ capture: (e) => this.wants(e), maxCaptureBytes: this.maxCaptureBytes });
  }

  /** Feed the next bytes of the stored object. Never throws on bad bytes: damage ends up in the report. */
  push(chunk: Uint8Array): void {
    if (this.report) return;
    this.hash.update(chunk);
    const offset = this.bytesRead;
    this.bytesRead += chunk.length;
    if (this.thrown) return;
    try {
      for (const entry of this.reader.push(chunk)) this.take(entry);
    } catch (error) {
      this.thrown = {
        code: 'ARCHIVE_CORRUPT',
        offset,
        entry: this.lastEntry,
        message: `the reader failed in the chunk at byte ${offset}: ${oneLine(error)}`,
      };
    }
  }

  /** The report of everything pushed; later calls return the same report. */
  finish(): ContentReport {
    if (this.report) return this.report;
    let summary: ArchiveSummary | null = null;
    if (!this.thrown)
      try {
        summary = this.reader.end();
      } catch (error) {
        this.thrown = {
          code: 'ARCHIVE_CORRUPT',
          offset: this.bytesRead,
          entry: this.lastEntry,
          message: `the reader failed at the end of the input: ${oneLine(error)}`,
        };
      }
    const imageData = this.imageData && {
      ...this.imageData,
      fileSystemsMissing: [...this.mountPoints.values()].filter((m) => !m.seen).map((m) => m.mountPoint),
    };
    this.report = {
      bytesRead: this.bytesRead,
      sha256: this.hash.digest('hex'),
      entries: summary?.entries ?? this.index.entries,
      files: summary?.files ?? 0,
      directories: summary?.directories ?? 0,
      contentBytes: summary?.contentBytes ?? 0,
      complete: summary?.complete ?? false,
      problem: this.thrown ?? summary?.problem ?? null,
      volumeGroup: imageData?.volumeGroup ?? null,
      bootFiles: this.bootFiles(),
      imageData,
      index: { entries: this.index.entries, complete: this.indexComplete },
    };
    return this.report;
  }

  /** The gzip'd TOC index (toc-index.ts) of what was read, for `contentIndexKey(imageKey)`. */
  renderIndex(imageKey: string): Uint8Array {
    const report = this.finish();
    return this.index.finish({ imageKey, sha256: report.sha256 });
  }

  /**
   * image.data of a mksysb; the `<vg>.data` of a savevg: the declared VG's, else the first one, so an
   * image of another VG is still read and shown for what it is.
   */
  private wants(entry: BffEntry): boolean {
    if (entry.type !== 'file' || entry.size > this.maxCaptureBytes) return false;
    const path = archivePath(entry.path);
    if (this.options.kind === 'mksysb') return this.imageData === null && path === './image.data';
    const m = VGDATA_FILE.exec(path);
    if (m === null || m[2] !== `${m[1]}.data`) return false;
    if (this.imageData === null) return true;
    const declared = this.options.volumeGroup;
    return declared !== undefined && m[1] === declared && this.imageDataVolumeGroupDir() !== declared;
  }

  private imageDataVolumeGroupDir(): string | undefined {
    return this.imageData ? VGDATA_FILE.exec(this.imageData.source)?.[1] : undefined;
  }

  private take(entry: BffEntry & { readonly data?: Uint8Array }): void {
    const path = archivePath(entry.path);
    this.lastEntry = entry.path;
    this.options.onEntry?.(entry);
    if (this.indexComplete) {
      if (this.index.compressedBytes > this.maxIndexBytes) this.indexComplete = false;
      else this.index.add(entry);
    }
    if (REQUIRED_PATHS.has(path)) this.required.set(path, { type: entry.type, size: entry.size });
    if (path.startsWith('./tmp/vgdata/') && this.vgdata.size < MAX_VGDATA_NAMES)
      this.vgdata.set(path, { type: entry.type, size: entry.size });
    if (entry.data && this.wants(entry)) this.readImageData(path, entry.data);
    if (entry.type === 'directory') {
      const mount = this.mountPoints.get(path);
      if (mount) mount.seen = true;
      // Directories archived before image.data (`.` can come first) still count as its mount points.
      else if (this.imageData === null && this.dirsBeforeImageData.size < MAX_VGDATA_NAMES)
        this.dirsBeforeImageData.add(path);
    }
  }

  private readImageData(source: string, bytes: Uint8Array): void {
    const parsed = parseImageData(new TextDecoder('utf-8').decode(bytes), source);
    const summary = summariseImageData(parsed.imageData);
    this.imageData = {
      source,
      volumeGroup: summary.volumeGroup,
      logicalVolumes: summary.logicalVolumes,
      fileSystems: summary.fileSystems,
      problems: parsed.ok ? [] : parsed.problems.slice(0, MAX_PROBLEMS_KEPT),
    };
    // Its file systems follow it in the archive (mksysb puts it first): note their directories as they pass.
    this.mountPoints.clear();
    for (const mountPoint of summary.fileSystems) {
      const path = archivePath(mountPoint === '/' ? '.' : mountPoint);
      this.mountPoints.set(path, { mountPoint, seen: this.dirsBeforeImageData.has(path) });
    }
    this.dirsBeforeImageData.clear();
  }

  /** The VG whose files a savevg must hold: the one given, else the one its archive names. */
  private savevgVolumeGroup(): string {
    if (this.options.volumeGroup) return this.options.volumeGroup;
    const fromImageData = this.imageDataVolumeGroupDir();
    if (fromImageData) return fromImageData;
    for (const path of this.vgdata.keys()) {
      const m = VGDATA_FILE.exec(path);
      if (m?.[1] && m[2] === `${m[1]}.data`) return m[1];
    }
    return '<vg>';
  }

  private bootFiles(): ContentReport['bootFiles'] {
    const present: string[] = [];
    const missing: string[] = [];
    const empty: string[] = [];
    const kind = this.options.kind;
    const seen = (p: string) => this.required.get(p) ?? this.vgdata.get(p);
    for (const r of requiredFiles(kind, kind === 'mksysb' ? 'rootvg' : this.savevgVolumeGroup())) {
      const found = r.paths.find((p) => {
        const s = seen(p);
        return s !== undefined && s.type !== 'directory';
      });
      if (found === undefined) missing.push(r.paths.join(' or '));
      else if (r.nonEmpty && (seen(found)?.size ?? 0) === 0) empty.push(found);
      else present.push(found);
    }
    return { present, missing, empty };
  }
}

const REQUIRED_PATHS = new Set(BOOT_FILES.flatMap((r) => r.paths));

/** An archived name as `./a/b`: `/a/b`, `a/b` and `./a/b/` all name the same file; `/` is `.`. */
export function archivePath(name: string): string {
  let p = name.replace(/\/{2,}/g, '/');
  if (p.startsWith('/')) p = `.${p}`;
  else if (p !== '.' && !p.startsWith('./')) p = `./${p}`;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** What the host and the run said about the image. */
export interface ContentClaims {
  readonly kind: ImageKind;
  /** `rootvg` for mksysb, the declared VG for savevg. */
  readonly volumeGroup: string;
  /** The SHA-256 the host computed before uploading; null when it sent none. */
  readonly hostSha256: string | null;
  /** Size of the stored object (S3's Content-Length). */
  readonly sizeBytes: number;
  /** "files backed up" from the mksysb/savevg log (mksysb-log.ts `filesBackedUp`). */
  readonly logFilesBackedUp: number | null;
  readonly lsmksysb: LsmksysbReport | null;
}

const MAX_NAMES = 10;

/**
 * The anomalies of one image's content check. Never throws: a report it cannot make sense of is one
 * CONTENT_UNVERIFIED anomaly.
 */
export function judgeContent(
  report: ContentReport,
  claims: ContentClaims,
  policy: Pick<VerificationPolicy, 'fileCountTolerancePercent'> = DEFAULT_VERIFICATION_POLICY,
): Anomaly[] {
  try {
    const parsed = ContentReportSchema.safeParse(report);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return [
        anomaly(
          'CONTENT_UNVERIFIED',
          'warn',
          `the content report is not valid (${issue?.path.join('.') || 'report'}: ${issue?.message ?? 'invalid'}): the stored bytes were not judged`,
          { issues: parsed.error.issues.length },
        ),
      ];
    }
    return judge(parsed.data, claims, policy);
  } catch (error) {
    return [
      anomaly('CONTENT_UNVERIFIED', 'warn', `the content check could not be judged: ${oneLine(error)}`, {}),
    ];
  }
}

function judge(
  report: ContentReport,
  claims: ContentClaims,
  policy: Pick<VerificationPolicy, 'fileCountTolerancePercent'>,
): Anomaly[] {
  const out: Anomaly[] = [];
  // A read that stopped early says nothing about the image: judging it would report a sound image as
  // truncated and its checksum as wrong.
  if (report.bytesRead !== claims.sizeBytes) {
    out.push(
      anomaly(
        'CONTENT_UNVERIFIED',
        'warn',
        `the content check read ${report.bytesRead} bytes of an object of ${claims.sizeBytes} (${formatBytes(claims.sizeBytes)}): ${report.bytesRead < claims.sizeBytes ? 'not finished' : 'the object changed'}`,
        { bytesRead: report.bytesRead, sizeBytes: claims.sizeBytes },
      ),
    );
    if (report.bytesRead < claims.sizeBytes) return out;
  }

  out.push(...judgeChecksum(report, claims));
  out.push(...judgeArchive(report));
  if (report.complete && report.problem === null) {
    out.push(...judgeBootFiles(report, claims));
    out.push(...judgeCount(report, claims, policy));
  }
  out.push(...judgeImageData(report, claims));
  return out;
}

function judgeChecksum(report: ContentReport, claims: ContentClaims): Anomaly[] {
  if (claims.hostSha256 === null) return [];
  const host = claims.hostSha256.trim().toLowerCase();
  const evidence = {
    storedSha256: report.sha256,
    hostSha256: claims.hostSha256,
    bytesRead: report.bytesRead,
  };
  if (!/^[0-9a-f]{64}$/.test(host))
    return [
      anomaly(
        'CHECKSUM_MISMATCH',
        'fail',
        `the host's checksum "${clip(claims.hostSha256, 80)}" is not a SHA-256: the stored bytes (SHA-256 ${short(report.sha256)}) cannot be confirmed`,
        evidence,
      ),
    ];
  if (host === report.sha256) return [];
  return [
    anomaly(
      'CHECKSUM_MISMATCH',
      'fail',
      `SHA-256 of the ${report.bytesRead} stored bytes is ${short(report.sha256)}, the host computed ${short(host)}: S3 does not hold what the host wrote`,
      evidence,
    ),
  ];
}

function judgeArchive(report: ContentReport): Anomaly[] {
  const p = report.problem;
  if (p) {
    const where = `at byte ${p.offset}${p.entry ? ` in ${escapeField(p.entry)}` : ''}`;
    const what = p.code === 'ARCHIVE_TRUNCATED' ? 'the archive is cut short' : 'the archive is damaged';
    return [
      anomaly(
        p.code,
        'fail',
        `${what} ${where}, after ${report.entries} entries: ${clip(oneLine(p.message), 300)}`,
        {
          offset: p.offset,
          entry: p.entry,
          entries: report.entries,
          bytesRead: report.bytesRead,
          reader: p.message,
        },
      ),
    ];
  }
  if (!report.complete)
    return [
      anomaly(
        'ARCHIVE_TRUNCATED',
        'fail',
        `the archive has no end-of-volume record: it stops after ${report.entries} entries at byte ${report.bytesRead}`,
        { offset: report.bytesRead, entry: null, entries: report.entries, bytesRead: report.bytesRead },
      ),
    ];
  return [];
}

function judgeBootFiles(report: ContentReport, claims: ContentClaims): Anomaly[] {
  const { missing, empty, present } = report.bootFiles;
  if (missing.length === 0 && empty.length === 0) return [];
  const total = missing.length + empty.length + present.length;
  const parts = [
    ...(missing.length > 0 ? [`lacks ${missing.join(', ')}`] : []),
    ...(empty.length > 0 ? [`has an empty ${empty.join(', ')}`] : []),
  ];
  const consequence =
    claims.kind === 'mksysb' ? 'it cannot be installed' : `restvg cannot rebuild ${claims.volumeGroup}`;
  return [
    anomaly(
      'BOOT_FILES_MISSING',
      'fail',
      `the ${claims.kind} image ${parts.join(' and ')} (${missing.length + empty.length} of ${total} required files): ${consequence}`,
      { missing: missing.join(', ') || null, empty: empty.join(', ') || null, required: total },
    ),
  ];
}

/**
 * The log's "files backed up" counts the names mksysb fed to `backup -i`: its list is `find … -print`
 * of each file system (directories included) plus bosinst.data and image.data, and each name becomes
 * one archive entry. So the relation is entries ≈ files backed up, with verdict.ts's tolerance
 * (FILE_COUNT_MISMATCH, `fileCountTolerancePercent`) for names that vanish between the list and the
 * backup. Fewer entries than the log claims is a FAIL (the image lacks files the host says it saved);
 * more is a WARN.
 */
function judgeCount(
  report: ContentReport,
  claims: ContentClaims,
  policy: Pick<VerificationPolicy, 'fileCountTolerancePercent'>,
): Anomaly[] {
  const log = claims.logFilesBackedUp;
  if (log === null || log <= 0) return [];
  const diff = ((report.entries - log) / log) * 100;
  if (Math.abs(diff) <= policy.fileCountTolerancePercent) return [];
  return [
    anomaly(
      'CONTENT_MISMATCH',
      diff < 0 ? 'fail' : 'warn',
      `the stored archive holds ${report.entries} entries, the log says ${log} files were backed up (${diff > 0 ? '+' : ''}${round1(diff)}%, tolerance ${policy.fileCountTolerancePercent}%)`,
      {
        archiveEntries: report.entries,
        logFiles: log,
        differencePercent: round1(diff),
        tolerancePercent: policy.fileCountTolerancePercent,
      },
    ),
  ];
}

function judgeImageData(report: ContentReport, claims: ContentClaims): Anomaly[] {
  const data = report.imageData;
  if (!data) return [];
  const out: Anomaly[] = [];
  const listing = claims.lsmksysb;
  if (data.problems.length > 0)
    out.push(
      anomaly(
        'CONTENT_UNVERIFIED',
        'warn',
        `${data.source} in the image does not verify (${data.problems.length} problem${data.problems.length > 1 ? 's' : ''}): ${clip(data.problems[0] ?? '', 200)}`,
        { source: data.source, problems: data.problems.join(' | ') },
      ),
    );

  const vg = data.volumeGroup;
  const listingVg = listing?.volumeGroup ?? null;
  if (vg !== null && (vg !== claims.volumeGroup || (listingVg !== null && vg !== listingVg))) {
    out.push(
      anomaly(
        'CONTENT_MISMATCH',
        'fail',
        `${data.source} in the image describes ${vg}, the ${claims.kind} run was for ${claims.volumeGroup}${listingVg !== null ? ` and the lsmksysb listing says ${listingVg}` : ''}: image and claims do not belong together`,
        { imageVolumeGroup: vg, claimedVolumeGroup: claims.volumeGroup, listingVolumeGroup: listingVg },
      ),
    );
    return out; // the LV and file-system lists of another VG would only repeat this
  }

  if (listing) {
    const lvs = difference(
      data.logicalVolumes,
      listing.logicalVolumes.map((l) => l.name),
    );
    const mounts = difference(
      data.fileSystems,
      listing.logicalVolumes.map((l) => l.mountPoint).filter((m): m is string => m !== null),
    );
    const parts = [
      ...describe(lvs.onlyA, 'logical volume', 'only in image.data'),
      ...describe(lvs.onlyB, 'logical volume', 'only in the listing'),
      ...describe(mounts.onlyA, 'file system', 'only in image.data'),
      ...describe(mounts.onlyB, 'file system', 'only in the listing'),
    ];
    // WARN, not FAIL: the listing is the host's text, parsed leniently, and may lose rows; the VG
    // check above is the one that proves image and listing apart.
    if (parts.length > 0)
      out.push(
        anomaly(
          'CONTENT_MISMATCH',
          'warn',
          `image.data and the lsmksysb listing disagree: ${parts.join('; ')}`,
          {
            lvsOnlyInImage: lvs.onlyA.length,
            lvsOnlyInListing: lvs.onlyB.length,
            fileSystemsOnlyInImage: mounts.onlyA.length,
            fileSystemsOnlyInListing: mounts.onlyB.length,
            names: [...lvs.onlyA, ...lvs.onlyB, ...mounts.onlyA, ...mounts.onlyB].slice(0, 50).join(', '),
          },
        ),
      );
  }

  if (report.complete && report.problem === null && data.fileSystemsMissing.length > 0)
    out.push(
      anomaly(
        'CONTENT_MISMATCH',
        'warn',
        `${data.fileSystemsMissing.length} file system${data.fileSystemsMissing.length > 1 ? 's' : ''} of ${data.source} ${data.fileSystemsMissing.length > 1 ? 'have' : 'has'} no directory in the archive: ${names(data.fileSystemsMissing)} (excluded, or not backed up)`,
        { missing: data.fileSystemsMissing.slice(0, 50).join(', '), fileSystems: data.fileSystems.length },
      ),
    );
  return out;
}

function difference(a: readonly string[], b: readonly string[]) {
  const setA = new Set(a);
  const setB = new Set(b);
  return { onlyA: [...setA].filter((x) => !setB.has(x)), onlyB: [...setB].filter((x) => !setA.has(x)) };
}

function describe(list: readonly string[], noun: string, where: string): string[] {
  if (list.length === 0) return [];
  return [`${list.length} ${noun}${list.length > 1 ? 's' : ''} ${where} (${names(list)})`];
}

function names(list: readonly string[]): string {
  const shown = list.slice(0, MAX_NAMES).join(', ');
  return list.length > MAX_NAMES ? `${shown}, … ${list.length - MAX_NAMES} more` : shown;
}

function short(sha: string): string {
  return `${sha.slice(0, 12)}…`;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function oneLine(value: unknown): string {
  const text = value instanceof Error ? value.message : String(value);
  return clip(text.replace(/\s+/g, ' ').trim(), 300);
}
