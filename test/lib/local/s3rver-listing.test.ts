// The local store's listing from the prefix's folder answers as s3rver's own walk of the whole bucket
// does: the same keys in the same order, the same common prefixes, the same truncation, for every
// prefix, delimiter, startAfter and page size tried on one tree of objects; and, where s3rver's walk
// misses a common prefix (a folder whose objects are all two levels down), as S3 does.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListingStore, type ListOptions, listFromThePrefix } from '../../../lib/local/s3rver-listing.js';

interface FilesystemStore extends ListingStore {
  putBucket(bucket: string): Promise<unknown>;
  putObject(object: {
    bucket: string;
    key: string;
    metadata: Record<string, string>;
    content: Buffer;
  }): Promise<unknown>;
}
const FilesystemStore = createRequire(import.meta.url)('s3rver/lib/stores/filesystem.js') as new (
  directory: string,
) => FilesystemStore;

const KEYS = [
  'images/aixprd01/aixprd01_mksysb_2026-11-16',
  'images/aixprd01/aixprd01_mksysb_2026-11-16.record.json',
  'images/aixprd01/aixprd01_mksysb_2026-11-23',
  'images/aixprd01/aixprd01_mksysb_2026-11-23.record.json',
  'images/aixprd02/aixprd02_mksysb_2026-11-23',
  'images/aixprd02/deeper/stray',
  'images/bad host!/junk',
  'images/loose-object',
  'catalog/aixprd01/index.json',
  'history/aixprd01/aixprd01_mksysb_2026-01-05.json',
  'runs/2026-11-23/run-1.json',
  'top-level',
];

const LISTINGS: ListOptions[] = [
  {},
  { prefix: 'images/' },
  { prefix: 'images/', delimiter: '/' },
  { prefix: 'images/aixprd01/' },
  { prefix: 'images/aixprd0' },
  { prefix: 'images/aixprd0', delimiter: '/' },
  { prefix: 'images/aixprd02/', delimiter: '/' },
  { prefix: 'images/aixprd01/', maxKeys: 2 },
  { prefix: 'images/', delimiter: '/', startAfter: 'images/aixprd01/zzz' },
  { prefix: 'images/aixprd01/', startAfter: 'images/aixprd01/aixprd01_mksysb_2026-11-16.record.json' },
  { prefix: 'nothing/here/' },
  { prefix: 'runs/', delimiter: '/' },
];

let directory: string;
let theirs: FilesystemStore;
let ours: FilesystemStore;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'mksysb-vault-listing-'));
  theirs = new FilesystemStore(directory);
  ours = new FilesystemStore(directory);
  listFromThePrefix(ours);
  await theirs.putBucket('vault');
  for (const key of KEYS)
    await theirs.putObject({ bucket: 'vault', key, metadata: {}, content: Buffer.from(key) });
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

const keysOf = (listing: Awaited<ReturnType<ListingStore['listObjects']>>) => ({
  keys: listing.objects.map((o) => (o as { key: string }).key),
  commonPrefixes: listing.commonPrefixes,
  isTruncated: listing.isTruncated,
});

describe('listFromThePrefix', () => {
  it.each(LISTINGS.map((o) => [JSON.stringify(o), o] as const))(
    'lists %s as s3rver does',
    async (_, options) => {
      const expected = keysOf(await theirs.listObjects('vault', options));
      expect(keysOf(await ours.listObjects('vault', options))).toEqual(expected);
    },
  );

  it('lists the top-level folders as S3 does, those holding only deeper objects too', async () => {
    const listing = await ours.listObjects('vault', { prefix: '', delimiter: '/' });
    expect(keysOf(listing)).toEqual({
      keys: ['top-level'],
      commonPrefixes: ['catalog/', 'history/', 'images/', 'runs/'],
      isTruncated: false,
    });
  });

  it("finds a folder whose objects are all further down, which s3rver's own walk misses and S3 does not", async () => {
    await theirs.putObject({
      bucket: 'vault',
      key: 'deep/only/folder/object',
      metadata: {},
      content: Buffer.from('x'),
    });
    const options = { prefix: 'deep/', delimiter: '/' };
    expect((await ours.listObjects('vault', options)).commonPrefixes).toEqual(['deep/only/']);
    expect((await theirs.listObjects('vault', options)).commonPrefixes).toEqual([]);
  });
});
