// Parsing at the handlers' edges: events, outputs and environments go through their zod schemas once,
// and a bad one fails with the field's path and the host it concerns.
import type { z } from 'zod';

export class InputError extends Error {
  override name = 'InputError';
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const host =
    value && typeof value === 'object' && 'host' in value && typeof value.host === 'string'
      ? ` (host ${value.host})`
      : '';
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  throw new InputError(`${what}${host} is invalid: ${issues}`);
}
