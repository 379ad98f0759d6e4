// Reading a small JSON object of the store (an image record, a history entry, a host's catalog index)
// against its schema, one way for all of them: a problem names the key and the first bad field, so
// `status` and `catalog rebuild` can say which object to look at. Pure: no I/O.
import type { z } from 'zod';

export type StoredJsonResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The object's text as JSON; the problem is `<key>: not JSON`. */
export function storedJson(text: string, key: string): StoredJsonResult<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: `${key}: not JSON` };
  }
}

/**
 * The schema's reading of parsed JSON. The problem names the key, the path of the first bad field
 * (`root` when the object itself is wrong: `(record)`, `(entry)`, `(index)`) and zod's message.
 */
export function storedValue<S extends z.ZodType>(
  schema: S,
  json: unknown,
  key: string,
  root: string,
): StoredJsonResult<z.output<S>> {
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: `${key}: ${issue?.path.join('.') || root}: ${issue?.message ?? 'invalid'}` };
}
