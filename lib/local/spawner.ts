// Starts local mode's shell commands from a small helper process instead of from the process that
// runs the pipeline. Forking copies the parent's page tables and, in Node, blocks its event loop
// until the child has exec'd: measured in a local run, each spawn from the pipeline's process (the
// store, the state machines and the Lambdas, a few hundred MB) held its event loop 49 ms on average,
// so every SSM command stalled every transfer and Lambda in flight. The helper is a bare node (tens
// of MB) that forks quickly; it is started once, on the first command, and ends with its parent.
import { type ChildProcess, spawn } from 'node:child_process';

export interface SpawnRequest {
  /** The shell run as `<shell> -c <script>`. */
  readonly shell: string;
  readonly script: string;
  /** The child's whole environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string | undefined;
  /** Kill the child's process group (SIGKILL) after this long; none when not finite. */
  readonly timeoutMs: number;
  /** Characters of stdout and of stderr kept. */
  readonly outputLimit: number;
}

export interface SpawnResult {
  /** The exit code; null when a signal ended the child. */
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

interface HelperReply {
  readonly id: number;
  readonly result?: SpawnResult;
  readonly error?: { readonly message: string; readonly code?: string };
}

// The helper, run by `node -e`: plain CommonJS, so it needs no build or loader wherever this module
// is loaded from (compiled, tsx, vitest). Each child gets its own process group (detached), so a
// timeout ends the whole tree (ssh, dd, curl), as SSM does.
const HELPER = `
const { spawn } = require('node:child_process');
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  let out = '', err = '', timedOut = false, timer;
  const reply = (x) => { if (process.connected) process.send({ id: m.id, ...x }); };
  let child;
  try {
    child = spawn(m.shell, ['-c', m.script], { env: m.env, cwd: m.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return reply({ error: { message: String(e && e.message || e), code: e && e.code } });
  }
  child.stdout.setEncoding('utf8').on('data', (d) => { if (out.length < m.outputLimit) out += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { if (err.length < m.outputLimit) err += d; });
  if (m.timeoutMs !== null) timer = setTimeout(() => {
    timedOut = true;
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
  }, m.timeoutMs);
  child.on('error', (e) => { clearTimeout(timer); reply({ error: { message: String(e.message), code: e.code } }); });
  child.on('close', (code) => {
    clearTimeout(timer);
    reply({ result: { code, timedOut, stdout: out.slice(0, m.outputLimit), stderr: err.slice(0, m.outputLimit) } });
  });
});
`;

/** One helper per process, started on first use; a helper that died is replaced by the next call. */
class Spawner {
  private helper: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: SpawnResult) => void; reject: (e: Error) => void }
  >();

  run(request: SpawnRequest): Promise<SpawnResult> {
    const helper = this.started();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The helper keeps this process alive only while a command runs.
      helper.channel?.ref();
      helper.send({
        id,
        ...request,
        cwd: request.cwd,
        timeoutMs: Number.isFinite(request.timeoutMs) ? request.timeoutMs : null,
      });
    });
  }

  private started(): ChildProcess {
    if (this.helper) return this.helper;
    const helper = spawn(process.execPath, ['-e', HELPER], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Nothing of the caller's node options (a loader, an inspector) belongs in the helper.
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    helper.on('message', (reply: HelperReply) => this.settle(reply));
    helper.on('exit', (code, signal) => {
      if (this.helper === helper) this.helper = null;
      const error = new Error(
        `the local command runner (pid ${helper.pid}) ended (${signal ?? `exit ${code}`}) with ${this.pending.size} command(s) running`,
      );
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    });
    helper.on('error', () => undefined);
    helper.unref();
    helper.channel?.unref();
    this.helper = helper;
    return helper;
  }

  private settle(reply: HelperReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.helper?.channel?.unref();
    if (reply.result) waiting.resolve(reply.result);
    else
      waiting.reject(
        Object.assign(new Error(reply.error?.message ?? 'the command did not start'), {
          code: reply.error?.code,
        }),
      );
  }

  /** The helper's pid (for tests), starting it if needed. */
  pid(): number | undefined {
    return this.started().pid;
  }

  /** Ends the helper (for tests): commands running are rejected. */
  stop(): void {
    this.helper?.kill('SIGKILL');
  }
}

const spawner = new Spawner();

/** Runs `shell -c script` from the helper process and collects its output. */
export function spawnCollected(request: SpawnRequest): Promise<SpawnResult> {
  return spawner.run(request);
}

/** The helper's pid, starting it if needed (tests check commands are not children of this process). */
export function spawnerPid(): number | undefined {
  return spawner.pid();
}

/** Ends the helper now (tests: a helper that dies mid-command). The next command starts another. */
export function stopSpawner(): void {
  spawner.stop();
}
