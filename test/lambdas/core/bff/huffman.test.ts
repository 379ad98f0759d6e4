// The Huffman packing of `backup -p` records, against the real packed record of bffextract-rs's test
// resources (test/fixtures/bff/README.md) and as a round trip on generated data.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HuffmanError, pack, packedSize, unpack } from '../../../../lambdas/core/bff/huffman.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/bff/', import.meta.url));
const encoded = new Uint8Array(readFileSync(`${FIXTURES}huffman_encoded.bin`));
const decoded = new Uint8Array(readFileSync(`${FIXTURES}huffman_decoded.bin`));

describe('unpack', () => {
  it('decodes the real packed record byte for byte', () => {
    expect(Buffer.from(unpack(encoded, decoded.length)).equals(Buffer.from(decoded))).toBe(true);
  });

  it('rejects packed data cut short', () => {
    expect(() => unpack(encoded.subarray(0, 3000), decoded.length)).toThrow(HuffmanError);
  });

  it('rejects data that reaches the END code before the promised size', () => {
    expect(() => unpack(encoded, decoded.length + 10)).toThrow(/ends after 13892 of 13902 bytes/);
  });

  it('rejects a code table that is not a full binary tree', () => {
    const broken = encoded.slice();
    broken[2] = 9; // nine 2-bit codes cannot exist
    expect(() => unpack(broken, decoded.length)).toThrow(HuffmanError);
  });
});

describe('pack', () => {
  it('produces the same bytes as AIX for the real sample', () => {
    expect(Buffer.from(pack(decoded) ?? []).equals(Buffer.from(encoded))).toBe(true);
  });

  it('returns null when packing would not make the data smaller', () => {
    const random = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
    expect(pack(random)).toBeNull();
    expect(pack(new Uint8Array(0))).toBeNull();
  });

  it('predicts its packed size without encoding', () => {
    expect(packedSize(decoded)).toBe(encoded.length);
  });

  it('round-trips any data it packs', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 5000 }),
        fc.integer({ min: 1, max: 256 }),
        (raw, alphabet) => {
          // A skewed alphabet makes most inputs packable; uniform ones exercise the null path.
          const data = raw.map((b) => b % alphabet);
          const packed = pack(data);
          if (packed === null) return;
          expect(packed.length).toBeLessThan(data.length);
          expect(Buffer.from(unpack(packed, data.length)).equals(Buffer.from(data))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips data whose rare bytes get codes longer than the decode table', () => {
    // Fibonacci-like counts give a deep tree: codes of 20+ bits.
    const parts: number[] = [];
    let a = 1;
    let b = 1;
    for (let symbol = 0; symbol < 24; symbol++) {
      for (let i = 0; i < a; i++) parts.push(symbol);
      [a, b] = [b, a + b];
    }
    const data = Uint8Array.from(parts);
    const packed = pack(data);
    expect(packed).not.toBeNull();
    expect(packed?.[0]).toBeGreaterThan(16);
    expect(Buffer.from(unpack(packed as Uint8Array, data.length)).equals(Buffer.from(data))).toBe(true);
  });
});
