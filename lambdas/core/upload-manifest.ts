// The upload manifest: the list of presigned part URLs that prepare-upload writes to S3 and the
// transfer script reads on the relay (or the LPAR). It is plain text, one part a line, because the
// reader is a POSIX shell script on a host with no JSON tool:
//
//   # mksysb-vault upload manifest v1
//   # key=<object key> size=<bytes> parts=<n> partSize=<bytes> expires=<ISO time>
//   <partNumber> <offset> <length> <presigned UploadPart URL> [md5etag=<hex> | etag=<hex>]
//   sidecar <name> <presigned PutObject URL> <if-none-match=* | if-match=<etag>>
//
// Sidecars are the small files the backup leaves beside the image (`<image>.log`, `<image>.lsmksysb`,
// `<image>.filesets`, `<image>.toc.gz`) and the transfer's own report (`transfer-report`: one line
// per part, `part=<n> etag=<etag> md5=<hex>`), which complete-upload reads instead of the
// SSM output (a 1,000-part report would not fit in SSM's 24,000-character stdout).
// A fifth field says S3 holds that part already (an earlier attempt sent it; prepare-upload asked
// ListParts): `md5etag=` when its ETag is the part's MD5 (the transfer compares it with the MD5 of
// the part on the host and sends the part again if they differ), `etag=` when it is not (SSE-KMS:
// S3 checked the Content-MD5 when it took the part, for this very image by SHA-256).
// Presigned URLs never contain spaces, so a space separates the fields.
import { z } from 'zod';

export const MANIFEST_MAGIC = '# mksysb-vault upload manifest v1';

export const ManifestPartSchema = z.object({
  partNumber: z.number().int().min(1).max(10_000),
  offset: z.number().int().nonnegative(),
  length: z.number().int().positive(),
  url: z.string().url(),
  /** S3 holds this part already: its ETag, and whether that ETag is the part's MD5. */
  stored: z.object({ etag: z.string().regex(/^[0-9a-f]{32}$/), isMd5: z.boolean() }).optional(),
});
export type ManifestPart = z.infer<typeof ManifestPartSchema>;

export const SIDECAR_NAMES = ['log', 'lsmksysb', 'filesets', 'toc', 'viosbr', 'transfer-report'] as const;
/**
 * The condition a sidecar URL is signed with, which the PUT must send: `if-none-match=*` for a key
 * not there yet, `if-match=<etag>` for one there (an earlier attempt's, or a FAILed image's). Either
 * way the URL writes once: replayed after that write (to overwrite the sidecars of an image verified
 * since), S3 answers 412 Precondition Failed.
 */
export const SidecarConditionSchema = z.union([
  z.literal('if-none-match=*'),
  z.string().regex(/^if-match=[0-9a-f]{32}$/),
]);
export const SidecarSchema = z.object({
  name: z.enum(SIDECAR_NAMES),
  url: z.string().url(),
  condition: SidecarConditionSchema.optional(),
});
export type Sidecar = z.infer<typeof SidecarSchema>;

export const UploadManifestSchema = z.object({
  key: z.string().min(1),
  sizeBytes: z.number().int().nonnegative(),
  partSize: z.number().int().positive(),
  expiresAt: z.string(),
  parts: z.array(ManifestPartSchema).min(1).max(10_000),
  sidecars: z.array(SidecarSchema).default([]),
});
export type UploadManifest = z.infer<typeof UploadManifestSchema>;

/**
 * prepare-upload's record of an image's open multipart upload (uploads/resume/<host>/<image>.json),
 * so a retried transfer of the same image (same SHA-256, size and cut) resumes it.
 */
export const OpenUploadSchema = z.object({
  key: z.string().min(1),
  uploadId: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().positive(),
  partSize: z.number().int().positive(),
  /** false under SSE-KMS, where a part's ETag is not its MD5. */
  etagsAreMd5: z.boolean(),
  createdAt: z.string(),
});
export type OpenUpload = z.infer<typeof OpenUploadSchema>;

export class ManifestError extends Error {
  override name = 'ManifestError';
}

export function renderManifest(manifest: UploadManifest): string {
  const m = UploadManifestSchema.parse(manifest);
  const lines = [
    MANIFEST_MAGIC,
    `# key=${m.key} size=${m.sizeBytes} parts=${m.parts.length} partSize=${m.partSize} expires=${m.expiresAt}`,
    ...m.parts.map(
      (p) =>
        `${p.partNumber} ${p.offset} ${p.length} ${p.url}` +
        (p.stored ? ` ${p.stored.isMd5 ? 'md5etag' : 'etag'}=${p.stored.etag}` : ''),
    ),
    ...m.sidecars.map((s) => `sidecar ${s.name} ${s.url}${s.condition ? ` ${s.condition}` : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Parses a manifest and checks that its parts tile the image exactly: no gap, no overlap. */
export function parseManifest(text: string, source = 'manifest'): UploadManifest {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0] !== MANIFEST_MAGIC)
    throw new ManifestError(`${source}: first line is not "${MANIFEST_MAGIC}"`);
  const header = /^# key=(\S+) size=(\d+) parts=(\d+) partSize=(\d+) expires=(\S+)$/.exec(lines[1] ?? '');
  if (!header) throw new ManifestError(`${source}: line 2 is not the "# key=… size=… parts=…" header`);
  const sidecars: Sidecar[] = [];
  const partLines: string[] = [];
  for (const [i, line] of lines.slice(2).entries()) {
    if (!line.startsWith('sidecar ')) {
      partLines.push(line);
      continue;
    }
    const f = line.split(' ');
    const parsed = f.length <= 4 ? SidecarSchema.safeParse({ name: f[1], url: f[2], condition: f[3] }) : null;
    if (!parsed?.success)
      throw new ManifestError(`${source}: line ${i + 3} is not "sidecar <name> <url> [<condition>]"`);
    sidecars.push(parsed.data);
  }
  const parts = partLines.map((line, i) => {
    const f = line.split(' ');
    if (f.length !== 4 && f.length !== 5)
      throw new ManifestError(`${source}: line ${i + 3} has ${f.length} fields, expected 4 or 5`);
    const held = f[4] === undefined ? undefined : /^(md5etag|etag)=(.*)$/.exec(f[4]);
    if (f[4] !== undefined && !held)
      throw new ManifestError(`${source}: line ${i + 3}: field 5 is not md5etag=<hex> or etag=<hex>`);
    const parsed = ManifestPartSchema.safeParse({
      partNumber: Number(f[0]),
      offset: Number(f[1]),
      length: Number(f[2]),
      url: f[3],
      stored: held ? { etag: held[2], isMd5: held[1] === 'md5etag' } : undefined,
    });
    if (!parsed.success)
      throw new ManifestError(`${source}: line ${i + 3}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  });
  const manifest = UploadManifestSchema.parse({
    key: header[1],
    sizeBytes: Number(header[2]),
    partSize: Number(header[4]),
    expiresAt: header[5],
    parts,
    sidecars,
  });
  if (parts.length !== Number(header[3]))
    throw new ManifestError(`${source}: header says ${header[3]} parts, found ${parts.length}`);
  let expectedOffset = 0;
  for (const [i, p] of parts.entries()) {
    if (p.partNumber !== i + 1)
      throw new ManifestError(`${source}: part ${i + 1} is numbered ${p.partNumber}`);
    if (p.offset !== expectedOffset)
      throw new ManifestError(
        `${source}: part ${p.partNumber} starts at ${p.offset}, expected ${expectedOffset}`,
      );
    expectedOffset += p.length;
  }
  if (expectedOffset !== manifest.sizeBytes)
    throw new ManifestError(`${source}: parts cover ${expectedOffset} bytes, image is ${manifest.sizeBytes}`);
  checkUrls(manifest, source);
  return manifest;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Every URL of a manifest goes to one store (one scheme, host and port), over https unless the store
 * is on this machine, and each is for the manifest's own image: a part URL for its key and part
 * number, a sidecar URL for a key beside it or its upload area. A tampered manifest cannot send an
 * image's bytes anywhere else.
 */
function checkUrls(manifest: UploadManifest, source: string): void {
  const urls = [
    ...manifest.parts.map((p) => ({ what: `part ${p.partNumber}`, url: p.url, part: p.partNumber })),
    ...manifest.sidecars.map((c) => ({ what: `sidecar ${c.name}`, url: c.url, part: null })),
  ];
  let origin: string | null = null;
  for (const { what, url, part } of urls) {
    const u = new URL(url);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname)))
      throw new ManifestError(`${source}: ${what} URL is ${u.protocol}//${u.host}, not https`);
    origin ??= u.origin;
    if (u.origin !== origin)
      throw new ManifestError(`${source}: ${what} URL goes to ${u.origin}, the others to ${origin}`);
    const path = decodeURIComponent(u.pathname);
    if (part !== null) {
      if (!path.endsWith(`/${manifest.key}`) || u.searchParams.get('partNumber') !== String(part))
        throw new ManifestError(`${source}: ${what} URL is not for part ${part} of ${manifest.key}`);
    } else if (!path.includes(`/${manifest.key}.`) && !path.includes('/uploads/'))
      throw new ManifestError(`${source}: ${what} URL is not beside ${manifest.key} or in uploads/`);
  }
}

/** Splits an image into parts: at least minPartSize, whole MiB (so dd can read it by MiB), ≤ 10,000 parts. */
export function planParts(sizeBytes: number, preferredPartSize: number): { partSize: number; count: number } {
  const MiB = 1024 * 1024;
  const minPart = 8 * MiB;
  let partSize = Math.max(minPart, Math.ceil(preferredPartSize / MiB) * MiB);
  while (Math.ceil(sizeBytes / partSize) > 10_000) partSize += MiB * Math.ceil(partSize / MiB / 8);
  return { partSize, count: Math.max(1, Math.ceil(sizeBytes / partSize)) };
}
