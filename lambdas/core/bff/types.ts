// The vocabulary of the AIX `backup` by-name archive (the format mksysb, savevg and installp .bff
// files are written in), shared by the streaming reader, the writer the simulated LPARs use, the
// content check of a stored image, the TOC index and the CLI. Pure: no AWS SDK, no fs.

/** What a TOC shows of an entry's kind: regular files, directories, symlinks, and the rest (devices, FIFOs…). */
export type BffEntryType = 'file' | 'directory' | 'symlink' | 'other';

/** One archived file, as its record header describes it, and where its bytes are in the archive. */
export interface BffEntry {
  /** The name as archived: mksysb names are relative to `/`, e.g. `./etc/hosts`. */
  readonly path: string;
  readonly type: BffEntryType;
  /** The full st_mode (type bits and permission bits). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Bytes of the file after unpacking (its real size). */
  readonly size: number;
  /** Bytes of data stored in the archive (smaller than `size` when packed). */
  readonly storedSize: number;
  /** Modification time, seconds since the epoch. */
  readonly mtime: number;
  /** Huffman-packed record (magic 0xEA6C): the stored data must be unpacked. */
  readonly packed: boolean;
  /** Byte offset of the record header in the archive. */
  readonly headerOffset: number;
  /** Byte offset of the first stored data byte: a ranged GET of [dataOffset, dataOffset + storedSize) reads the file. */
  readonly dataOffset: number;
  /** A symlink's target, when the archive carries it. */
  readonly linkTarget?: string;
}

/** How an archive is damaged: cut short, or not the format where it should be. */
export type ArchiveProblemCode = 'ARCHIVE_TRUNCATED' | 'ARCHIVE_CORRUPT';

export interface ArchiveProblem {
  readonly code: ArchiveProblemCode;
  /** Byte offset where the damage was found (for a truncation: where the input ended). */
  readonly offset: number;
  /** The entry that was cut or damaged, when known. */
  readonly entry: string | null;
  /** One line for people: what was expected at that offset and what was there. */
  readonly message: string;
}

/** What reading a whole archive found. */
export interface ArchiveSummary {
  /** Entries read, all types. */
  readonly entries: number;
  readonly files: number;
  readonly directories: number;
  /** Sum of the entries' unpacked sizes. */
  readonly contentBytes: number;
  /** Bytes consumed from the input. */
  readonly bytesRead: number;
  /** The archive's end-of-volume record was reached. */
  readonly complete: boolean;
  /** The first damage found; the reader stops there. Null for a sound archive. */
  readonly problem: ArchiveProblem | null;
}
