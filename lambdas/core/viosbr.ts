// A VIOS's viosbr archive: what the backup said of it (the claim), what the store holds (read and
// checked here), and the verdict's part of it. `viosbr -backup -file <name>` writes <name>.tar.gz,
// a gzip'd tar holding the VIOS's virtual and logical configuration as XML (IBM, viosbr command:
// "compressed file is created with .tar.gz extension"; a relative name lands in
// /home/padmin/cfgbackups). Without it a lost VIOS means re-mapping every client by hand, so a VIOS
// whose archive is missing or unreadable is FAIL even when its mksysb is whole. In the store it is
// the image's `viosbr` sidecar, `<image>.viosbr.tar.gz` (catalog-keys.ts). Pure: no AWS SDK.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { type Anomaly, AnomalyCodeSchema, anomaly } from './anomaly.js';

/** The most of an archive the check reads (a VIOS's configuration is tens of KB; a whole SSP a few MB). */
export const VIOSBR_MAX_BYTES = 64 * 1024 * 1024;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits');

/** What the backup step said of the archive (await-command, from backup.sh's `viosbr.*` lines). */
export const ViosbrClaimSchema = z
  .object({
    status: z.enum(['ok', 'failed']),
    /** viosbr's exit status; null when the step did not say. */
    exit: z.number().int().nullable(),
    sizeBytes: z.number().int().nonnegative().nullable(),
    /** SHA-256 the VIOS computed; null without a tool for it. */
    sha256: sha256Hex.nullable(),
  })
  .strict();
export type ViosbrClaim = z.infer<typeof ViosbrClaimSchema>;

/** What the record says of the archive: the evidence read from the store. */
export const ViosbrCheckSchema = z
  .object({
    key: z.string().startsWith('images/'),
    /** Bytes stored; null when no archive is stored. */
    sizeBytes: z.number().int().nonnegative().nullable(),
    /** SHA-256 of the stored archive (what a restore checks its download against); null when none. */
    sha256: sha256Hex.nullable(),
    /** The XML files the archive holds. */
    xmlFiles: z.array(z.string()),
    /** VIOSBR_MISSING / VIOSBR_INVALID when raised; empty when the archive is whole. */
    codes: z.array(AnomalyCodeSchema),
  })
  .strict();
export type ViosbrCheck = z.infer<typeof ViosbrCheckSchema>;

export type ViosbrArchiveReading =
  | { ok: true; entries: { name: string; sizeBytes: number }[]; xmlFiles: string[] }
  | { ok: false; problem: string };

const BLOCK = 512;

function field(header: Uint8Array, start: number, length: number): string {
  const raw = Buffer.from(header.subarray(start, start + length)).toString('latin1');
  const nul = raw.indexOf('\0');
  return nul === -1 ? raw : raw.slice(0, nul);
}

function octal(header: Uint8Array, start: number, length: number): number | null {
  const text = field(header, start, length).trim();
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : text === '' ? 0 : null;
}

/** A tar header's checksum: the bytes summed with the checksum field read as spaces. */
function headerChecksumOk(header: Uint8Array): boolean {
  const stored = octal(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 32 : (header[i] as number);
  return stored === sum;
}

/** Does an XML file's text look like one: a declaration or an element first, an element's end last. */
function looksLikeXml(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trim();
  return text.startsWith('<') && text.endsWith('>') && /<[A-Za-z_][\w.:-]*[\s>/]/.test(text);
}

/**
 * Reads a viosbr archive: gunzip (bounded), then every tar header to the end-of-archive blocks, each
 * header's checksum checked; the XML files' text is checked to be XML. A problem says what and where.
 */
export function readViosbrArchive(archive: Uint8Array): ViosbrArchiveReading {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: VIOSBR_MAX_BYTES });
  } catch (error) {
    return { ok: false, problem: `not a readable gzip stream (${(error as Error).message})` };
  }
  const entries: { name: string; sizeBytes: number }[] = [];
  const xmlFiles: string[] = [];
  let offset = 0;
  let ended = false;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) {
      ended = true;
      break;
    }
    if (!headerChecksumOk(header))
      return { ok: false, problem: `tar header at byte ${offset} has a bad checksum: not a tar archive` };
    const prefix = field(header, 345, 155);
    const base = field(header, 0, 100);
    const name = prefix ? `${prefix}/${base}` : base;
    const size = octal(header, 124, 12);
    if (size === null) return { ok: false, problem: `tar entry "${name}" has an unreadable size` };
    const type = String.fromCharCode(header[156] as number);
    const dataStart = offset + BLOCK;
    if (dataStart + size > tar.length)
      return { ok: false, problem: `tar entry "${name}" is cut short (${size} bytes announced)` };
    if (type === '0' || type === '\0') {
      entries.push({ name, sizeBytes: size });
      if (/\.xml$/i.test(name)) {
        if (!looksLikeXml(tar.subarray(dataStart, dataStart + size)))
          return { ok: false, problem: `"${name}" in the archive is not XML` };
        xmlFiles.push(name);
      }
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (!ended) return { ok: false, problem: 'the tar archive has no end (cut short)' };
  if (xmlFiles.length === 0)
    return {
      ok: false,
      problem: `the archive holds no XML file (${entries.length} entries: ${
        entries
          .slice(0, 5)
          .map((e) => e.name)
          .join(', ') || 'none'
      })`,
    };
  return { ok: true, entries, xmlFiles };
}

export interface ViosbrJudgement {
  readonly anomalies: Anomaly[];
  readonly check: ViosbrCheck;
}

/**
 * The archive of a VIOS's image: what the backup claimed against what `stored` holds (null: no
 * such object). VIOSBR_MISSING when viosbr failed or nothing is stored, VIOSBR_INVALID when what is
 * stored is not a readable tar.gz with its XML or not what the VIOS hashed. Both fail: the mksysb is
 * kept either way.
 */
export function judgeViosbr(claim: ViosbrClaim, stored: Uint8Array | null, key: string): ViosbrJudgement {
  const missing = (message: string, evidence: Anomaly['evidence']): ViosbrJudgement => ({
    anomalies: [anomaly('VIOSBR_MISSING', 'fail', message, { key, ...evidence })],
    check: { key, sizeBytes: null, sha256: null, xmlFiles: [], codes: ['VIOSBR_MISSING'] },
  });
  if (claim.status === 'failed')
    return missing(
      `viosbr -backup failed on the VIOS (exit ${claim.exit ?? '?'}): its mksysb is kept, but without the virtual device mappings a restore re-maps every client by hand`,
      { exit: claim.exit },
    );
  if (stored === null)
    return missing(`the viosbr archive the VIOS reported is not in the store at ${key}`, {
      reportedBytes: claim.sizeBytes,
    });
  // Only the first VIOSBR_MAX_BYTES are read: a larger archive would fail its checksum for that alone.
  if (claim.sizeBytes !== null && claim.sizeBytes > VIOSBR_MAX_BYTES)
    return {
      anomalies: [
        anomaly(
          'VIOSBR_INVALID',
          'fail',
          `the viosbr archive ${key} is ${claim.sizeBytes} bytes, more than the ${VIOSBR_MAX_BYTES} a viosbr archive is checked up to`,
          { key, reportedBytes: claim.sizeBytes, maxBytes: VIOSBR_MAX_BYTES },
        ),
      ],
      check: { key, sizeBytes: claim.sizeBytes, sha256: null, xmlFiles: [], codes: ['VIOSBR_INVALID'] },
    };
  const sha256 = createHash('sha256').update(stored).digest('hex');
  const base = { key, sizeBytes: stored.length, sha256 };
  const invalid = (message: string, evidence: Anomaly['evidence'], xmlFiles: string[] = []) => ({
    anomalies: [anomaly('VIOSBR_INVALID', 'fail', message, { key, ...evidence })],
    check: { ...base, xmlFiles, codes: ['VIOSBR_INVALID' as const] },
  });
  if (claim.sha256 !== null && claim.sha256 !== sha256)
    return invalid(`the stored viosbr archive ${key} is not what the VIOS hashed`, {
      hostSha256: claim.sha256,
      storedSha256: sha256,
    });
  const reading = readViosbrArchive(stored);
  if (!reading.ok)
    return invalid(`the viosbr archive ${key}: ${reading.problem}`, { problem: reading.problem });
  return { anomalies: [], check: { ...base, xmlFiles: reading.xmlFiles, codes: [] } };
}
