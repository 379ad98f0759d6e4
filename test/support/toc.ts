// A table-of-contents entry as the vault's index lists it (lambdas/core/bff/toc-index.ts), for
// tests and benchmarks that build indexes by hand: `./`-relative name, a directory when it has no
// size, stored unpacked, at the offset given (0 when the test does not read the image).
import type { TocEntry } from '../../lambdas/core/bff/toc-index.js';
import type { BffEntryType } from '../../lambdas/core/bff/types.js';

export const TOC_MTIME = 1_795_000_000;

export function tocEntry(
  path: string,
  size = 0,
  type: BffEntryType = size === 0 ? 'directory' : 'file',
  headerOffset = 0,
): TocEntry {
  return {
    path,
    type,
    mode: type === 'directory' ? 0o40755 : 0o100644,
    uid: 0,
    gid: 0,
    size,
    storedSize: size,
    packed: false,
    mtime: TOC_MTIME,
    headerOffset,
    dataOffset: headerOffset === 0 ? 0 : headerOffset + 256,
  };
}
