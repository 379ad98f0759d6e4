// inspect-image against the local S3 server, on a real AIX `backup -i` archive (test/fixtures/bff/):
// it reads every stored byte in bounded ranges, hashes and walks them, writes the content index that
// parses back, and never passes off a read the deadline cut short as a check.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { parseTocIndex } from '../../../lambdas/core/bff/toc-index.js';
import { inspectImage } from '../../../lambdas/inspect-image/inspect-image.js';
import { countCalls, useTestStore } from '../../support/local-store.js';

const ARCHIVE = readFileSync(new URL('../../fixtures/bff/test.bff', import.meta.url));
const DATE = '2026-11-23T02:00:00.000Z';
const local = useTestStore();

async function upload(host: string, bytes: Uint8Array): Promise<string> {
  const key = `images/${host}/${host}_mksysb_2026-11-23`;
  await local.client.send(new PutObjectCommand({ Bucket: local.store.bucket, Key: key, Body: bytes }));
  return key;
}

function inspect(
  host: string,
  key: string,
  sizeBytes: number,
  deps: Partial<Parameters<typeof inspectImage>[1]> = {},
) {
  return inspectImage(
    { runId: 'run-2026-11-23', host, kind: 'mksysb', date: DATE, key, sizeBytes },
    {
      s3: local.client,
      bucket: local.store.bucket,
      now: () => new Date(DATE),
      remainingMs: () => 900_000,
      rangeBytes: 256,
      rangesInFlight: 2,
      ...deps,
    },
  );
}

describe('inspect-image', () => {
  it('hashes and walks every stored byte of a sound archive to its end record', async () => {
    const key = await upload('sound01', ARCHIVE);
    const out = await inspect('sound01', key, ARCHIVE.length);
    expect({
      complete: out.complete,
      bytesRead: out.content.bytesRead,
      sha256: out.content.sha256,
      entries: out.content.entries,
      files: out.content.files,
      archiveComplete: out.content.complete,
      problem: out.content.problem,
      indexKey: out.indexKey,
    }).toEqual({
      complete: true,
      bytesRead: 1024,
      sha256: createHash('sha256').update(ARCHIVE).digest('hex'),
      entries: 4,
      files: 2,
      archiveComplete: true,
      problem: null,
      indexKey: `${key}.index.gz`,
    });
  });

  it('writes the content index beside the image, and it parses with every entry and its offsets', async () => {
    const key = await upload('index01', ARCHIVE);
    await inspect('index01', key, ARCHIVE.length);
    const object = await local.client.send(
      new GetObjectCommand({ Bucket: local.store.bucket, Key: `${key}.index.gz` }),
    );
    const index = parseTocIndex((await object.Body?.transformToByteArray()) ?? new Uint8Array());
    expect({
      imageKey: index.imageKey,
      sha256: index.sha256,
      files: index.entries.filter((e) => e.type === 'file').map((e) => [e.path, e.size]),
      dataInside: index.entries.every((e) => e.dataOffset + e.storedSize <= ARCHIVE.length),
    }).toEqual({
      imageKey: key,
      sha256: createHash('sha256').update(ARCHIVE).digest('hex'),
      files: [
        ['./backup/file.txt', 3],
        ['./backup/folder/file_in_folder.txt', 3],
      ].map(([p, s]) => [expect.stringContaining(String(p).slice(2)), s]),
      dataInside: true,
    });
  });

  it('reads a cut archive to the end of what is stored and reports it truncated', async () => {
    const cut = ARCHIVE.subarray(0, 500);
    const key = await upload('cut01', cut);
    const out = await inspect('cut01', key, cut.length);
    expect({
      complete: out.complete,
      bytesRead: out.content.bytesRead,
      archive: out.content.complete,
      code: out.content.problem?.code,
    }).toEqual({
      complete: true,
      bytesRead: 500,
      archive: false,
      code: 'ARCHIVE_TRUNCATED',
    });
  });

  it('reads in ranges no larger than asked for, each GET an explicit range', async () => {
    const key = await upload('ranges01', ARCHIVE);
    const counted = local.store.client();
    const calls = countCalls(counted);
    const ranges: string[] = [];
    counted.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Range?: string };
        if (input.Range) ranges.push(input.Range);
        return next(args);
      },
      { step: 'initialize', name: 'ranges' },
    );
    await inspect('ranges01', key, ARCHIVE.length, { s3: counted });
    expect({
      gets: calls.filter((c) => c.command === 'GetObjectCommand' && c.key === key).length,
      ranges,
      puts: calls.filter((c) => c.command === 'PutObjectCommand').map((c) => c.key),
      deletes: calls.filter((c) => c.command.startsWith('Delete')).length,
    }).toEqual({
      gets: 4,
      ranges: ['bytes=0-255', 'bytes=256-511', 'bytes=512-767', 'bytes=768-1023'],
      puts: [`${key}.index.gz`],
      deletes: 0,
    });
  });

  it('returns complete: false with what it read when the deadline comes first, and writes no index', async () => {
    const key = await upload('late01', ARCHIVE);
    let left = 31_000;
    const out = await inspect('late01', key, ARCHIVE.length, {
      // 1 s of budget beyond the reserve, spent by the first two ranges.
      remainingMs: () => (left -= 500),
    });
    const index = await local.client
      .send(new GetObjectCommand({ Bucket: local.store.bucket, Key: `${key}.index.gz` }))
      .then(() => 'written')
      .catch((e: Error) => e.name);
    expect({
      complete: out.complete,
      bytesRead: out.content.bytesRead,
      indexKey: out.indexKey,
      index,
    }).toEqual({
      complete: false,
      bytesRead: 256,
      indexKey: null,
      index: 'NoSuchKey',
    });
  });

  it('returns a small result for the state: the report, never the entry list', async () => {
    const key = await upload('small01', ARCHIVE);
    const out = await inspect('small01', key, ARCHIVE.length);
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThan(4096);
    expect(JSON.stringify(out)).not.toContain('file_in_folder');
  });

  it('refuses to inspect an object of another size than the one uploaded, naming host and key', async () => {
    const key = await upload('other01', ARCHIVE);
    await expect(inspect('other01', key, 4096)).rejects.toThrow(
      `other01: ${key} is 1024 bytes in S3 but 4096 were uploaded: not inspecting a different object`,
    );
  });
});
