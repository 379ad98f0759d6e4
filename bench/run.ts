// `npm run bench`: every benchmark, one after another, then bench/RESULTS.md with the machine it ran on.
// The AWS SDK's Node-version warning says nothing here (see bin/mksysb-vault.mjs).
import '../test/support/quiet-node-warning.js';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchFigure } from './figures.js';

const MODULES = [
  './verification.js',
  './verify.js',
  './content-check.js',
  './diff.js',
  './restore-file.js',
  './retention.js',
  './catalog.js',
  './transfer.js',
  './orchestration.js',
  './pipeline.js',
];

const results: { module: string; figures: BenchFigure[] }[] = [];
for (const path of MODULES) {
  const module = (await import(path).catch((error) => ({ error }))) as {
    main?: () => Promise<BenchFigure[] | undefined>;
    error?: unknown;
  };
  if (!module.main) {
    console.error(`bench: ${path} could not be loaded: ${module.error}`);
    continue;
  }
  const started = performance.now();
  try {
    results.push({ module: path, figures: (await module.main()) ?? [] });
  } catch (error) {
    // One benchmark that breaks is a MISS in the table, not the end of the run.
    console.error(`bench: ${path} failed: ${(error as Error).message}`);
    results.push({
      module: path,
      figures: [
        {
          figure: `${path} (failed)`,
          target: '',
          measured: (error as Error).message.slice(0, 300),
          pass: false,
        },
      ],
    });
  }
  console.log(`  (${path}: ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
const rows = results.flatMap((r) =>
  r.figures.map(
    (f) =>
      `| ${f.figure} | ${f.target || '—'} | ${f.measured} | ${f.pass === null ? '—' : f.pass ? 'pass' : '**miss**'} |`,
  ),
);
const text = [
  '# Benchmark results',
  '',
  `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}.`,
  '',
  '| figure | target | measured | result |',
  '|---|---|---|---|',
  ...rows,
  '',
].join('\n');
writeFileSync(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), text);
console.log(`\nwrote bench/RESULTS.md (${rows.length} figures)`);
