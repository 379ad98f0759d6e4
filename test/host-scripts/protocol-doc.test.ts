// docs/host-protocol.md is the one description of what the host steps print: every key a script
// prints and every status with its exit code must be in it, so the page cannot fall behind the scripts.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HOST_EXIT_CODE } from '../../lambdas/core/vocabulary.js';
import { HOST_SCRIPTS } from '../../lib/host-scripts/index.js';

const doc = readFileSync(new URL('../../docs/host-protocol.md', import.meta.url), 'utf8');
const script = (name: string) =>
  readFileSync(new URL(`../../lib/host-scripts/${name}`, import.meta.url), 'utf8');

/** Keys printed with kv/kv_opt, the `${_p}` and `vg.$vg.` (or `vg.${…}.`) prefixes taken off. */
function printedKeys(text: string): string[] {
  const keys = new Set<string>();
  for (const m of text.matchAll(
    /\bkv(?:_opt)? "?(?:\$\{_p\}|vg\.\$vg\.|vg\.\$\{[^}]*\}\.)?([a-z][a-z0-9_.-]*)/g,
  ))
    keys.add(m[1] as string);
  return [...keys].sort();
}

/** The steps and the pieces they include (protocol.sh, ssh.sh…): every shell source of the folder. */
const sources = readdirSync(new URL('../../lib/host-scripts/', import.meta.url))
  .filter((f) => f.endsWith('.sh'))
  .sort();

describe.each(sources)('%s', (name) => {
  it('prints only keys that docs/host-protocol.md describes', () => {
    const keys = printedKeys(script(name));
    expect(keys.filter((k) => !doc.includes(`\`${k}\``) && !doc.includes(`${k}=`))).toEqual([]);
  });
});

it('finds the keys each step and protocol.sh print (the pattern still matches how they print)', () => {
  for (const name of ['preflight.sh', 'backup.sh', 'transfer.sh', 'relay.sh', 'protocol.sh'])
    expect({ name, found: printedKeys(script(name)).length > 0 }).toEqual({ name, found: true });
});

it('lists every status with the exit code the scripts and the parser use', () => {
  for (const [status, code] of Object.entries(HOST_EXIT_CODE))
    expect(doc).toMatch(new RegExp(`\\| \`${status}\` \\| ${code} \\|`));
});

it('ships each script with the exit codes of lambdas/core/vocabulary.ts, defined nowhere else', () => {
  for (const text of Object.values(HOST_SCRIPTS))
    for (const [status, code] of Object.entries(HOST_EXIT_CODE))
      expect(text.split('\n')).toContain(`EX_${status.toUpperCase()}=${code}`);
  for (const name of sources) expect(script(name)).not.toMatch(/^\s*EX_[A-Z_]+=/m);
});
