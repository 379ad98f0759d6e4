import { describe, expect, it } from 'vitest';
import {
  parseManifest,
  planParts,
  renderManifest,
  type UploadManifest,
} from '../../../lambdas/core/upload-manifest.js';

const MiB = 1024 * 1024;
const manifest: UploadManifest = {
  key: 'images/dbqa09/dbqa09_mksysb_2026-11-23',
  sizeBytes: 20 * MiB + 5,
  partSize: 8 * MiB,
  expiresAt: '2026-11-23T04:00:00.000Z',
  parts: [
    {
      partNumber: 1,
      offset: 0,
      length: 8 * MiB,
      url: 'http://127.0.0.1:9000/b/images/dbqa09/dbqa09_mksysb_2026-11-23?partNumber=1&uploadId=u&X-Amz-Signature=a',
    },
    {
      partNumber: 2,
      offset: 8 * MiB,
      length: 8 * MiB,
      url: 'http://127.0.0.1:9000/b/images/dbqa09/dbqa09_mksysb_2026-11-23?partNumber=2&uploadId=u',
    },
    {
      partNumber: 3,
      offset: 16 * MiB,
      length: 4 * MiB + 5,
      url: 'http://127.0.0.1:9000/b/images/dbqa09/dbqa09_mksysb_2026-11-23?partNumber=3&uploadId=u',
    },
  ],
  sidecars: [
    {
      name: 'log',
      url: 'http://127.0.0.1:9000/b/images/dbqa09/dbqa09_mksysb_2026-11-23.log?X-Amz-Signature=b',
    },
  ],
};

describe('upload manifest', () => {
  it('round-trips through its text form', () => {
    expect(parseManifest(renderManifest(manifest))).toEqual(manifest);
  });

  it('writes one part per line in the order the shell reader expects', () => {
    const lines = renderManifest(manifest).trimEnd().split('\n');
    expect(lines[2]).toBe(`1 0 ${8 * MiB} ${manifest.parts[0]?.url}`);
    expect(lines.at(-1)).toBe(`sidecar log ${manifest.sidecars[0]?.url}`);
  });

  it('rejects parts that leave a gap, naming the part', () => {
    const text = renderManifest(manifest).replace(`2 ${8 * MiB} `, `2 ${8 * MiB + 1} `);
    expect(() => parseManifest(text, 'm.manifest')).toThrow(
      /m\.manifest: part 2 starts at 8388609, expected 8388608/,
    );
  });

  it('rejects a manifest whose parts do not cover the image', () => {
    const text = renderManifest(manifest).replace(`size=${20 * MiB + 5}`, `size=${20 * MiB + 6}`);
    expect(() => parseManifest(text)).toThrow(/parts cover 20971525 bytes, image is 20971526/);
  });

  it('rejects a tampered line that is not a URL', () => {
    const text = renderManifest(manifest).replace(manifest.parts[1]?.url ?? '', 'not-a-url');
    expect(() => parseManifest(text)).toThrow(/line 4/);
  });

  it.each([
    [
      'another host',
      (t: string) => t.replace('http://127.0.0.1:9000/', 'http://127.0.0.1:9999/'),
      'the others to http://127.0.0.1:9999',
    ],
    [
      'a plain-http remote host',
      (t: string) => t.replaceAll('http://127.0.0.1:9000/', 'http://evil.example/'),
      'not https',
    ],
    [
      'another key',
      (t: string) => t.replace('2026-11-23?partNumber=1', '2026-11-16?partNumber=1'),
      'not for part 1',
    ],
    ['another part number', (t: string) => t.replace('partNumber=2', 'partNumber=1'), 'not for part 2'],
    [
      'a sidecar elsewhere in the bucket',
      (t: string) => t.replace('2026-11-23.log?', 'x.log?'),
      'sidecar log URL is not beside',
    ],
  ])('refuses a manifest whose URL points at %s', (_what, tamper, message) => {
    const text = renderManifest(manifest);
    expect(() => parseManifest(tamper(text))).toThrow(message);
  });

  it('plans whole-MiB parts of at least 8 MiB', () => {
    expect(planParts(100 * MiB, 1)).toEqual({ partSize: 8 * MiB, count: 13 });
    expect(planParts(8 * 1024 * MiB, 64 * MiB)).toEqual({ partSize: 64 * MiB, count: 128 });
  });

  it('never plans more than 10,000 parts, even for a 5 TiB image', () => {
    const plan = planParts(5 * 1024 * 1024 * MiB, 8 * MiB);
    expect(plan.count).toBeLessThanOrEqual(10_000);
    expect(plan.partSize % MiB).toBe(0);
  });
});

describe('a resumed upload in the manifest', () => {
  const resumed: UploadManifest = {
    ...manifest,
    parts: manifest.parts.map((p) =>
      p.partNumber === 1 ? { ...p, stored: { etag: 'a'.repeat(32), isMd5: true } } : p,
    ),
    sidecars: [
      { ...(manifest.sidecars[0] as UploadManifest['sidecars'][number]), condition: 'if-none-match=*' },
    ],
  };

  it('carries the ETag of a part S3 holds and the write-once condition of a sidecar URL, and reads them back', () => {
    const text = renderManifest(resumed);
    expect(text).toContain(` md5etag=${'a'.repeat(32)}\n`);
    expect(text).toMatch(/^sidecar log \S+ if-none-match=\*$/m);
    expect(parseManifest(text)).toEqual(resumed);
  });

  it('refuses a fifth field on a part line that is no ETag, naming the line', () => {
    const text = renderManifest(manifest).replace('uploadId=u\n', 'uploadId=u held\n');
    expect(() => parseManifest(text, 'm')).toThrow('m: line 4: field 5 is not md5etag=<hex> or etag=<hex>');
  });
});
