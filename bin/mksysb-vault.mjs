#!/usr/bin/env node
// The `mksysb-vault` command: registers tsx so the TypeScript CLI runs straight from a checkout.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every start that its 2027 releases need Node 22; the lockfile pins a release
// that runs on Node 20, so the warning says nothing an operator can act on (see README, Requirements).
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning).startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

// `mksysb-vault status | head`: a closed pipe ends the command quietly, as for any Unix tool.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
