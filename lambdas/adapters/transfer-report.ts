// The transfer report the transfer step writes beside the upload (`uploads/<runId>/<host>/<image>.parts`):
// one line per part, `part=<n> etag=<etag> md5=<hex>`. complete-upload completes the upload from it
// and checks it; verify copies the part MD5s into the record. Pure.
import { createHash } from 'node:crypto';

export interface ReportedPart {
  readonly partNumber: number;
  /** The ETag S3 answered the part's PUT with, without quotes. */
  readonly etag: string;
  /** The MD5 the transfer step computed of the bytes it read, lower-case hex. */
  readonly md5: string;
}

export class TransferReportError extends Error {
  override name = 'TransferReportError';
}

const LINE = /^part=(\d+) etag="?([^"\s]+)"? md5=([0-9a-fA-F]{32})$/;

export function parseTransferReport(text: string, source: string): ReportedPart[] {
  const parts = new Map<number, ReportedPart>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const m = LINE.exec(line);
    if (!m) throw new TransferReportError(`${source}: line ${i + 1} is not "part=<n> etag=<etag> md5=<hex>"`);
    const partNumber = Number(m[1]);
    // A part retried after a lost answer may be reported twice: the last report is the part S3 kept.
    parts.set(partNumber, {
      partNumber,
      etag: (m[2] as string).toLowerCase(),
      md5: (m[3] as string).toLowerCase(),
    });
  }
  return [...parts.values()].sort((a, b) => a.partNumber - b.partNumber);
}

/** The part numbers of 1..count that the report does not have. */
export function missingParts(parts: readonly ReportedPart[], count: number): number[] {
  const have = new Set(parts.map((p) => p.partNumber));
  const missing: number[] = [];
  for (let n = 1; n <= count; n += 1) if (!have.has(n)) missing.push(n);
  return missing;
}

/** The ETag S3 gives a multipart object (without SSE-KMS): md5 of the parts' binary MD5s, then `-<parts>`. */
export function multipartEtag(md5s: readonly string[]): string {
  const hash = createHash('md5');
  for (const md5 of md5s) hash.update(Buffer.from(md5, 'hex'));
  return `${hash.digest('hex')}-${md5s.length}`;
}

/** Part numbers for a one-line message, cut after `limit`. */
export function describeNumbers(numbers: readonly number[], limit = 20): string {
  const shown = numbers.slice(0, limit).join(',');
  return numbers.length > limit ? `${shown},… (${numbers.length} in all)` : shown;
}
