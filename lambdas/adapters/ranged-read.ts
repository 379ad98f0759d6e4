// Reads one stored object from start to end with ranged GETs: a few ranges in flight, handed to the
// consumer strictly in order, so memory stays at (ranges in flight × range size) whatever the object's
// size. It stops early, without error, when told to (the Lambda's deadline): what was read is said.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { kindOf, storeCall } from './store-error.js';

export interface RangedReadSource {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** The version read (from HeadObject): every range comes from the same object, even if the key is written again. */
  readonly versionId?: string | undefined;
  /** The object's size (from HeadObject). */
  readonly sizeBytes: number;
  /** For error messages. */
  readonly host: string;
}

export interface RangedReadOptions {
  /** Bytes per GET. */
  readonly rangeBytes: number;
  /** GETs at once; the consumer gets their bytes in order. */
  readonly rangesInFlight: number;
  /**
   * Milliseconds the read may still take before it must stop (the deadline minus what the caller
   * keeps for itself). Asked before each range; a range that has not arrived when it runs out is
   * abandoned.
   */
  readonly budgetMs: () => number;
  /** Attempts per range (a body cut mid-stream is not retried by the SDK). @default 3 */
  readonly attempts?: number;
}

export interface RangedRead {
  readonly bytesRead: number;
  /** Every byte of the object reached the consumer; false when the budget ran out first. */
  readonly finished: boolean;
  readonly ranges: number;
  /** The most bytes requested and not yet consumed at any moment: the memory the read holds. */
  readonly peakBufferedBytes: number;
}

export class RangeReadError extends Error {
  override name = 'RangeReadError';
}

const OUT_OF_TIME = Symbol('out of time');
/** The longest delay setTimeout honours (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function readRanges(
  source: RangedReadSource,
  consume: (chunk: Uint8Array) => void,
  options: RangedReadOptions,
): Promise<RangedRead> {
  const { rangeBytes, rangesInFlight } = options;
  if (!(rangeBytes > 0 && rangesInFlight > 0))
    throw new RangeError(`range size ${rangeBytes} and ranges in flight ${rangesInFlight} must be positive`);
  const abort = new AbortController();
  const queue: { length: number; bytes: Promise<Uint8Array[]> }[] = [];
  let requested = 0;
  let buffered = 0;
  let peakBufferedBytes = 0;
  let bytesRead = 0;
  let ranges = 0;

  const request = () => {
    const start = requested;
    const end = Math.min(start + rangeBytes, source.sizeBytes);
    requested = end;
    const bytes = fetchRange(source, start, end, abort.signal, options.attempts ?? 3);
    // Rejections of ranges behind the one awaited surface when their turn comes (or never, if the
    // read stops first): never as an unhandled rejection.
    bytes.catch(() => undefined);
    queue.push({ length: end - start, bytes });
    buffered += end - start;
    peakBufferedBytes = Math.max(peakBufferedBytes, buffered);
  };

  try {
    while (queue.length < rangesInFlight && requested < source.sizeBytes) request();
    for (let next = queue.shift(); next; next = queue.shift()) {
      const budget = options.budgetMs();
      if (budget <= 0) return { bytesRead, finished: false, ranges, peakBufferedBytes };
      let timer: NodeJS.Timeout | undefined;
      // No deadline (the CLI) is no timer: setTimeout fires at once for a delay past 2^31 - 1 ms.
      const outOfTime = new Promise<typeof OUT_OF_TIME>((resolve) => {
        if (budget <= MAX_TIMER_MS) timer = setTimeout(() => resolve(OUT_OF_TIME), budget);
      });
      const chunks = await Promise.race([next.bytes, outOfTime]).finally(() => clearTimeout(timer));
      if (chunks === OUT_OF_TIME) return { bytesRead, finished: false, ranges, peakBufferedBytes };
      for (const chunk of chunks) consume(chunk);
      bytesRead += next.length;
      buffered -= next.length;
      ranges += 1;
      // The next range is asked for only once this one is consumed: at most `rangesInFlight` held.
      if (requested < source.sizeBytes) request();
    }
    return { bytesRead, finished: bytesRead === source.sizeBytes, ranges, peakBufferedBytes };
  } finally {
    abort.abort();
  }
}

async function fetchRange(
  source: RangedReadSource,
  start: number,
  end: number,
  signal: AbortSignal,
  attempts: number,
): Promise<Uint8Array[]> {
  const context = {
    action: `reading bytes ${start}-${end - 1} of the image`,
    key: source.key,
    host: source.host,
  };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await storeCall(context, async () => {
        const object = await source.s3.send(
          new GetObjectCommand({
            Bucket: source.bucket,
            Key: source.key,
            VersionId: source.versionId,
            Range: `bytes=${start}-${end - 1}`,
          }),
          { abortSignal: signal },
        );
        const chunks = await bodyChunks(object.Body);
        const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        if (length !== end - start)
          throw new RangeReadError(
            `${source.host}: bytes ${start}-${end - 1} of ${source.key} came back as ${length} bytes, not ${end - start}: the object is not the ${source.sizeBytes} bytes it was`,
          );
        return chunks;
      });
    } catch (error) {
      const permanent =
        signal.aborted ||
        attempt >= attempts ||
        ['not-found', 'access-denied'].includes(kindOf((error as { cause?: unknown }).cause));
      if (permanent) throw error;
    }
  }
}

/**
 * A body's bytes as the socket delivered them. Node's SDK body is a stream: its chunks are kept as
 * they came, not copied into one new array per range (that copy, a fresh 8 MiB allocation each time,
 * was 7% of the local pipeline process's CPU). A body that is no stream (a test's) is read whole.
 */
async function bodyChunks(body: unknown): Promise<Uint8Array[]> {
  if (body === undefined || body === null) return [];
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>)
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return chunks;
  }
  return [await (body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()];
}
