import { describe, expect, it } from 'vitest';
import { METADATA_VALUE_MAX, metadataValue } from '../../../lambdas/core/metadata-value.js';

describe('metadataValue', () => {
  it('keeps a plain ASCII OS level as it is', () => {
    expect(metadataValue('7200-05-03-2148')).toBe('7200-05-03-2148');
  });

  it('percent-encodes non-ASCII text, control characters and % itself, and decodes back', () => {
    const level = '7200-05 Überprüft ✓\r100%';
    const value = metadataValue(level);
    expect(value).toMatch(/^[\x20-\x7e]*$/);
    expect(value).toBe('7200-05 %C3%9Cberpr%C3%BCft %E2%9C%93%0D100%25');
    expect(decodeURIComponent(value)).toBe(level);
  });

  it('keeps at most the first 256 characters, never half a character', () => {
    const value = metadataValue('✓'.repeat(300));
    expect(decodeURIComponent(value)).toBe('✓'.repeat(METADATA_VALUE_MAX));
  });
});
