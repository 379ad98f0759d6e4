// The CLI's start (issue 15: `--help` under half a second) and the local pipeline's figures (issue 8): the bundled scenario's eight weekly runs (13 hosts), as a
// user starts them (`mksysb-vault run --local --weeks 8 --reset`), and one weekly run of 200 simulated
// hosts with the peak memory of the Node process. Each run is a separate process timed by
// /usr/bin/time (wall time and maximum resident set), so synthesis, the local S3 server and the
// host scripts are all counted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchFigure, printFigures } from './figures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/mksysb-vault.mjs');
const MiB = 1024 * 1024;

interface Timed {
  readonly seconds: number;
  readonly maxRssMiB: number;
  readonly output: {
    runs: { results: { verdict: string }[]; notStarted: unknown[]; imageBytes: number }[];
  };
}

/** Runs the CLI under /usr/bin/time; throws with its stderr if it fails. */
function timedRun(args: readonly string[]): Timed {
  const result = spawnSync('/usr/bin/time', ['-f', 'TIMED %e %M', process.execPath, BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    maxBuffer: 64 * MiB,
  });
  const timed = /TIMED ([\d.]+) (\d+)/.exec(result.stderr);
  if (result.status !== 0 || !timed)
    throw new Error(
      `mksysb-vault ${args.join(' ')} failed (${result.status}): ${result.stderr.slice(-2000)}`,
    );
  return {
    seconds: Number(timed[1]),
    maxRssMiB: Number(timed[2]) / 1024,
    output: JSON.parse(result.stdout) as Timed['output'],
  };
}

/** A scenario of `count` quiet hosts with small images: the load, not the story. */
function loadScenario(count: number): unknown {
  return {
    description: `${count} simulated hosts with 3 to 4 MiB images (bench/pipeline.ts)`,
    hosts: Array.from({ length: count }, (_, i) => ({
      host: `aixload${String(i + 1).padStart(3, '0')}`,
      sizeBytes: (3 + (i % 2)) * MiB,
    })),
    events: [],
    config: {
      verification: { absoluteFloorBytes: 1 * MiB, sizeMismatchSlackBytes: 2 * MiB },
      transfer: { partSizeMiB: 8, parallelParts: 2, retryDelaySeconds: 0 },
      workflow: { maxConcurrency: 10 },
      alerts: { minSeverity: 'fail' },
    },
  };
}

/**
 * Processes one weekly run of the bundled scenario starts (issue 12: process starts are most of the
 * local pipeline's CPU on a machine where a fork and exec cost milliseconds), counted by strace -f:
 * the processes forked (threads apart) and the programs executed. null when strace is not installed.
 */
function processStarts(dir: string): { forks: number; execs: number; hosts: number } | null {
  const log = join(dir, 'strace.log');
  const traced = spawnSync(
    'strace',
    [
      '-f',
      '-qq',
      '-e',
      'trace=execve,clone,clone3,fork,vfork',
      '-e',
      'signal=none',
      '-o',
      log,
      process.execPath,
      BIN,
    ].concat([
      'run',
      '--local',
      '--reset',
      '--start',
      '2026-09-01',
      '--data',
      join(dir, 'traced'),
      '--json',
      '-q',
    ]),
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' }, maxBuffer: 64 * MiB },
  );
  if (traced.error && (traced.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  if (traced.status !== 0)
    throw new Error(`strace of mksysb-vault run failed (${traced.status}): ${traced.stderr.slice(-2000)}`);
  const output = JSON.parse(traced.stdout) as Timed['output'];
  const hosts = output.runs.reduce((n, r) => n + r.results.length + r.notStarted.length, 0);
  return { ...countProcessStarts(readFileSync(log, 'utf8')), hosts };
}

/** Processes forked (threads apart) and programs executed in an `strace -f -e trace=execve,clone…` log. */
export function countProcessStarts(log: string): { forks: number; execs: number } {
  // A clone strace saw interrupted ("<unfinished ...>") ends on a later "<... clone resumed>" line
  // with its result; the flags (CLONE_THREAD: a thread, not a process) are on the first.
  const threadPending = new Map<string, boolean>();
  let forks = 0;
  let execs = 0;
  for (const line of log.split('\n')) {
    const m = /^(\d+) +(.*)$/.exec(line);
    if (!m) continue;
    const [, pid = '', call = ''] = m;
    const succeeded = /= \d+$/.test(call);
    if (/^(clone3?|fork|vfork)\(/.test(call)) {
      const thread = call.includes('CLONE_THREAD');
      if (call.endsWith('<unfinished ...>')) threadPending.set(pid, thread);
      else if (succeeded && !thread) forks += 1;
    } else if (/^<\.\.\. (clone3?|fork|vfork) resumed>/.test(call)) {
      const thread = threadPending.get(pid) ?? false;
      threadPending.delete(pid);
      if (succeeded && !thread) forks += 1;
    } else if (/execve(\(| resumed>).*= 0$/.test(call)) execs += 1;
  }
  return { forks, execs };
}

const RUNS_8_WEEKS = 3;
const HELP_RUNS = 7;

/** Seconds of one `mksysb-vault --help`, start to exit (the compiled CLI, built first). */
function helpSeconds(): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [BIN, '--help'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mksysb-vault --help failed (${result.status}): ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

export async function main(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-bench-pipeline-'));
  try {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
    const help = Array.from({ length: HELP_RUNS }, helpSeconds).sort((a, b) => a - b);
    const helpMedian = help[Math.floor(help.length / 2)] ?? Number.NaN;
    const eight: Timed[] = [];
    for (let i = 0; i < RUNS_8_WEEKS; i += 1)
      eight.push(
        timedRun([
          'run',
          '--local',
          '--weeks',
          '8',
          '--reset',
          '--start',
          '2026-09-01',
          '--data',
          join(dir, 'eight'),
          '--json',
          '-q',
        ]),
      );
    const sorted = [...eight].sort((a, b) => a.seconds - b.seconds);
    const median = sorted[Math.floor(sorted.length / 2)] as Timed;
    const hostWeeks = median.output.runs.reduce((n, r) => n + r.results.length + r.notStarted.length, 0);

    const scenarioPath = join(dir, 'load-200.json');
    writeFileSync(scenarioPath, JSON.stringify(loadScenario(200)));
    const load = timedRun([
      'run',
      '--local',
      '--reset',
      '--start',
      '2026-11-01',
      '--scenario',
      scenarioPath,
      '--data',
      join(dir, 'load'),
      '--json',
      '-q',
    ]);
    const [run] = load.output.runs;
    const done = (run?.results.length ?? 0) + (run?.notStarted.length ?? 0);
    const pass = run?.results.filter((r) => r.verdict === 'PASS').length ?? 0;

    const starts = processStarts(dir);

    const figures: BenchFigure[] = [
      {
        figure: 'CLI start: mksysb-vault --help, compiled (dist/), start to exit',
        target: '≤ 0.5 s',
        measured: `${helpMedian.toFixed(2)} s median of ${HELP_RUNS} (${help.map((t) => t.toFixed(2)).join(', ')} s)`,
        pass: helpMedian <= 0.5,
      },
      {
        figure: 'Local pipeline: 8 weekly runs of the bundled scenario (npm start -- --weeks 8 --reset)',
        target: '≤ 60 s',
        measured: `${median.seconds.toFixed(1)} s median of ${RUNS_8_WEEKS} (${sorted.map((t) => t.seconds.toFixed(1)).join(', ')} s; ${hostWeeks} host-weeks, peak RSS ${median.maxRssMiB.toFixed(0)} MiB)`,
        pass: median.seconds <= 60,
      },
      {
        figure: 'Local pipeline: one weekly run of 200 hosts, peak memory of the Node process',
        target: '',
        measured: `${load.maxRssMiB.toFixed(0)} MiB peak RSS, ${load.seconds.toFixed(1)} s, ${done} hosts (${pass} PASS), ${((run?.imageBytes ?? 0) / MiB).toFixed(0)} MiB of images`,
        pass: null,
      },
      {
        figure: 'Local pipeline: processes one weekly run of the bundled scenario starts (strace -f)',
        target: '',
        measured: starts
          ? `${starts.forks} processes forked, ${starts.execs} programs executed: ${Math.round(starts.forks / starts.hosts)} and ${Math.round(starts.execs / starts.hosts)} a host (${starts.hosts} hosts)`
          : 'not measured: strace is not installed',
        pass: null,
      },
    ];
    printFigures('Local pipeline (spawned mksysb-vault run --local, /usr/bin/time)', figures);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
