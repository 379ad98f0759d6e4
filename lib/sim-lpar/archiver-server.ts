// The archiver as a server: one long-lived process that runs the stand-ins' archiver commands
// (archiver.ts) for every simulated host, so that a mksysb, savevg, restore or alt_disk_mksysb
// costs the stand-in one curl instead of a node start (measured: a 24 MiB mksysb took 0.66 CPU s in
// a node of its own, 0.15-0.25 s in a warm server). Started by index.ts's ArchiverServer as
// `node sim-archiver.mjs serve` with a token in SIM_TOOL_TOKEN; it listens on 127.0.0.1, tells its
// parent the port over IPC, and ends when its parent does.
//
// A request's body is NUL-separated: the token, the caller's working directory, its umask (octal,
// as `umask` prints it), then the command's arguments. The command runs in that directory under
// that umask, so it writes the same files with the same modes as it would in a process of its own.
// The reply is shell text the stand-in evals (_profile.sh sim_tool): `_st_out`, `_st_err` and
// `_st_rc`, after a first line `# sim-tool reply`. A wrong token gets `# sim-tool refused` and
// nothing runs.
import { createServer } from 'node:http';
import { main } from './archiver.js';

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** The reply to one request (exported for tests): what the stand-in evals. */
export function handle(body: Buffer, token: string): string {
  const fields = body.toString('utf8').split('\0');
  if (fields.at(-1) === '') fields.pop();
  const [given, cwd, umask, ...argv] = fields;
  if (given !== token || cwd === undefined || umask === undefined) return '# sim-tool refused\n';
  let out = '';
  let err = '';
  const stdout = {
    write: (text: string) => {
      out += text;
    },
  };
  const stderr = {
    write: (text: string) => {
      err += text;
    },
  };
  let rc: number;
  try {
    process.chdir(cwd);
    process.umask(Number.parseInt(umask, 8));
    rc = main(argv, stdout, stderr);
  } catch (error) {
    err += `sim-archiver: ${(error as Error).message}\n`;
    rc = 1;
  }
  return `# sim-tool reply\n_st_out=${quote(out)}\n_st_err=${quote(err)}\n_st_rc=${rc}\n`;
}

/** Serves until the parent process ends (its IPC channel closes). */
export function serve(token: string): void {
  if (token.length < 16)
    throw new Error('sim-archiver serve: SIM_TOOL_TOKEN must be set (16 characters or more)');
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = handle(Buffer.concat(chunks), token);
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(reply);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') process.send?.({ port: address.port });
  });
  process.on('disconnect', () => process.exit(0));
}
