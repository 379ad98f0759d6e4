// The import rules of docs/architecture.md, enforced: every .ts file under bin/, lib/ and lambdas/
// belongs to one room, and each room imports only the rooms and packages its row of the table
// allows. Imports are read from esbuild's TypeScript-to-JavaScript output, so `import type` (erased)
// is ignored, `import { type X }` still counts (verbatimModuleSyntax keeps the module load) and a
// commented-out or quoted import is not mistaken for one. A known breach is a named exception below
// and in the doc, each with its reason; an exception that nothing needs any more fails too.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('..', import.meta.url));

type Room =
  | 'core'
  | 'adapters'
  | 'lambda-logging'
  | 'handler'
  | 'infra'
  | 'config'
  | 'host-scripts'
  | 'cli'
  | 'local'
  | 'sim-lpar'
  | 'report'
  | 'test-only';

/** Where a repository path lives, or undefined when no room claims it (a new folder needs a row). */
function roomOf(path: string): Room | undefined {
  if (path.startsWith('test/') || path.startsWith('bench/')) return 'test-only';
  if (path.startsWith('lambdas/core/')) return 'core';
  if (path.startsWith('lambdas/adapters/')) return 'adapters';
  if (path.startsWith('lambdas/logging/')) return 'lambda-logging';
  if (/^lambdas\/[^/]+\/[^/]+$/.test(path)) return 'handler';
  if (
    path.startsWith('lib/constructs/') ||
    ['lib/mksysb-vault.ts', 'lib/mksysb-vault-stack.ts', 'lib/index.ts', 'bin/app.ts'].includes(path)
  )
    return 'infra';
  if (['lib/config.ts', 'lib/package-root.ts', 'bin/write-config-schema.ts'].includes(path)) return 'config';
  if (path.startsWith('lib/host-scripts/')) return 'host-scripts';
  if (path.startsWith('lib/cli/') || path === 'bin/cli.ts') return 'cli';
  if (path.startsWith('lib/local/')) return 'local';
  if (path.startsWith('lib/sim-lpar/')) return 'sim-lpar';
  if (path.startsWith('lib/report/')) return 'report';
  return undefined;
}

/** Node modules that reach the filesystem, processes, the network or the host: not for pure rooms. */
const IO_BUILTINS = new Set([
  'fs',
  'fs/promises',
  'child_process',
  'net',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'tls',
  'cluster',
  'worker_threads',
  'os',
  'readline',
]);

interface RoomRule {
  /** Rooms (or single files) this room may import besides itself. */
  readonly mayImport: readonly (Room | `${string}.ts`)[];
  /** npm packages it may import; a trailing `/*` allows a scope. */
  readonly packages: readonly string[];
  /** Node built-ins: any, or only those that do no I/O (crypto, zlib, util…). */
  readonly builtins: 'any' | 'no-io';
}

/** The table of docs/architecture.md. Keep the two in step. */
const ROOM_RULES: Readonly<Record<Exclude<Room, 'test-only'>, RoomRule>> = {
  core: { mayImport: [], packages: ['zod'], builtins: 'no-io' },
  adapters: { mayImport: ['core'], packages: ['zod', '@aws-sdk/*'], builtins: 'any' },
  'lambda-logging': { mayImport: [], packages: ['@aws-lambda-powertools/*'], builtins: 'any' },
  handler: {
    mayImport: ['core', 'adapters', 'lambda-logging', 'handler'],
    packages: ['zod', '@aws-sdk/*'],
    builtins: 'any',
  },
  infra: {
    mayImport: ['core', 'config', 'host-scripts'],
    packages: ['aws-cdk-lib', 'constructs', 'cdk-nag'],
    builtins: 'any',
  },
  config: { mayImport: ['core'], packages: ['zod'], builtins: 'any' },
  'host-scripts': {
    mayImport: ['lambdas/core/vocabulary.ts', 'lib/package-root.ts'],
    packages: [],
    builtins: 'any',
  },
  cli: {
    mayImport: ['core', 'adapters', 'report', 'config', 'local'],
    packages: ['zod', '@aws-sdk/*'],
    builtins: 'any',
  },
  local: {
    mayImport: ['core', 'adapters', 'handler', 'infra', 'config', 'host-scripts', 'sim-lpar'],
    packages: ['zod', '@aws-sdk/*', 'aws-cdk-lib', 'constructs', 's3rver', 'aws-local-stepfunctions'],
    builtins: 'any',
  },
  'sim-lpar': { mayImport: ['core', 'config'], packages: ['zod', 'esbuild'], builtins: 'any' },
  report: { mayImport: ['core'], packages: ['zod'], builtins: 'no-io' },
};

interface ImportEdge {
  /** The importing file, relative to the repository root. */
  readonly from: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** A repository path (relative imports, `.js` read as `.ts`), `node:<name>`, or the package name. */
  readonly target: string;
  readonly kind: 'file' | 'builtin' | 'package';
  readonly dynamic: boolean;
}

/** A known breach, allowed by name until the follow-up work removes it. */
interface ImportException {
  readonly from: string;
  readonly target: string;
  readonly reason: string;
}

/** Keep in step with "Known exceptions" in docs/architecture.md. */
const EXCEPTIONS: readonly ImportException[] = [];

const NODE_BUILTINS = new Set(builtinModules);

/** The imports a TypeScript module makes when it runs: static, re-exports and literal dynamic ones. */
function parseImports(from: string, source: string): ImportEdge[] {
  const js = transformSync(source, {
    loader: 'ts',
    format: 'esm',
    sourcefile: from,
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
  }).code;
  const found: { specifier: string; dynamic: boolean }[] = [];
  for (const m of js.matchAll(/^\s*(?:import|export)\b[^;"'`]*?\bfrom\s*"([^"]+)"/gm)) {
    found.push({ specifier: m[1] as string, dynamic: false });
  }
  for (const m of js.matchAll(/^\s*import\s*"([^"]+)"/gm)) {
    found.push({ specifier: m[1] as string, dynamic: false });
  }
  for (const m of js.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) {
    found.push({ specifier: m[1] as string, dynamic: true });
  }
  return found.map(({ specifier, dynamic }) => ({ from, specifier, dynamic, ...resolve(from, specifier) }));
}

function resolve(from: string, specifier: string): Pick<ImportEdge, 'target' | 'kind'> {
  if (specifier.startsWith('.')) {
    const path = posix.normalize(posix.join(posix.dirname(from), specifier));
    return { target: path.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts'), kind: 'file' };
  }
  const bare = specifier.replace(/^node:/, '');
  if (specifier.startsWith('node:') || NODE_BUILTINS.has(bare))
    return { target: `node:${bare}`, kind: 'builtin' };
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  return { target: name, kind: 'package' };
}

function packageAllowed(name: string, allowed: readonly string[]): boolean {
  return allowed.some((p) => (p.endsWith('/*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

function describeRule(room: Exclude<Room, 'test-only'>): string {
  const r = ROOM_RULES[room];
  const rooms = [room, ...r.mayImport].join(', ');
  const pkgs = r.packages.length ? r.packages.join(', ') : 'no package';
  return `${room} may import only ${rooms}; ${pkgs}; ${r.builtins === 'any' ? 'any' : 'no I/O'} node built-ins`;
}

function functionFolder(path: string): string | undefined {
  return roomOf(path) === 'handler' ? path.split('/')[1] : undefined;
}

/** The rule an edge breaks, or undefined when it keeps them all. */
function ruleBroken(edge: ImportEdge): string | undefined {
  const fromRoom = roomOf(edge.from);
  if (!fromRoom || fromRoom === 'test-only') return `${edge.from} belongs to no room of docs/architecture.md`;
  const rule = ROOM_RULES[fromRoom];
  if (edge.kind === 'builtin') {
    const name = edge.target.slice('node:'.length);
    if (rule.builtins === 'no-io' && IO_BUILTINS.has(name)) {
      return `${fromRoom} is pure: no I/O node built-in (${[...IO_BUILTINS].join(', ')})`;
    }
    return undefined;
  }
  if (edge.kind === 'package') {
    return packageAllowed(edge.target, rule.packages) ? undefined : describeRule(fromRoom);
  }
  const toRoom = roomOf(edge.target);
  if (toRoom === 'test-only') return 'product code (bin/, lib/, lambdas/) never imports test/ or bench/';
  if (!toRoom) return `${edge.target} belongs to no room of docs/architecture.md`;
  if (/^lambdas\/[^/]+\/index\.ts$/.test(edge.target) && toRoom === 'handler') {
    return 'nothing imports a Lambda entry (lambdas/<function>/index.ts): it builds SDK clients when loaded';
  }
  if (toRoom === 'lambda-logging' && !/^lambdas\/[^/]+\/index\.ts$/.test(edge.from)) {
    return 'only a Lambda entry (lambdas/<function>/index.ts) imports lambdas/logging';
  }
  if (fromRoom === toRoom) {
    const a = functionFolder(edge.from);
    const b = functionFolder(edge.target);
    if (a !== b && !edge.target.endsWith('/schema.ts')) {
      return "a Lambda folder imports another function's schema.ts (the contract between steps), never its logic";
    }
    return undefined;
  }
  const allowed = rule.mayImport.some((t) => t === toRoom || t === edge.target);
  return allowed ? undefined : describeRule(fromRoom);
}

/** One readable line per breach not covered by an exception, then one per exception nothing needs. */
function checkImports(
  edges: readonly ImportEdge[],
  exceptions: readonly ImportException[] = EXCEPTIONS,
): string[] {
  const problems: string[] = [];
  const used = new Set<ImportException>();
  for (const edge of edges) {
    const broken = ruleBroken(edge);
    if (!broken) continue;
    const excused = exceptions.find((x) => x.from === edge.from && x.target === edge.target);
    if (excused) {
      used.add(excused);
      continue;
    }
    const how = edge.dynamic ? "import('…')" : 'import';
    problems.push(`${edge.from}: ${how} '${edge.specifier}' (${edge.target}) breaks the rule: ${broken}`);
  }
  for (const x of exceptions) {
    if (!used.has(x)) {
      problems.push(`exception ${x.from} -> ${x.target} is no longer needed: remove it here and in the doc`);
    }
  }
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(posix.join(REPO, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const PRODUCT_FILES = ['bin', 'lib', 'lambdas'].flatMap(sourceFiles);
const PRODUCT_EDGES = PRODUCT_FILES.flatMap((f) =>
  parseImports(f, readFileSync(posix.join(REPO, f), 'utf8')),
);

describe('the repository keeps the import rules of docs/architecture.md', () => {
  it('reads the whole tree', () => {
    expect(PRODUCT_FILES.length).toBeGreaterThan(100);
    expect(PRODUCT_EDGES.length).toBeGreaterThan(500);
  });

  it('places every .ts file under bin/, lib/ and lambdas/ in a room', () => {
    expect(PRODUCT_FILES.filter((f) => !roomOf(f))).toEqual([]);
  });

  it('has no import that breaks a rule, and no exception that nothing needs', () => {
    expect(checkImports(PRODUCT_EDGES)).toEqual([]);
  });

  it('lists in docs/architecture.md every room of the rules and every exception', () => {
    const doc = readFileSync(posix.join(REPO, 'docs/architecture.md'), 'utf8');
    const missing = [
      ...Object.keys(ROOM_RULES).filter((room) => !doc.includes(`\n| ${room} |`)),
      ...EXCEPTIONS.filter((x) => !doc.includes(`| \`${x.from}\` | \`${x.target}\` |`)).map(
        (x) => `${x.from} -> ${x.target}`,
      ),
    ];
    expect(missing).toEqual([]);
  });

  it('loads aws-cdk-lib from the CLI only behind a dynamic import, so `status` never pays for it', () => {
    const byFile = new Map<string, ImportEdge[]>();
    for (const e of PRODUCT_EDGES) byFile.set(e.from, [...(byFile.get(e.from) ?? []), e]);
    const chains: string[] = [];
    for (const start of PRODUCT_FILES.filter((f) => roomOf(f) === 'cli')) {
      const seen = new Map<string, string>([[start, start]]);
      const queue = [start];
      while (queue.length > 0) {
        const file = queue.shift() as string;
        for (const e of byFile.get(file) ?? []) {
          if (e.dynamic) continue;
          const via = `${seen.get(file)} -> ${e.target}`;
          if (e.kind === 'package' && e.target === 'aws-cdk-lib') chains.push(via);
          if (e.kind === 'file' && !seen.has(e.target)) {
            seen.set(e.target, via);
            queue.push(e.target);
          }
        }
      }
    }
    expect([...new Set(chains)]).toEqual([]);
  });
});

describe('the import rule checker', () => {
  const edgesOf = (from: string, source: string) => parseImports(from, source);

  it('names the file, the import and the rule when the core imports the AWS SDK', () => {
    const problems = checkImports(
      edgesOf('lambdas/core/verdict.ts', "import { S3Client } from '@aws-sdk/client-s3';\nnew S3Client();"),
      [],
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('lambdas/core/verdict.ts');
    expect(problems[0]).toContain("'@aws-sdk/client-s3'");
    expect(problems[0]).toContain('core may import only core; zod');
  });

  it('refuses node:fs in the core but accepts node:crypto', () => {
    const problems = checkImports(
      edgesOf(
        'lambdas/core/x.ts',
        "import { readFileSync } from 'node:fs';\nimport { createHash } from 'crypto';",
      ),
      [],
    );
    expect(problems).toEqual([expect.stringContaining("'node:fs' (node:fs) breaks the rule: core is pure")]);
  });

  it('refuses a Lambda that imports lib/, seen through a re-export and a dynamic import', () => {
    const source =
      "export { MksysbVault } from '../../lib/mksysb-vault.js';\n" +
      "export async function f() { return import('../../lib/local/pipeline.js'); }";
    const problems = checkImports(edgesOf('lambdas/verify/verify.ts', source), []);
    expect(problems).toEqual([
      expect.stringContaining(
        "lambdas/verify/verify.ts: import '../../lib/mksysb-vault.js' (lib/mksysb-vault.ts)",
      ),
      expect.stringContaining("import('…') '../../lib/local/pipeline.js' (lib/local/pipeline.ts)"),
    ]);
  });

  it('ignores import type, comments and strings', () => {
    const source =
      "import type { MksysbVault } from '../../lib/mksysb-vault.js';\n" +
      "// import { x } from '../../lib/cli/run.js';\n" +
      'export const s = "import { y } from \'../../lib/cli/run.js\'";';
    expect(edgesOf('lambdas/verify/verify.ts', source)).toEqual([]);
  });

  it('counts import { type X } as a module load', () => {
    const edges = edgesOf('lib/constructs/a.ts', "import { type Fleet } from '../cli/store.js';");
    expect(checkImports(edges, [])).toEqual([expect.stringContaining('infra may import only')]);
  });

  it('refuses product code that imports test support', () => {
    const problems = checkImports(
      edgesOf('lib/cli/run.ts', "import { x } from '../../test/support/cli.js';"),
      [],
    );
    expect(problems).toEqual([expect.stringContaining('never imports test/ or bench/')]);
  });

  it("lets a Lambda import another function's schema but not its logic", () => {
    const source =
      "import { InspectOutputSchema } from '../inspect-image/schema.js';\n" +
      "import { inspect } from '../inspect-image/inspect-image.js';";
    expect(checkImports(edgesOf('lambdas/verify/verify.ts', source), [])).toEqual([
      expect.stringContaining("'../inspect-image/inspect-image.js' (lambdas/inspect-image/inspect-image.ts)"),
    ]);
  });

  it('refuses the host scripts any core module but the vocabulary', () => {
    const source =
      "import { EXIT } from '../../lambdas/core/vocabulary.js';\n" +
      "import { parse } from '../../lambdas/core/lsmksysb.js';";
    expect(checkImports(edgesOf('lib/host-scripts/index.ts', source), [])).toEqual([
      expect.stringContaining('(lambdas/core/lsmksysb.ts) breaks the rule: host-scripts may import only'),
    ]);
  });

  it('excuses a listed exception and reports one that nothing needs any more', () => {
    const edges = edgesOf(
      'lib/local/disk-full.ts',
      "import { StoreUnavailableError } from '../cli/store.js';",
    );
    expect(checkImports(edges, [])).toEqual([expect.stringContaining('local may import only')]);
    const exception = { from: 'lib/local/disk-full.ts', target: 'lib/cli/store.ts', reason: 'test' };
    expect(checkImports(edges, [exception])).toEqual([]);
    expect(checkImports([], [exception])).toEqual([
      'exception lib/local/disk-full.ts -> lib/cli/store.ts is no longer needed: remove it here and in the doc',
    ]);
  });

  it('refuses a file in no room', () => {
    expect(checkImports(edgesOf('lib/helpers.ts', "import 'zod';"), [])).toEqual([
      expect.stringContaining('lib/helpers.ts belongs to no room'),
    ]);
  });
});
