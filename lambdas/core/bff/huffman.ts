// The Huffman "packing" of the AIX `backup` command (records with magic 0xEA6C): the pack(1) code
// without pack's own file header. A packed record's data is
//   maxlev (1 byte) · leaves per level 1..maxlev-1 (1 byte each) · leaves at maxlev minus 2 ·
//   the symbols, shortest codes first, ascending byte value within a level · the code bits, MSB first,
// closed by an END pseudo-symbol, the last leaf of the deepest level. Codes are canonical: at each
// level the leaves take the numerically highest codes, so a code of L bits is a leaf when it is at
// least the number of inner nodes of that level. Pure: no fs, no SDK.

/** AIX refuses to pack when a code would need more bits than its 32-bit shift register. */
const MAX_CODE_BITS = 32;
/** Bits resolved by one table look-up; longer codes finish bit by bit (rare: they are rare bytes). */
const TABLE_BITS = 12;
const END = 256;

export class HuffmanError extends Error {
  override name = 'HuffmanError';
}

interface CodeTable {
  readonly maxLevel: number;
  /** Leaves per level (index 1..maxLevel), END included at maxLevel. */
  readonly leaves: Int32Array;
  /** Inner nodes per level: an L-bit code c is a leaf when c >= inner[L]. */
  readonly inner: Int32Array;
  /** Symbols per level in code order; END is 256. */
  readonly symbols: Int32Array[];
  /** (length << 16) | symbol for each TABLE_BITS-bit prefix; 0 when the code is longer. */
  readonly fast: Int32Array;
  readonly fastBits: number;
  /** Bytes of the table at the start of the packed data. */
  readonly headerBytes: number;
}

function readCodeTable(stored: Uint8Array): CodeTable {
  const maxLevel = stored[0] ?? 0;
  if (maxLevel < 1 || maxLevel > MAX_CODE_BITS)
    throw new HuffmanError(`packed data: code depth ${maxLevel}, expected 1..${MAX_CODE_BITS}`);
  if (stored.length < 1 + maxLevel) throw new HuffmanError('packed data: code table cut short');
  const leaves = new Int32Array(maxLevel + 2);
  let symbolCount = 0;
  for (let level = 1; level <= maxLevel; level++) {
    leaves[level] = stored[level] as number;
    symbolCount += leaves[level] as number;
  }
  // The deepest level's count is stored minus 2: one for END, one so that 257 leaves fit a byte.
  leaves[maxLevel] = (leaves[maxLevel] as number) + 2;
  symbolCount += 1; // plus the one real symbol of the +2 (END is implicit)
  if (symbolCount > 256) throw new HuffmanError(`packed data: ${symbolCount} symbols in the table`);
  let pos = 1 + maxLevel;
  if (stored.length < pos + symbolCount) throw new HuffmanError('packed data: symbol list cut short');
  const symbols: Int32Array[] = [new Int32Array(0)];
  for (let level = 1; level <= maxLevel; level++) {
    const count = leaves[level] as number;
    const row = new Int32Array(count);
    const real = level === maxLevel ? count - 1 : count;
    for (let i = 0; i < real; i++) row[i] = stored[pos++] as number;
    if (level === maxLevel) row[count - 1] = END;
    symbols.push(row);
  }
  const inner = new Int32Array(maxLevel + 2);
  for (let level = maxLevel - 1; level >= 1; level--) {
    const below = (inner[level + 1] as number) + (leaves[level + 1] as number);
    if (below % 2 !== 0) throw new HuffmanError(`packed data: level ${level + 1} is not a full code`);
    inner[level] = below / 2;
  }
  if ((inner[1] as number) + (leaves[1] as number) !== 2)
    throw new HuffmanError('packed data: the code table does not describe a full binary tree');

  const fastBits = Math.min(TABLE_BITS, maxLevel);
  const fast = new Int32Array(1 << fastBits);
  for (let level = 1; level <= fastBits; level++) {
    const row = symbols[level] as Int32Array;
    const first = inner[level] as number;
    const span = 1 << (fastBits - level);
    for (let j = 0; j < row.length; j++) {
      const start = (first + j) * span;
      // END gets -1 so the hot loop tells "slow code" and "end" apart with one test.
      const symbol = row[j] as number;
      fast.fill(symbol === END ? -1 : (level << 16) | symbol, start, start + span);
    }
  }
  return { maxLevel, leaves, inner, symbols, fast, fastBits, headerBytes: pos };
}

/** Decodes a packed record's stored bytes into the file's `size` bytes. Throws HuffmanError on bad data. */
export function unpack(stored: Uint8Array, size: number): Uint8Array {
  const table = readCodeTable(stored);
  const { fast, fastBits, inner, symbols, maxLevel } = table;
  const out = new Uint8Array(size);
  const fastMask = (1 << fastBits) - 1;
  // Zero bytes past the end let the hot loop refill without a bounds test; running into them is
  // caught by the position check after the loop.
  const bytes = new Uint8Array(stored.length + 8);
  bytes.set(stored);
  const end = stored.length;
  let pos = table.headerBytes;
  let bitBuf = 0;
  let bitCount = 0;
  for (let o = 0; o < size; o++) {
    if (bitCount < 16) {
      bitBuf = (bitBuf << 16) | ((bytes[pos] as number) << 8) | (bytes[pos + 1] as number);
      pos += 2;
      bitCount += 16;
      if (pos > end + 4) break;
    }
    let entry = fast[(bitBuf >>> (bitCount - fastBits)) & fastMask] as number;
    if (entry > 0) bitCount -= entry >>> 16;
    else if (entry < 0) throw new HuffmanError(`packed data ends after ${o} of ${size} bytes`);
    else {
      // A code longer than the table (a rare byte): finish it bit by bit. Kept inline, as a
      // closure over the bit state would make V8 keep that state in a heap context.
      bitCount -= fastBits;
      let code = (bitBuf >>> bitCount) & fastMask;
      let level = fastBits;
      for (;;) {
        if (bitCount === 0) {
          bitBuf = bytes[pos] ?? 0;
          pos++;
          bitCount = 8;
        }
        bitCount--;
        code = code * 2 + ((bitBuf >>> bitCount) & 1);
        level++;
        const first = inner[level] as number;
        if (code >= first) {
          const symbol = (symbols[level] as Int32Array)[code - first];
          if (symbol === undefined) throw new HuffmanError(`packed data: code beyond level ${level}`);
          if (symbol === END) throw new HuffmanError(`packed data ends after ${o} of ${size} bytes`);
          entry = symbol;
          break;
        }
        if (level >= maxLevel) throw new HuffmanError('packed data: code deeper than the table');
      }
    }
    out[o] = entry & 0xff;
  }
  if ((pos - end) * 8 > bitCount)
    throw new HuffmanError(`packed data cut short: ${stored.length} bytes do not hold ${size} bytes`);
  return out;
}

/** Code lengths of a Huffman tree over the byte counts plus END (weight 0), as AIX builds it. */
function codeLengths(counts: Float64Array): Uint8Array | null {
  // Nodes 0..256 are leaves; internal nodes follow. A simple binary heap on (weight, node).
  const weight = new Float64Array(2 * 257);
  const parent = new Int32Array(2 * 257).fill(-1);
  const heap: number[] = [];
  const less = (a: number, b: number) =>
    (weight[a] as number) < (weight[b] as number) ||
    ((weight[a] as number) === (weight[b] as number) && a < b);
  const push = (node: number) => {
    heap.push(node);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i] as number, heap[p] as number)) break;
      [heap[i], heap[p]] = [heap[p] as number, heap[i] as number];
      i = p;
    }
  };
  const pop = (): number => {
    const top = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l] as number, heap[m] as number)) m = l;
        if (r < heap.length && less(heap[r] as number, heap[m] as number)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as number, heap[i] as number];
        i = m;
      }
    }
    return top;
  };
  weight[END] = 0;
  push(END);
  for (let c = 0; c < 256; c++) {
    if ((counts[c] as number) > 0) {
      weight[c] = counts[c] as number;
      push(c);
    }
  }
  let next = 257;
  while (heap.length > 1) {
    const a = pop();
    const b = pop();
    weight[next] = (weight[a] as number) + (weight[b] as number);
    parent[a] = next;
    parent[b] = next;
    push(next);
    next++;
  }
  const lengths = new Uint8Array(257);
  for (let c = 0; c <= 256; c++) {
    if (c !== END && (counts[c] as number) === 0) continue;
    let depth = 0;
    for (let p = parent[c] as number; p !== -1; p = parent[p] as number) depth++;
    if (depth > MAX_CODE_BITS) return null;
    lengths[c] = depth;
  }
  return lengths;
}

/** The byte histogram of `data`. Four interleaved tables: a run of equal bytes does not serialize. */
function histogram(data: Uint8Array): Float64Array {
  const c0 = new Uint32Array(256);
  const c1 = new Uint32Array(256);
  const c2 = new Uint32Array(256);
  const c3 = new Uint32Array(256);
  const head = Math.min(data.length, (4 - (data.byteOffset % 4)) % 4);
  for (let i = 0; i < head; i++) {
    const b = data[i] as number;
    c0[b] = (c0[b] as number) + 1;
  }
  const words = new Uint32Array(data.buffer, data.byteOffset + head, (data.length - head) >>> 2);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as number;
    const b0 = w & 0xff;
    const b1 = (w >>> 8) & 0xff;
    const b2 = (w >>> 16) & 0xff;
    const b3 = w >>> 24;
    c0[b0] = (c0[b0] as number) + 1;
    c1[b1] = (c1[b1] as number) + 1;
    c2[b2] = (c2[b2] as number) + 1;
    c3[b3] = (c3[b3] as number) + 1;
  }
  for (let i = head + words.length * 4; i < data.length; i++) {
    const b = data[i] as number;
    c0[b] = (c0[b] as number) + 1;
  }
  const counts = new Float64Array(256);
  for (let c = 0; c < 256; c++)
    counts[c] = (c0[c] as number) + (c1[c] as number) + (c2[c] as number) + (c3[c] as number);
  return counts;
}

/** Size `pack` would produce, or null when the data cannot be packed at all. Cheap: no encoding. */
export function packedSize(data: Uint8Array): number | null {
  if (data.length === 0) return null;
  const counts = histogram(data);
  const lengths = codeLengths(counts);
  return lengths ? sizeFromLengths(counts, lengths) : null;
}

function sizeFromLengths(counts: Float64Array, lengths: Uint8Array): number {
  let bits = lengths[END] as number;
  let maxLevel = 0;
  let distinct = 0;
  for (let c = 0; c <= 256; c++) maxLevel = Math.max(maxLevel, lengths[c] as number);
  for (let c = 0; c < 256; c++) {
    if ((counts[c] as number) > 0) {
      distinct++;
      bits += (counts[c] as number) * (lengths[c] as number);
    }
  }
  return Math.ceil(bits / 8) + 1 + maxLevel + distinct;
}

/**
 * Packs `data` the way `backup -p` does. Returns null when the packed form would not be smaller
 * (AIX then stores the file plain), for empty data, and when a code would exceed 32 bits. `worth`,
 * when given, decides instead from the packed size (backup packs a file only when that saves it a
 * block): the size is weighed from the same histogram the packing then uses, counted once.
 */
export function pack(
  data: Uint8Array,
  worth: (packedBytes: number) => boolean = (packedBytes) => packedBytes < data.length,
): Uint8Array | null {
  if (data.length === 0) return null;
  const counts = histogram(data);
  const lengths = codeLengths(counts);
  if (!lengths) return null;
  const total = sizeFromLengths(counts, lengths);
  if (total >= data.length || !worth(total)) return null;

  let maxLevel = 0;
  for (let c = 0; c <= 256; c++) maxLevel = Math.max(maxLevel, lengths[c] as number);
  const perLevel = new Int32Array(maxLevel + 1);
  for (let c = 0; c <= 256; c++) {
    const level = lengths[c] as number;
    if (level > 0) perLevel[level] = (perLevel[level] as number) + 1;
  }

  const out = new Uint8Array(total);
  let pos = 0;
  out[pos++] = maxLevel;
  for (let level = 1; level < maxLevel; level++) out[pos++] = perLevel[level] as number;
  out[pos++] = (perLevel[maxLevel] as number) - 2;
  for (let level = 1; level <= maxLevel; level++)
    for (let c = 0; c < 256; c++) if (lengths[c] === level) out[pos++] = c;

  // Canonical codes, deepest level first, ascending symbol order, END last (AIX's assignment).
  const codes = new Float64Array(257);
  let code = 0;
  for (let level = maxLevel; level >= 1; level--) {
    for (let c = 0; c <= 256; c++) if (lengths[c] === level) codes[c] = code++;
    code /= 2; // the next level up continues from the parent of the next free code
  }

  const codeOf = new Uint32Array(257);
  for (let c = 0; c <= 256; c++) codeOf[c] = codes[c] as number;
  let acc = 0;
  let accBits = 0;
  const emit = (value: number, bits: number) => {
    if (bits > 16) {
      emit(Math.floor(value / 65536), bits - 16);
      emit(value & 0xffff, 16);
      return;
    }
    acc = ((acc << bits) | value) >>> 0;
    accBits += bits;
    while (accBits >= 8) {
      accBits -= 8;
      out[pos++] = (acc >>> accBits) & 0xff;
    }
    acc &= (1 << accBits) - 1;
  };
  for (let i = 0; i < data.length; i++) {
    const c = data[i] as number;
    const bits = lengths[c] as number;
    if (bits <= 16) {
      acc = ((acc << bits) | (codeOf[c] as number)) >>> 0;
      accBits += bits;
      while (accBits >= 8) {
        accBits -= 8;
        out[pos++] = (acc >>> accBits) & 0xff;
      }
      acc &= (1 << accBits) - 1;
    } else emit(codeOf[c] as number, bits);
  }
  emit(codeOf[END] as number, lengths[END] as number);
  if (accBits > 0) out[pos++] = (acc << (8 - accBits)) & 0xff;
  if (pos !== total) throw new HuffmanError(`internal: packed ${pos} bytes, expected ${total}`);
  return out;
}
