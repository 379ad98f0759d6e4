// The AIX `backup` by-name archive (BFF): streaming reader, writer, Huffman packing, extraction.
export { BffExtractError, entryData } from './extract.js';
export { HuffmanError, pack, packedSize, unpack } from './huffman.js';
export {
  BffReader,
  type BffReaderOptions,
  type CapturedEntry,
  DEFAULT_MAX_CAPTURE_BYTES,
  entryTypeOf,
  readArchive,
} from './reader.js';
export type * from './types.js';
export {
  type BffWriteEntry,
  BffWriteError,
  BffWriter,
  type BffWriterOptions,
} from './writer.js';
