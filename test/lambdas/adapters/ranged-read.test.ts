// The ranged reader under a mocked S3: bytes reach the consumer in order whatever order the ranges
// arrive in, no more than `rangesInFlight` ranges are ever held, and the budget stops it cleanly.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { readRanges } from '../../../lambdas/adapters/ranged-read.js';
import { accessDenied, mockedS3 } from '../s3-mock.js';

const KiB = 1024;
const OBJECT = randomBytes(100 * KiB + 17);

/** A body the way Node's SDK gives it: a stream of several chunks (and a transformToByteArray). */
function bytesBody(bytes: Uint8Array): GetObjectCommandOutput['Body'] {
  const third = Math.ceil(bytes.length / 3);
  const chunks = [0, 1, 2].map((i) => bytes.subarray(i * third, (i + 1) * third));
  return Object.assign(Readable.from(chunks), {
    transformToByteArray: async () => bytes,
  }) as unknown as GetObjectCommandOutput['Body'];
}

function rangeOf(input: { Range?: string }): [number, number] {
  const m = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '');
  if (!m) throw new Error(`not an explicit range: ${input.Range}`);
  return [Number(m[1]), Number(m[2]) + 1];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function source(client: ReturnType<typeof mockedS3>['client'], sizeBytes = OBJECT.length) {
  return {
    s3: client,
    bucket: 'vault',
    key: 'images/lpar01/lpar01_mksysb_2026-11-23',
    sizeBytes,
    host: 'lpar01',
  };
}

describe('readRanges', () => {
  it('hands the bytes over in order although the ranges arrive out of order', async () => {
    const { client, s3 } = mockedS3();
    s3.on(GetObjectCommand).callsFake(async (input: { Range?: string }) => {
      const [start, end] = rangeOf(input);
      await sleep(((start / (8 * KiB)) % 3) * 5);
      return { Body: bytesBody(OBJECT.subarray(start, end)) };
    });
    const chunks: Uint8Array[] = [];
    const read = await readRanges(source(client), (c) => chunks.push(c), {
      rangeBytes: 8 * KiB,
      rangesInFlight: 4,
      budgetMs: () => 60_000,
    });
    expect(Buffer.concat(chunks).equals(OBJECT)).toBe(true);
    expect({ finished: read.finished, bytesRead: read.bytesRead, ranges: read.ranges }).toEqual({
      finished: true,
      bytesRead: OBJECT.length,
      ranges: 13,
    });
  });

  it('reads to the end with no deadline at all (the CLI), not stopping at once', async () => {
    const { client, s3 } = mockedS3();
    s3.on(GetObjectCommand).callsFake(async (input: { Range?: string }) => {
      const [start, end] = rangeOf(input);
      await sleep(5);
      return { Body: bytesBody(OBJECT.subarray(start, end)) };
    });
    const read = await readRanges(source(client), () => undefined, {
      rangeBytes: 8 * KiB,
      rangesInFlight: 2,
      budgetMs: () => Number.POSITIVE_INFINITY,
    });
    expect({ finished: read.finished, bytesRead: read.bytesRead }).toEqual({
      finished: true,
      bytesRead: OBJECT.length,
    });
  });

  it('holds at most ranges in flight × range size, however large the object', async () => {
    const { client, s3 } = mockedS3();
    let active = 0;
    let mostActive = 0;
    const sizes: number[] = [];
    s3.on(GetObjectCommand).callsFake(async (input: { Range?: string }) => {
      const [start, end] = rangeOf(input);
      sizes.push(end - start);
      active += 1;
      mostActive = Math.max(mostActive, active);
      await sleep(2);
      return { Body: bytesBody(OBJECT.subarray(start, end)) };
    });
    const read = await readRanges(
      source(client),
      () => {
        active -= 1;
      },
      { rangeBytes: 4 * KiB, rangesInFlight: 3, budgetMs: () => 60_000 },
    );
    expect({
      mostActive,
      largestRange: Math.max(...sizes),
      peakWithinBound: read.peakBufferedBytes <= 3 * 4 * KiB,
      finished: read.finished,
    }).toEqual({ mostActive: 3, largestRange: 4 * KiB, peakWithinBound: true, finished: true });
  });

  it('stops without error when the budget runs out, saying how much it read', async () => {
    const { client, s3 } = mockedS3();
    s3.on(GetObjectCommand).callsFake(async (input: { Range?: string }) => {
      const [start, end] = rangeOf(input);
      return { Body: bytesBody(OBJECT.subarray(start, end)) };
    });
    let asked = 0;
    const read = await readRanges(source(client), () => undefined, {
      rangeBytes: 8 * KiB,
      rangesInFlight: 2,
      budgetMs: () => (++asked <= 3 ? 60_000 : 0),
    });
    expect({ finished: read.finished, bytesRead: read.bytesRead }).toEqual({
      finished: false,
      bytesRead: 24 * KiB,
    });
  });

  it('abandons a range that has not arrived when the budget is spent', async () => {
    const { client, s3 } = mockedS3();
    s3.on(GetObjectCommand).callsFake(() => new Promise(() => undefined));
    const started = Date.now();
    const read = await readRanges(source(client), () => undefined, {
      rangeBytes: 8 * KiB,
      rangesInFlight: 2,
      budgetMs: () => 50,
    });
    expect({ finished: read.finished, bytesRead: read.bytesRead }).toEqual({ finished: false, bytesRead: 0 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('retries a range whose body was cut short, then goes on', async () => {
    const { client, s3 } = mockedS3();
    let cut = false;
    s3.on(GetObjectCommand).callsFake(async (input: { Range?: string }) => {
      const [start, end] = rangeOf(input);
      if (start === 16 * KiB && !cut) {
        cut = true;
        return { Body: bytesBody(OBJECT.subarray(start, end - 100)) };
      }
      return { Body: bytesBody(OBJECT.subarray(start, end)) };
    });
    const chunks: Uint8Array[] = [];
    const read = await readRanges(source(client), (c) => chunks.push(c), {
      rangeBytes: 8 * KiB,
      rangesInFlight: 4,
      budgetMs: () => 60_000,
    });
    expect({ cut, finished: read.finished, same: Buffer.concat(chunks).equals(OBJECT) }).toEqual({
      cut: true,
      finished: true,
      same: true,
    });
  });

  it('fails at once on a range it may not read, naming the host, the bytes and the key', async () => {
    const { client, s3 } = mockedS3();
    s3.on(GetObjectCommand).rejects(accessDenied());
    await expect(
      readRanges(source(client), () => undefined, {
        rangeBytes: 64 * KiB,
        rangesInFlight: 2,
        budgetMs: () => 60_000,
      }),
    ).rejects.toThrow(
      'reading bytes 0-65535 of the image for host lpar01 (images/lpar01/lpar01_mksysb_2026-11-23) failed: access denied',
    );
    expect(s3.commandCalls(GetObjectCommand).length).toBe(2);
  });
});
