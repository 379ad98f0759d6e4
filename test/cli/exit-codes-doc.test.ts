// The CLI's exit codes are defined once (EXIT and VERDICT_EXIT in lib/cli/command.ts); the README
// says them in words, so it must say the same numbers.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { EXIT, VERDICT_EXIT } from '../../lib/cli/command.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

it('README lists the exit code of each verdict and of each kind of error as EXIT has it', () => {
  expect(VERDICT_EXIT).toEqual({ PASS: EXIT.ok, WARN: EXIT.warn, FAIL: EXIT.fail });
  expect(readme).toContain(
    `Exit codes: ${EXIT.ok} ok/PASS, ${EXIT.warn} WARN, ${EXIT.fail} FAIL, ${EXIT.usage} usage error`,
  );
  expect(readme).toContain(`${EXIT.unavailable} the store or AWS could not be reached`);
  expect(readme).toContain(`${EXIT.internal} an internal error`);
});
