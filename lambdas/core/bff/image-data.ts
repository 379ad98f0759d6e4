// A parser of AIX `image.data`: the stanza file mkszfile (mksysb) and mkvgdata (savevg) write at the
// front of every image, which BOS install and restvg read to rebuild the volume group — its VG, its
// logical volumes and its file systems. The content check reads it from the stored bytes to learn what
// the image itself says it holds, independent of the listing the host printed.
//
// Lenient in parsing: `KEY= value`, `KEY=value` and `KEY = value` all occur (AIX's own writers differ),
// indentation is tabs, spaces or none, `#` lines are comments, and every field of a known stanza is
// kept as written; stanzas this module does not know are skipped. Strict in verification: a file
// without its vg_data, its logical volumes, or with stanzas cut in half is reported, line by line.
// Pure: no AWS SDK, no fs.
import { z } from 'zod';

const FieldsSchema = z.record(z.string(), z.string());

export const ImageDataVolumeGroupSchema = z.object({
  /** VGNAME. */
  name: z.string().nullable(),
  /** PPSIZE, in MB. */
  ppSizeMB: z.number().nullable(),
  /** VG_SOURCE_DISK_LIST. */
  sourceDisks: z.array(z.string()),
  fields: FieldsSchema,
});

export const ImageDataSourceDiskSchema = z.object({
  /** HDISKNAME. */
  name: z.string().nullable(),
  sizeMB: z.number().nullable(),
  fields: FieldsSchema,
});

export const ImageDataLogicalVolumeSchema = z.object({
  /** LOGICAL_VOLUME. */
  name: z.string().nullable(),
  volumeGroup: z.string().nullable(),
  /** TYPE: boot, paging, jfs2, jfs2log, sysdump… */
  type: z.string().nullable(),
  lps: z.number().int().nullable(),
  /** MOUNT_POINT; null when empty (boot, paging, log and dump logical volumes). */
  mountPoint: z.string().nullable(),
  sourceDisks: z.array(z.string()),
  /** Line of the `lv_data:` header, for problems. */
  line: z.number().int(),
  fields: FieldsSchema,
});
export type ImageDataLogicalVolume = z.infer<typeof ImageDataLogicalVolumeSchema>;

export const ImageDataFileSystemSchema = z.object({
  /** FS_NAME: the mount point. */
  mountPoint: z.string().nullable(),
  /** FS_LV without its `/dev/` prefix. */
  logicalVolume: z.string().nullable(),
  /** FS_SIZE and FS_MIN_SIZE, in 512-byte blocks as `df` printed them. */
  sizeBlocks: z.number().nullable(),
  minSizeBlocks: z.number().nullable(),
  line: z.number().int(),
  fields: FieldsSchema,
});
export type ImageDataFileSystem = z.infer<typeof ImageDataFileSystemSchema>;

export const ImageDataSchema = z.object({
  /** The `image_data:` stanza (IMAGE_TYPE, DATE_TIME, UNAME_INFO, OSLEVEL…), null when absent. */
  image: FieldsSchema.nullable(),
  /** The `logical_volume_policy:` stanza (SHRINK, EXACT_FIT). */
  logicalVolumePolicy: FieldsSchema.nullable(),
  /** The `ils_data:` stanza (LANG). */
  ilsData: FieldsSchema.nullable(),
  /** The first `vg_data:` stanza (a valid file has exactly one). */
  volumeGroup: ImageDataVolumeGroupSchema.nullable(),
  sourceDisks: z.array(ImageDataSourceDiskSchema),
  logicalVolumes: z.array(ImageDataLogicalVolumeSchema),
  fileSystems: z.array(ImageDataFileSystemSchema),
});
export type ImageData = z.infer<typeof ImageDataSchema>;

export type ImageDataParseResult =
  | { readonly ok: true; readonly imageData: ImageData }
  /** The file was read as far as it could be: `imageData` holds everything found. */
  | { readonly ok: false; readonly imageData: ImageData; readonly problems: string[] };

/** A volume group holds at most 4,096 logical volumes (scalable VG); more stanzas is not an image.data. */
export const MAX_IMAGE_DATA_STANZAS = 3 * 4096 + 64;
/** Problems reported, then one line saying how many more: a junk file must not make a huge record. */
export const MAX_IMAGE_DATA_PROBLEMS = 50;

// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control bytes is the point.
const BINARY = /[\u0000-\u0008\u000e-\u001f\u007f]/;
const STANZA = /^([a-z][a-z0-9_]*):\s*$/;
const FIELD = /^([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.*)$/;

interface RawStanza {
  readonly kind: string;
  readonly line: number;
  readonly fields: Record<string, string>;
}

/** Stanzas this parser interprets; any other (post_install_data, future ones) is skipped. */
const KNOWN_STANZAS = new Set([
  'image_data',
  'logical_volume_policy',
  'ils_data',
  'vg_data',
  'source_disk_data',
  'lv_data',
  'fs_data',
]);

/** Never throws: whatever `text` is, the result says what was found and what is wrong with it. */
export function parseImageData(text: string, source = 'image.data'): ImageDataParseResult {
  const problems: string[] = [];
  const empty = emptyImageData();
  if (text.trim() === '') return { ok: false, imageData: empty, problems: [`${source}: is empty`] };
  if (BINARY.test(text.slice(0, 65_536)))
    return {
      ok: false,
      imageData: empty,
      problems: [`${source}: contains binary data, not image.data text`],
    };

  const stanzas: RawStanza[] = [];
  let current: RawStanza | null = null;
  let tooMany = false;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (const [index, raw] of lines.entries()) {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = STANZA.exec(line);
    if (header) {
      const kind = header[1] ?? '';
      if (!KNOWN_STANZAS.has(kind)) {
        current = { kind, line: lineNo, fields: {} }; // read, then dropped: its fields belong to no one
        continue;
      }
      if (stanzas.length >= MAX_IMAGE_DATA_STANZAS) {
        tooMany = true;
        break;
      }
      current = { kind, line: lineNo, fields: {} };
      stanzas.push(current);
      continue;
    }
    const field = FIELD.exec(line);
    if (field) {
      if (current === null)
        problems.push(`${source}: line ${lineNo}: field outside any stanza: "${clip(line)}"`);
      else current.fields[field[1] ?? ''] = (field[2] ?? '').trim();
      continue;
    }
    problems.push(`${source}: line ${lineNo}: neither a stanza header nor a field: "${clip(line)}"`);
  }
  if (tooMany)
    problems.push(
      `${source}: more than ${MAX_IMAGE_DATA_STANZAS} stanzas; a volume group holds at most 4096 logical volumes`,
    );

  const imageData = interpret(stanzas);
  problems.push(...verify(stanzas, imageData, source));
  if (problems.length === 0) return { ok: true, imageData };
  const kept = problems.slice(0, MAX_IMAGE_DATA_PROBLEMS);
  if (problems.length > MAX_IMAGE_DATA_PROBLEMS)
    kept.push(`${source}: … and ${problems.length - MAX_IMAGE_DATA_PROBLEMS} more problems`);
  return { ok: false, imageData, problems: kept };
}

function emptyImageData(): ImageData {
  return {
    image: null,
    logicalVolumePolicy: null,
    ilsData: null,
    volumeGroup: null,
    sourceDisks: [],
    logicalVolumes: [],
    fileSystems: [],
  };
}

function interpret(stanzas: readonly RawStanza[]): ImageData {
  const out = emptyImageData();
  for (const s of stanzas) {
    const f = s.fields;
    switch (s.kind) {
      case 'image_data':
        out.image ??= f;
        break;
      case 'logical_volume_policy':
        out.logicalVolumePolicy ??= f;
        break;
      case 'ils_data':
        out.ilsData ??= f;
        break;
      case 'vg_data':
        out.volumeGroup ??= {
          name: text(f.VGNAME),
          ppSizeMB: num(f.PPSIZE),
          sourceDisks: words(f.VG_SOURCE_DISK_LIST),
          fields: f,
        };
        break;
      case 'source_disk_data':
        out.sourceDisks.push({ name: text(f.HDISKNAME), sizeMB: num(f.SIZE_MB), fields: f });
        break;
      case 'lv_data':
        out.logicalVolumes.push({
          name: text(f.LOGICAL_VOLUME),
          volumeGroup: text(f.VOLUME_GROUP),
          type: text(f.TYPE),
          lps: int(f.LPs),
          mountPoint: text(f.MOUNT_POINT),
          sourceDisks: words(f.LV_SOURCE_DISK_LIST),
          line: s.line,
          fields: f,
        });
        break;
      case 'fs_data':
        out.fileSystems.push({
          mountPoint: text(f.FS_NAME),
          logicalVolume: text(f.FS_LV)?.replace(/^\/dev\//, '') ?? null,
          sizeBlocks: num(f.FS_SIZE),
          minSizeBlocks: num(f.FS_MIN_SIZE),
          line: s.line,
          fields: f,
        });
        break;
    }
  }
  return out;
}

function verify(stanzas: readonly RawStanza[], data: ImageData, source: string): string[] {
  const problems: string[] = [];
  const vgStanzas = stanzas.filter((s) => s.kind === 'vg_data');
  const vg = data.volumeGroup;
  if (vgStanzas.length === 0) problems.push(`${source}: no vg_data stanza`);
  else if (vgStanzas.length > 1)
    problems.push(
      `${source}: ${vgStanzas.length} vg_data stanzas (lines ${vgStanzas.map((s) => s.line).join(', ')}); image.data holds exactly one`,
    );
  if (vg && vg.name === null) problems.push(`${source}: line ${vgStanzas[0]?.line}: vg_data has no VGNAME`);
  if (vg && vg.fields.PPSIZE !== undefined && vg.ppSizeMB === null)
    problems.push(
      `${source}: line ${vgStanzas[0]?.line}: PPSIZE "${clip(vg.fields.PPSIZE)}" is not a number`,
    );

  if (data.logicalVolumes.length === 0) problems.push(`${source}: no lv_data stanza`);
  const lvNames = new Set<string>();
  for (const lv of data.logicalVolumes) {
    const at = `${source}: line ${lv.line}: lv_data`;
    if (lv.name === null) {
      problems.push(`${at} has no LOGICAL_VOLUME (the stanza is cut short)`);
      continue;
    }
    if (lvNames.has(lv.name)) problems.push(`${at} repeats logical volume ${lv.name}`);
    lvNames.add(lv.name);
    if (lv.volumeGroup !== null && vg?.name && lv.volumeGroup !== vg.name)
      problems.push(`${at} ${lv.name} is in VOLUME_GROUP ${lv.volumeGroup}, the vg_data is ${vg.name}`);
    if (lv.fields.LPs !== undefined && lv.lps === null)
      problems.push(`${at} ${lv.name}: LPs "${clip(lv.fields.LPs)}" is not a whole number`);
  }

  if (data.fileSystems.length === 0) problems.push(`${source}: no fs_data stanza`);
  for (const fs of data.fileSystems) {
    const at = `${source}: line ${fs.line}: fs_data`;
    if (fs.mountPoint === null) problems.push(`${at} has no FS_NAME (the stanza is cut short)`);
    const name = fs.mountPoint === null ? '' : ` ${fs.mountPoint}`;
    if (fs.logicalVolume === null) problems.push(`${at}${name} has no FS_LV`);
    else if (lvNames.size > 0 && !lvNames.has(fs.logicalVolume))
      problems.push(`${at}${name} is on ${fs.logicalVolume}, which has no lv_data stanza`);
  }
  return problems;
}

/** The names a content check compares with the host's listing: VG, logical volumes, mount points. */
export interface ImageDataSummary {
  readonly volumeGroup: string | null;
  readonly logicalVolumes: string[];
  /** FS_NAME of each fs_data stanza, else the non-empty MOUNT_POINTs of the lv_data stanzas. */
  readonly fileSystems: string[];
}

export function summariseImageData(data: ImageData): ImageDataSummary {
  const fromFs = data.fileSystems.map((f) => f.mountPoint).filter((m): m is string => m !== null);
  const fromLv = data.logicalVolumes.map((l) => l.mountPoint).filter((m): m is string => m !== null);
  return {
    volumeGroup: data.volumeGroup?.name ?? null,
    logicalVolumes: data.logicalVolumes.map((l) => l.name).filter((n): n is string => n !== null),
    fileSystems: [...new Set(fromFs.length > 0 ? fromFs : fromLv)],
  };
}

function text(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

function words(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter((w) => w !== '');
}

function num(value: string | undefined): number | null {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return null;
  return Number(value);
}

function int(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value)) return null;
  return Number(value);
}

function clip(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
