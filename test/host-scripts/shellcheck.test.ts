import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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

describe('shellcheck', () => {
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
