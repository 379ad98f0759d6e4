// The local pipeline on a full disk (lib/local/disk-full.ts): ENOSPC is recognised wherever it is in
// an error's causes, a run that meets it ends with one LocalDiskFullError naming the data directory
// and the space needed, and the multipart uploads left open in the local store are aborted.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../../lambdas/adapters/store-error.js';
import { abortOpenUploads, isNoSpace, LocalDiskFullError } from '../../../lib/local/disk-full.js';
import { runLocalPipeline } from '../../../lib/local/pipeline.js';
import { startLocalS3 } from '../../../lib/local/s3-server.js';

const noSpace = () =>
  Object.assign(new Error("ENOSPC: no space left on device, write '/data/alerts.jsonl'"), { code: 'ENOSPC' });

describe('isNoSpace', () => {
  it('finds ENOSPC by code or message, however deep in the causes', () => {
    expect(isNoSpace(noSpace())).toBe(true);
    expect(
      isNoSpace(new Error('run failed', { cause: new Error('write failed', { cause: noSpace() }) })),
    ).toBe(true);
    expect(isNoSpace(new AggregateError([new Error('x'), noSpace()]))).toBe(true);
    expect(isNoSpace(new Error('ECONNREFUSED'))).toBe(false);
    expect(isNoSpace(undefined)).toBe(false);
  });
});

describe('abortOpenUploads', () => {
  it('aborts each multipart upload open in the local store, parts and all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mvdiskfull'));
    const s3 = await startLocalS3({ directory: dir, bucket: 'b' });
    const client = s3.client();
    try {
      const { UploadId } = await client.send(
        new CreateMultipartUploadCommand({ Bucket: 'b', Key: 'images/h/h_mksysb_2030-01-07' }),
      );
      await client.send(
        new UploadPartCommand({
          Bucket: 'b',
          Key: 'images/h/h_mksysb_2030-01-07',
          UploadId,
          PartNumber: 1,
          Body: Buffer.alloc(1024),
        }),
      );
      expect(s3.uploadExists(UploadId as string)).toBe(true);
      expect(await abortOpenUploads(client, dir, 'b')).toEqual([UploadId]);
      expect(s3.uploadExists(UploadId as string)).toBe(false);
    } finally {
      client.destroy();
      await s3.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runLocalPipeline on a full disk', () => {
  it('turns an ENOSPC anywhere in the run into one line naming the directory and the space needed', async () => {
    const data = mkdtempSync(join(tmpdir(), 'mvdiskfull-run'));
    const error = await runLocalPipeline({
      dataDir: data,
      scenarioPath: 'test/fixtures/scenarios/two-hosts.json',
      start: '2030-01-01',
      // A writer that fails as a full disk does, once the week starts.
      onEvent: (event) => {
        if (event.type === 'week-started') throw noSpace();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalDiskFullError);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^the local data directory ${data} is out of space \\(.+ free\\): a weekly run of this fleet needs about 44 MiB more; `,
      ),
    );
    expect(isNoSpace((error as Error).cause)).toBe(true);
    const uploads = join(data, 'store', 'mksysb-vault-local', '._S3rver_uploads');
    expect(existsSync(uploads) ? readdirSync(uploads) : []).toEqual([]);
    rmSync(data, { recursive: true, force: true });
  }, 120_000);

  it('lets an error that is not a full disk through unchanged', async () => {
    const data = mkdtempSync(join(tmpdir(), 'mvdiskfull-other'));
    const error = await runLocalPipeline({
      dataDir: data,
      scenarioPath: 'test/fixtures/scenarios/two-hosts.json',
      start: '2030-01-01',
      onEvent: (event) => {
        if (event.type === 'week-started') throw new Error('something else');
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('something else');
    rmSync(data, { recursive: true, force: true });
  }, 120_000);
});
