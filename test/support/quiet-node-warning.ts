// Test setup: the AWS SDK warns in every worker that its 2027 releases need Node 22; the lockfile pins
// a release that runs on Node 20 (see bin/mksysb-vault.mjs), so the warning is noise in test output.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (String(warning).startsWith('NodeVersionSupportWarning')) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
