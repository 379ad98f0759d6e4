// ListObjects for the local store as S3 answers it, from the folder the prefix names. s3rver walks the
// bucket's whole tree from its root, a stat per entry, for every listing: listing one host's folder in
// a store of 10,000 hosts stats all 10,000 host folders first, and listing the hosts (Delimiter '/')
// walks every object of every host. S3 answers both from its key index. This walk starts at the
// prefix's folder and, with a delimiter, takes a folder under the prefix as a common prefix as soon as
// it finds one object in it. The answer is s3rver's own: the same keys in the same order, the same
// common prefixes, the same truncation (its filesystem layout: `<key>._S3rver_object`), except that a
// folder whose objects are all two or more levels down is a common prefix, as in S3 (s3rver's walk
// does not look that deep and leaves it out).
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

const S3Object = createRequire(import.meta.url)('s3rver/lib/models/object.js') as new (
  bucket: string,
  key: string,
  content: null,
  metadata: unknown,
) => unknown;

const OBJECT_SUFFIX = '._S3rver_object';

export interface ListOptions {
  readonly delimiter?: string;
  readonly startAfter?: string;
  readonly prefix?: string;
  readonly maxKeys?: number;
}

export interface Listing {
  readonly objects: unknown[];
  readonly commonPrefixes: string[];
  readonly isTruncated: boolean;
}

/** What of s3rver's filesystem store this uses and replaces. */
export interface ListingStore {
  getBucketPath(bucket: string): string;
  getMetadata(bucket: string, key: string): Promise<unknown>;
  listObjects(bucket: string, options: ListOptions): Promise<Listing>;
}

/** A folder's entries with their types (no stat per entry: the listing of a host's folder is hundreds). */
function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** A directory (through a symbolic link too, as the stat s3rver makes would say). */
const isDirectory = (entry: Dirent, path: string) =>
  entry.isDirectory() || (entry.isSymbolicLink() && statSync(path).isDirectory());

/** Replaces the store's listObjects (on Windows, whose key encoding s3rver handles, it stays as is). */
export function listFromThePrefix(store: ListingStore): void {
  if (process.platform === 'win32') return;
  store.listObjects = async (bucket, options) => {
    const { delimiter = '', startAfter = '', prefix = '', maxKeys = Number.POSITIVE_INFINITY } = options;
    const bucketPath = store.getBucketPath(bucket);
    const folder = prefix.slice(0, Math.max(0, prefix.lastIndexOf('/')));
    const start = folder ? `${bucketPath}/${folder}` : bucketPath;
    const startAfterPath = `${bucketPath}/${startAfter}`;
    const prefixPath = `${bucketPath}/${prefix}`;
    const keyOf = (path: string) => path.slice(bucketPath.length + 1, -OBJECT_SUFFIX.length);
    const commonPrefixes = new Set<string>();

    /** Whether any object under `dir` has a key after startAfter (what makes it a common prefix). */
    const holdsObject = (dir: string): boolean =>
      entries(dir).some((entry) => {
        const path = `${dir}/${entry.name}`;
        const folder = isDirectory(entry, path);
        if (entry.name.endsWith(OBJECT_SUFFIX) && !folder) return keyOf(path) > startAfter;
        return folder && holdsObject(path);
      });

    function* walk(dir: string): Generator<string> {
      for (const entry of entries(dir)) {
        const path = `${dir}/${entry.name}`;
        if (!isDirectory(entry, path)) {
          yield path;
          continue;
        }
        // s3rver's own test: no folder before startAfter, none that is not on the prefix's way.
        if (path < startAfterPath && !startAfterPath.includes(path)) continue;
        if (path.startsWith(prefixPath)) {
          const below = path.slice(prefixPath.length);
          if (delimiter && below.includes(delimiter)) continue;
          if (delimiter === '/') {
            // Every key under it shares this common prefix: one object is enough to know it is one.
            if (holdsObject(path)) commonPrefixes.add(`${path.slice(bucketPath.length + 1)}/`);
            continue;
          }
        } else if (!prefixPath.startsWith(path)) continue;
        yield* walk(path);
      }
    }

    const keys: string[] = [];
    let isTruncated = false;
    for (const path of walk(start)) {
      if (!path.endsWith(OBJECT_SUFFIX)) continue;
      const key = keyOf(path);
      if (key <= startAfter || !key.startsWith(prefix)) continue;
      if (delimiter) {
        const at = key.slice(prefix.length).indexOf(delimiter);
        if (at !== -1) {
          commonPrefixes.add(key.slice(0, prefix.length + at + 1));
          continue;
        }
      }
      if (keys.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      keys.push(key);
    }
    const metadata = await Promise.all(
      keys.map((key) =>
        store.getMetadata(bucket, key).catch((error: { code?: string }) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        }),
      ),
    );
    return {
      objects: keys.flatMap((key, i) =>
        metadata[i] === undefined ? [] : [new S3Object(bucket, key, null, metadata[i])],
      ),
      commonPrefixes: [...commonPrefixes].sort(),
      isTruncated,
    };
  };
}
