// The stand-ins' archiver served by one long-lived process (archiver-server.ts): a stand-in asks it
// with one curl instead of starting a node, gets the same bytes, output, exit code and file modes,
// and runs the archiver itself whenever no server of this process answers.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handle } from '../../../lib/sim-lpar/archiver-server.js';
import { createSimulatedFleet, simEnv, stopArchiverServer } from '../../../lib/sim-lpar/index.js';

const MiB = 1024 * 1024;
const fleet = createSimulatedFleet(mkdtempSync(join(tmpdir(), 'mvsimsrv')), [
  { host: 'lpar01', sizeBytes: 4 * MiB, files: 200 },
]);
const root = fleet.hostRoot('lpar01');
const serverFile = join(fleet.dir, 'run/sim-tool');
const profile = join(root, 'profile.env');
const realProfile = readFileSync(profile, 'utf8');

afterAll(() => {
  stopArchiverServer();
  rmSync(fleet.dir, { recursive: true, force: true });
});

/** Waits for the server to advertise itself in the fleet (it starts in the background). */
async function served(): Promise<string> {
  simEnv(fleet.dir, 'lpar01', { mode: 'direct' });
  for (let i = 0; i < 200 && !existsSync(serverFile); i++) await new Promise((r) => setTimeout(r, 50));
  return readFileSync(serverFile, 'utf8');
}

/** The host's node made unusable: only the server can then run the archiver. */
function withoutNode(run: () => void): void {
  writeFileSync(profile, realProfile.replace(/^SIM_NODE=.*$/m, "SIM_NODE='/bin/false'"));
  try {
    run();
  } finally {
    writeFileSync(profile, realProfile);
  }
}

/** mksysb -i into a relative name from the staging directory, under umask 077, as root's shell would. */
function mksysb(name: string) {
  const r = spawnSync(
    'sh',
    [
      '-c',
      `umask 077 && cd "$1" && "$2" -i "$3"`,
      'sh',
      fleet.stagingDir('lpar01'),
      join(root, 'usr/bin/mksysb'),
      name,
    ],
    {
      encoding: 'utf8',
    },
  );
  const image = join(fleet.stagingDir('lpar01'), name);
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    sha256: existsSync(image) ? createHash('sha256').update(readFileSync(image)).digest('hex') : null,
    mode: existsSync(image) ? statSync(image).mode & 0o777 : null,
  };
}

/** restore -Tqf of an image (a listing, from the image itself: no kept answer for it). */
function restoreList(image: string) {
  const r = spawnSync(join(root, 'usr/sbin/restore'), ['-Tqf', image], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the archiver server', () => {
  it('runs a stand-in mksysb for it: the same archive, log, exit code and file mode as a node of its own', async () => {
    // Run by the stand-in's own node first: building the fleet announced it to this process's
    // server, which is stopped for this run.
    stopArchiverServer();
    expect(existsSync(serverFile)).toBe(false);
    const own = mksysb('lpar01_mksysb_2025-01-05');
    expect(own.code).toBe(0);
    rmSync(join(root, 'state/runs'));

    const line = await served();
    expect(line).toMatch(/^\d+ \S{16,}\n$/);
    expect(statSync(serverFile).mode & 0o777).toBe(0o600);
    withoutNode(() => {
      const viaServer = mksysb('lpar01_mksysb_2025-01-05');
      expect(viaServer).toEqual(own);
      expect(viaServer.mode).toBe(0o600);
    });
  });

  it("passes a failing command's stderr and exit code through, and quotes what it prints", async () => {
    await served();
    const damaged = join(fleet.stagingDir('lpar01'), "it's not an image");
    writeFileSync(damaged, 'not a backup volume\n'.repeat(20));
    const own = (() => {
      const saved = readFileSync(serverFile);
      rmSync(serverFile);
      try {
        return restoreList(damaged);
      } finally {
        writeFileSync(serverFile, saved, { mode: 0o600 });
      }
    })();
    expect(own.code).toBe(1);
    expect(own.stderr).toContain('0511-160 Cannot read the backup media');
    withoutNode(() => expect(restoreList(damaged)).toEqual(own));
  });

  it('is not asked when its file names no server of this process: a wrong token, or a port nobody listens on', async () => {
    const line = await served();
    const [port] = line.split(' ');
    // A copy: no answer was kept for it when it was written, so restore asks the archiver.
    const image = join(fleet.stagingDir('lpar01'), 'copy');
    copyFileSync(join(fleet.stagingDir('lpar01'), 'lpar01_mksysb_2025-01-05'), image);
    for (const stale of [`${port} not-the-token-of-this-server\n`, '1 stale-token-of-a-server-long-gone\n']) {
      writeFileSync(serverFile, stale, { mode: 0o600 });
      // The stand-in's own node runs (and here fails, as /bin/false): the server did not.
      withoutNode(() => expect(restoreList(image)).toMatchObject({ code: 1, stdout: '' }));
      expect(restoreList(image)).toMatchObject({ code: 0 });
    }
    // The next announcement puts the server's own line back.
    expect(await served()).toBe(line);
  });

  it('refuses a request without its token and runs nothing', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mvsimsrvcwd'));
    const body = Buffer.from(['wrong', cwd, '022', 'replace', 'missing-image', '--seed', 's', ''].join('\0'));
    expect(handle(body, 'right-token-of-16+')).toBe('# sim-tool refused\n');
    expect(handle(Buffer.from(''), 'right-token-of-16+')).toBe('# sim-tool refused\n');
    expect(process.cwd()).not.toBe(cwd);
    rmSync(cwd, { recursive: true, force: true });
  });

  it('leaves the stand-ins to their own node once it has ended', async () => {
    await served();
    stopArchiverServer();
    expect(existsSync(serverFile)).toBe(false);
    expect(restoreList(join(fleet.stagingDir('lpar01'), 'lpar01_mksysb_2025-01-05'))).toMatchObject({
      code: 0,
    });
  });
});
