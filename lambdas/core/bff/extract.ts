// A file's bytes from its stored bytes: what a ranged GET of [dataOffset, dataOffset + storedSize)
// of an archive returns, unpacked when the record is packed. Pure: no AWS SDK, no fs.
import { HuffmanError, unpack } from './huffman.js';
import type { BffEntry } from './types.js';

export class BffExtractError extends Error {
  override name = 'BffExtractError';
}

/** The file's bytes; throws BffExtractError naming the path when they are not `entry.size` long. */
export function entryData(stored: Uint8Array, entry: BffEntry): Uint8Array {
  if (stored.length !== entry.storedSize)
    throw new BffExtractError(
      `${entry.path}: ${stored.length} stored bytes given, the record holds ${entry.storedSize}`,
    );
  let data: Uint8Array;
  try {
    data = entry.packed ? unpack(stored, entry.size) : stored;
  } catch (error) {
    if (error instanceof HuffmanError) throw new BffExtractError(`${entry.path}: ${error.message}`);
    throw error;
  }
  if (data.length !== entry.size)
    throw new BffExtractError(`${entry.path}: ${data.length} bytes, expected ${entry.size}`);
  return data;
}
