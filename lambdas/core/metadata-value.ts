// S3 user metadata travels as HTTP headers (x-amz-meta-*), which carry printable ASCII only: a value a
// host printed (an OS level in any script, a stray control character) must never fail the upload it
// describes. Pure: no AWS SDK.

/** At most this many characters of a value are kept: S3 allows 2 KB of user metadata in all. */
export const METADATA_VALUE_MAX = 256;

/**
 * `value` as a header-safe metadata value: printable ASCII kept as is, every other byte of its UTF-8
 * (and `%` itself) percent-encoded, as RFC 3986 does, so `decodeURIComponent` gives the text back.
 */
export function metadataValue(value: string): string {
  const kept = [...value].slice(0, METADATA_VALUE_MAX).join('');
  let out = '';
  for (const byte of new TextEncoder().encode(kept))
    out +=
      byte >= 0x20 && byte < 0x7f && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}
