#!/usr/bin/env node
// The `mksysb-vault` command. It runs the compiled CLI (dist/, `npm run build`, which `npm ci` runs
// as `prepare`): plain Node starts it in a fraction of the time tsx takes to compile the sources.
// In a checkout whose TypeScript is newer than dist/ (an edit not yet built) it runs the sources
// through tsx instead, so what runs is always what the tree says.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The AWS SDK warns on every start that its 2027 releases need Node 22; the lockfile pins a release
// that runs on Node 20, so the warning says nothing an operator can act on (see README, Requirements).
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning).startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

// aws-cdk-lib (loaded by `run --local` to synthesize the stack) wraps every function of `fs` and
// `child_process` in a timer of its own, for its synthesis telemetry; in the local run those are the
// store's and the host steps' calls, hundreds of thousands a week. Its switch (read by aws-cdk-lib's
// core/lib/private/perf.js, added with aws/aws-cdk#38004) turns that off; synthesis is unchanged.
process.env.CDK_NO_PERF_BUILTINS ??= '1';

// `mksysb-vault status | head`: a closed pipe ends the command quietly, as for any Unix tool.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const compiled = join(root, 'dist', 'bin', 'cli.js');

/** The newest modification time of the TypeScript sources the CLI is built from (0 without any). */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['bin', 'lib', 'lambdas']) walk(join(root, dir));
  return newest;
}

let main;
if (existsSync(compiled) && statSync(compiled).mtimeMs >= newestSource()) {
  ({ main } = await import(compiled));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./cli.ts'));
}
process.exitCode = await main(process.argv.slice(2));
