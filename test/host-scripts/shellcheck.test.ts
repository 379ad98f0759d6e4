import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentContent, HOST_STEPS } from '../../lib/host-scripts/index.js';
import { tempDir, writeScripts } from './harness.js';

const dir = tempDir('mvshellcheck');
const scripts = writeScripts(dir);
const documents = HOST_STEPS.map((step) => {
  const file = join(dir, `document-${step}.sh`);
  writeFileSync(file, documentContent(step).mainSteps[0].inputs.runCommand.join('\n'));
  return [step, file] as const;
});

const folder = new URL('../../lib/host-scripts/', import.meta.url);
/** Every source in the folder: the steps and the pieces they include. */
const sources = readdirSync(folder)
  .filter((f) => f.endsWith('.sh'))
  .sort();

describe('shellcheck', () => {
  it('has the steps and their pieces to check', () => {
    expect(sources).toEqual(
      expect.arrayContaining(['preflight.sh', 'backup.sh', 'transfer.sh', 'relay.sh', 'protocol.sh']),
    );
  });
  // A piece alone, as its reader sees it; a step with the pieces it includes followed (-x, from the
  // folder, where its `. ./<piece>.sh` lines point): each source lints before it is put together.
  for (const name of sources) {
    it(`finds nothing in the source ${name} checked on its own as sh`, () => {
      const r = spawnSync('shellcheck', ['-s', 'sh', '-x', name], { cwd: folder, encoding: 'utf8' });
      expect(r.stdout).toBe('');
      expect(r.status).toBe(0);
    });
  }

  for (const dialect of ['sh', 'ksh'] as const) {
    for (const [name, file] of Object.entries(scripts)) {
      it(`finds nothing in the ${name} script checked as ${dialect}`, () => {
        const r = spawnSync('shellcheck', ['-s', dialect, file], { encoding: 'utf8' });
        expect(r.stdout).toBe('');
        expect(r.status).toBe(0);
      });
    }
    for (const [step, file] of documents) {
      it(`finds nothing in the ${step} document's runCommand checked as ${dialect}`, () => {
        const r = spawnSync('shellcheck', ['-s', dialect, file], { encoding: 'utf8' });
        expect(r.stdout).toBe('');
        expect(r.status).toBe(0);
      });
    }
  }
});

/**
 * Lines that start with `#` inside a quoted string (an awk program, say) of a script's source: the
 * shipped scripts drop every line that starts with `#`, which is only safe while it is a comment.
 */
function hashLinesInsideQuotes(source: string): number[] {
  const found: number[] = [];
  let open: string | null = null;
  for (const [index, line] of source.split('\n').entries()) {
    if (open !== null && /^\s*#/.test(line)) found.push(index + 1);
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (open === null) {
        if (c === '\\') i++;
        else if (c === '#' && (i === 0 || /[\s;]/.test(line[i - 1] ?? ''))) break;
        else if (c === "'" || c === '"') open = c;
      } else if (open === '"' && c === '\\') i++;
      else if (c === open) open = null;
    }
  }
  return found;
}

describe('the shipped scripts lose only comments', () => {
  for (const name of sources)
    it(`${name} has no heredoc and no line starting with # inside a quoted string`, () => {
      const source = readFileSync(new URL(name, folder), 'utf8');
      expect(source).not.toMatch(/<<-?\s*['"]?\w/);
      expect(hashLinesInsideQuotes(source)).toEqual([]);
    });
});
