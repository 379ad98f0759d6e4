// AIX OS levels in the forms hosts and listings print them: `oslevel -s` (`7200-05-03-2148`),
// `oslevel -r` / MAINTENANCE LEVEL (`7200-05`) and BACKUP OSLEVEL (`7.2.0.0`). Comparing them tells
// an upgrade (worth a note) from a regression (a host restored from an old image, or the wrong host).

/** The level as numbers, or null when it is in none of the known forms. */
export function osLevelParts(level: string): { form: 'tl' | 'vrmf'; parts: number[] } | null {
  const tl = /^(\d)(\d)(\d)(\d)((?:-\d+)*)$/.exec(level.trim());
  if (tl) {
    const rest = (tl[5] ?? '').split('-').filter(Boolean).map(Number);
    return { form: 'tl', parts: [Number(tl[1]), Number(tl[2]), Number(tl[3]), Number(tl[4]), ...rest] };
  }
  if (/^\d+(\.\d+){1,3}$/.test(level.trim()))
    return { form: 'vrmf', parts: level.trim().split('.').map(Number) };
  return null;
}

/**
 * Negative when `a` is older than `b`, positive when newer, 0 when equal; null when the two cannot
 * be compared (different forms, or one is a prefix of the other, like `7200-05` and `7200-05-03-2148`).
 */
export function compareOsLevels(a: string, b: string): number | null {
  const pa = osLevelParts(a);
  const pb = osLevelParts(b);
  if (!pa || !pb || pa.form !== pb.form) return null;
  const n = Math.min(pa.parts.length, pb.parts.length);
  for (let i = 0; i < n; i += 1) {
    const d = (pa.parts[i] as number) - (pb.parts[i] as number);
    if (d !== 0) return d;
  }
  return pa.parts.length === pb.parts.length ? 0 : null;
}
