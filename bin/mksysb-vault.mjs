#!/usr/bin/env node
// The `mksysb-vault` command: registers tsx so the TypeScript CLI runs straight from a checkout.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
