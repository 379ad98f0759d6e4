// A small, honest stand-in for SSM Run Command (aws:runShellScript), which has no local emulator:
// checks the parameters against the document like SSM does (unknown names, missing required
// values, allowedPattern), substitutes {{ name }} textually, runs the runCommand lines with a POSIX
// shell and returns what GetCommandInvocation would: status, response code, stdout cut to SSM's
// 24,000 characters, stderr, duration.
import type { CommandDocumentContent } from '../host-scripts/index.js';
import { spawnCollected } from './spawner.js';

/** SSM returns at most this many characters of a command's stdout (and of its stderr). */
export const SSM_OUTPUT_LIMIT = 24_000;

export class DocumentParameterError extends Error {
  override name = 'DocumentParameterError';
}

export interface RunCommandInput {
  readonly document: CommandDocumentContent;
  readonly parameters: Readonly<Record<string, string>>;
  /** Environment of the command on the node (PATH of the relay, AIXROOT of a simulated LPAR…). */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the command after this long; the document's timeoutSeconds also applies. */
  readonly timeoutMs?: number;
  /** @default 'sh' (dash on Debian, like the relay); 'ksh' runs it the way AIX would. */
  readonly shell?: string;
  readonly cwd?: string;
}

export interface RunCommandResult {
  readonly status: 'Success' | 'Failed' | 'TimedOut';
  readonly responseCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** The parameter values SSM would use: defaults filled in, every value checked against its pattern. */
export function resolveParameters(
  document: CommandDocumentContent,
  given: Readonly<Record<string, string>>,
): Record<string, string> {
  for (const name of Object.keys(given))
    if (!(name in document.parameters))
      throw new DocumentParameterError(`parameter "${name}" is not defined in the document`);
  const values: Record<string, string> = {};
  for (const [name, def] of Object.entries(document.parameters)) {
    const value = given[name] ?? def.default;
    if (value === undefined)
      throw new DocumentParameterError(`parameter "${name}" is required and has no value`);
    if (!new RegExp(def.allowedPattern).test(value))
      throw new DocumentParameterError(
        `parameter "${name}" value ${JSON.stringify(value)} fails its allowedPattern ${def.allowedPattern}`,
      );
    values[name] = value;
  }
  return values;
}

/** {{ name }} (with or without the spaces) replaced by the value, as SSM does. */
export function substituteParameters(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

export async function runCommandLocally(input: RunCommandInput): Promise<RunCommandResult> {
  const values = resolveParameters(input.document, input.parameters);
  const step = input.document.mainSteps[0];
  const script = substituteParameters(step.inputs.runCommand.join('\n'), values);
  const docTimeout = Number(substituteParameters(step.inputs.timeoutSeconds, values)) * 1000;
  const timeoutMs = Math.min(
    input.timeoutMs ?? Number.POSITIVE_INFINITY,
    docTimeout || Number.POSITIVE_INFINITY,
  );
  const started = Date.now();
  // Started by the helper process (spawner.ts), in a process group of its own so a timeout ends the
  // whole tree (ssh, dd, curl), as SSM does.
  const ran = await spawnCollected({
    shell: input.shell ?? 'sh',
    script,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...input.env },
    cwd: input.cwd,
    timeoutMs,
    outputLimit: SSM_OUTPUT_LIMIT,
  });
  const responseCode = ran.timedOut ? -1 : (ran.code ?? -1);
  return {
    status: ran.timedOut ? 'TimedOut' : responseCode === 0 ? 'Success' : 'Failed',
    responseCode,
    stdout: ran.stdout,
    stderr: ran.stderr,
    durationMs: Date.now() - started,
  };
}
