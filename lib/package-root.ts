// Where the package's own files are — the shipped shell (lib/host-scripts/*.sh), the simulated LPARs'
// commands, the bundled scenario, package.json — whether this module runs from the TypeScript sources
// of a checkout (lib/package-root.ts) or compiled in an installed package (dist/lib/package-root.js).
// Those files are not compiled, so they stay where the sources have them, beside dist/.
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const parent = dirname(dirname(self));

/** The package's root directory: the checkout, or node_modules/mksysb-vault. */
export const PACKAGE_ROOT = basename(parent) === 'dist' ? dirname(parent) : parent;

/** A file of the package by its path from the root, e.g. `packagePath('lib', 'host-scripts', 'backup.sh')`. */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}

/**
 * The extension of this package's modules as they run: `.ts` from sources, `.js` compiled. For a
 * module handed to esbuild by path (the Lambda entries, the simulated LPARs' archiver).
 */
export const MODULE_EXTENSION = extname(self);
