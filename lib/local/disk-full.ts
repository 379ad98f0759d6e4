// A full disk under the local pipeline's data directory (the local store, the simulated LPARs'
// staging, state.json): the run ends with one line that names the directory, what is free and about
// what a weekly run needs, and with no multipart upload left open in the local store. A full disk
// shows as ENOSPC where node writes, and as HTTP 500s where s3rver does (it keeps the reason to
// itself), so both the error and the filesystem's free space are looked at.
import { existsSync, readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { StoreUnavailableError } from '../../lambdas/adapters/store-error.js';
import type { FailureInjector } from './s3-server.js';

const MiB = 1024 * 1024;

/** Below this much free space an error of the run is taken for a full disk. */
export const LOW_SPACE_BYTES = 16 * MiB;

/**
 * The data directory's filesystem is full. A StoreUnavailableError, so the CLI exits 69 ("the local
 * store could not be reached or refused") with this one line.
 */
export class LocalDiskFullError extends StoreUnavailableError {
  override name = 'LocalDiskFullError';
}

/** Whether `error` or what caused it is ENOSPC ("no space left on device"). */
export function isNoSpace(error: unknown): boolean {
  let e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 8; depth += 1) {
    if (e.code === 'ENOSPC') return true;
    if (typeof e.message === 'string' && /ENOSPC|no space left on device/i.test(e.message)) return true;
    if (Array.isArray(e.errors) && e.errors.some(isNoSpace)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** Free bytes of the filesystem holding `dir` (the nearest existing parent), or null when unknown. */
export function freeBytesOf(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

const human = (bytes: number) =>
  bytes >= 1024 * MiB ? `${(bytes / 1024 / MiB).toFixed(1)} GiB` : `${Math.ceil(bytes / MiB)} MiB`;

/**
 * The one line for a full data directory: where, what is free, what a weekly run of this fleet needs
 * (each image twice: in the simulated staging and in the store), and what to do.
 */
export function diskFullMessage(root: string, free: number | null, neededBytes: number): string {
  return `the local data directory ${root} is out of space (${free === null ? 'free space unknown' : `${human(free)} free`}): a weekly run of this fleet needs about ${human(neededBytes)} more; free space there or give --data a directory on a larger filesystem (nothing was deleted; the run can be made again)`;
}

/**
 * Aborts every multipart upload still open in the local store, as S3's AbortMultipartUpload does
 * (through the store, so the proxy removes the parts). Returns the upload ids aborted.
 */
export async function abortOpenUploads(
  client: S3Client,
  storeDir: string,
  bucket: string,
): Promise<string[]> {
  const dir = join(storeDir, bucket, '._S3rver_uploads');
  if (!existsSync(dir)) return [];
  const aborted: string[] = [];
  for (const uploadId of readdirSync(dir)) {
    try {
      // The local store finds an upload by its id alone; the key is S3's formality.
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'images/', UploadId: uploadId }),
      );
      aborted.push(uploadId);
    } catch {
      // Left for the bucket's lifecycle rule, as on AWS; the run's error says what matters.
    }
  }
  return aborted;
}

/**
 * A full-disk stand-in for the local store (`MKSYSB_VAULT_LOCAL_DISK_BYTES`): once the PUTs it has
 * served add up to more than `capacity` bytes, every further write answers as a full s3rver does
 * (500), and `free()` says 0. Tests and demonstrations only: a real full disk needs no stand-in.
 */
export function diskFullStandIn(capacity: number): { injector: FailureInjector; free: () => number } {
  let written = 0;
  return {
    injector: (request) => {
      if (request.method !== 'PUT' && request.method !== 'POST') return undefined;
      if (written > capacity) return 500;
      written += Number(request.headers['content-length'] ?? 0);
      return undefined;
    },
    free: () => (written > capacity ? 0 : Math.max(0, capacity - written)),
  };
}
