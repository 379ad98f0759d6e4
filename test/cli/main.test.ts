// The `mksysb-vault` entry in-process: what exit status each kind of failure gets (64 the user's to fix,
// 69 the store or AWS, 70 mksysb-vault's own fault, with its stack only under --debug), --version, and
// which stream a line goes to (results on standard output, progress and warnings on standard error).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, main } from '../../bin/cli.js';
import { toStoreError } from '../../lambdas/adapters/store-error.js';
import { AwsLimitError, STATE_PAYLOAD_LIMIT } from '../../lambdas/core/aws-limits.js';
import type { CliIo, Command } from '../../lib/cli/command.js';
import { LOCAL_BUCKET, localPaths } from '../../lib/local/paths.js';
import { startLocalS3 } from '../../lib/local/s3-server.js';
import { makeRecord, seedImage } from '../support/local-store.js';

interface Captured {
  readonly io: CliIo;
  readonly out: string[];
  readonly err: string[];
}

function capture(env: NodeJS.ProcessEnv = {}): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      env: { MKSYSB_VAULT_NOW: '2026-11-23T06:00:00Z', ...env },
      cwd: process.cwd(),
      now: () => new Date('2026-11-23T06:00:00Z'),
    },
  };
}

/** A command that fails with `error`, as a bug or an unreachable store would make a real one fail. */
const failing = (error: unknown): Command => ({
  name: 'boom',
  help: '',
  run: async () => {
    throw error;
  },
});

async function run(argv: string[], commands?: Command[]) {
  const c = capture();
  const entries = commands?.map((command) => ({
    name: command.name,
    summary: 'fails',
    load: async () => command,
  }));
  const status = await main(argv, c.io, entries);
  return { status, out: c.out.join('\n'), err: c.err.join('\n') };
}

describe('mksysb-vault exit status', () => {
  it('is 64 for a --max-age that is not a number of days, naming the option, before any store is opened', async () => {
    const r = await run(['status', '--max-age', 'abc', '--data', '/nonexistent/mksysb-vault']);
    expect(r.status).toBe(64);
    expect(r.err).toBe('mksysb-vault status: --max-age "abc": a whole number of days from 1 to 3660');
  });

  it('is 64 for a run that goes past an AWS limit, with the limit named, not as an internal error', async () => {
    const over = new AwsLimitError(
      STATE_PAYLOAD_LIMIT,
      270_112,
      'the state RunReport output of execution weekly',
    );
    const r = await run(['boom'], [failing(over)]);
    expect(r.status).toBe(64);
    expect(r.err).toBe(`mksysb-vault boom: ${over.message}`);
    expect(r.err).toContain(
      'States.DataLimitExceeded: the state RunReport output of execution weekly is 270,112 bytes',
    );
  });

  it('is 70 for an internal error: one line that says so, and no stack', async () => {
    const r = await run(
      ['boom'],
      [failing(new TypeError("Cannot read properties of undefined (reading 'x')"))],
    );
    expect(r.status).toBe(70);
    expect(r.err).toBe(
      "mksysb-vault boom: internal error: TypeError: Cannot read properties of undefined (reading 'x') (run again with --debug for the stack)",
    );
  });

  it('adds the stack of an internal error with --debug, wherever it is given', async () => {
    const bug = new RangeError('index out of range');
    for (const argv of [
      ['--debug', 'boom'],
      ['boom', '--debug'],
    ]) {
      const r = await run(argv, [failing(bug)]);
      expect(r.status).toBe(70);
      expect(r.err.split('\n')[0]).toContain('internal error: RangeError: index out of range');
      expect(r.err).toContain(bug.stack?.split('\n')[1]?.trim() ?? 'no stack');
    }
  });

  it('is 69 for a store error, an AWS SDK error and a refused connection under another error', async () => {
    const sdk = Object.assign(new Error('Access Denied'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });
    for (const error of [
      toStoreError(sdk, { action: 'listing hosts', key: 'images/' }),
      sdk,
      new Error('reading the fleet failed', { cause: refused }),
    ]) {
      const r = await run(['boom'], [failing(error)]);
      expect(r.status, String(error)).toBe(69);
      expect(r.err).not.toContain('internal error');
    }
  });

  it('prints the package version with --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const r = await run([flag]);
      expect(r.status).toBe(0);
      expect(r.out).toBe(`mksysb-vault ${version}`);
    }
  });

  it('loads, for each name in the usage, the command of that name', async () => {
    const loaded = await Promise.all(COMMANDS.map(async (entry) => (await entry.load()).name));
    expect(loaded).toEqual(COMMANDS.map((entry) => entry.name));
  });

  it('is 64 with the usage on standard error when no command is given', async () => {
    const r = await run([]);
    expect(r.status).toBe(64);
    expect(r.out).toBe('');
    expect(r.err).toContain('Usage: mksysb-vault <command>');
  });
});

describe('mksysb-vault output streams', () => {
  const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-main-'));

  beforeAll(async () => {
    const s3 = await startLocalS3({ directory: localPaths(data).store, bucket: LOCAL_BUCKET });
    const client = s3.client();
    await seedImage(client, s3.bucket, makeRecord({ host: 'aixprd01', date: '2026-11-23T02:01:00.000Z' }));
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'images/aixprd01/aixprd01_mksysb_2026-11-16.record.json',
        Body: '{"not": "a record"',
      }),
    );
    client.destroy();
    await s3.close();
  }, 60_000);

  it('status: the table on standard output, the unreadable record on standard error', async () => {
    const r = await run(['status', '--data', data]);
    expect(r.out).toMatch(/^HOST\s+LAST IMAGE/);
    expect(r.out).not.toContain('!');
    expect(r.err).toMatch(
      /^! aixprd01: unreadable record images\/aixprd01\/aixprd01_mksysb_2026-11-16\.record\.json/m,
    );
  });

  it('history: the images on standard output, the unreadable record on standard error', async () => {
    const r = await run(['history', 'aixprd01', '--data', data]);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^DATE\s+IMAGE/);
    expect(r.out).not.toContain('unreadable');
    expect(r.err).toMatch(
      /^! aixprd01: unreadable record images\/aixprd01\/aixprd01_mksysb_2026-11-16\.record\.json/m,
    );
  });

  it('restore-kit: the kit on standard output, the local-store note on standard error', async () => {
    const r = await run(['restore-kit', 'aixprd01', '--data', data]);
    expect(r.status).toBe(0);
    expect(r.out).toContain('Restore kit for aixprd01');
    expect(r.out).not.toContain('local store:');
    expect(r.err).toContain('(local store: the image is at');
  });
});

describe('mksysb-vault dates and output paths', () => {
  it.each([
    [['restore-kit', 'aixprd01', '--date', '2026-13-45'], '--date "2026-13-45": there is no month 13'],
    [['run', '--local', '--start', '2026-02-30'], '--start "2026-02-30": February 2026 has 28 days'],
    [['diff', 'aixprd01', '--from', '2026-02-29'], '--from "2026-02-29": February 2026 has 28 days'],
    [['diff', 'aixprd01', '--to', '2026-11-31'], '--to "2026-11-31": November 2026 has 30 days'],
    [
      ['image', 'toc', '--host', 'aixprd01', '--date', '2026-04-31'],
      '--date "2026-04-31": April 2026 has 30 days',
    ],
    [
      ['restore-file', 'aixprd01', '/etc/hosts', '--date', '2026-00-10'],
      '--date "2026-00-10": there is no month 00',
    ],
    [
      ['verify', '--lsmksysb', 'x', '--date', '2026-11-23T25:00:00Z'],
      '--date "2026-11-23T25:00:00Z": 25:00:00 is not a time of day',
    ],
    [['restore-kit', 'aixprd01', '--date', '23.11.2026'], '--date "23.11.2026": not a day'],
  ])('refuses %j as a date, naming the option (exit 64, no store opened)', async (argv, message) => {
    // No store is there to open: the date is refused first.
    const r = await run(argv[0] === 'verify' ? argv : [...argv, '--data', '/nonexistent/mksysb-vault']);
    expect(r.status).toBe(64);
    expect(r.err).toContain(message);
  });

  it('names the missing directory of report --out (exit 64, before the store is read)', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'mksysb-vault-out-')), 'no-such-dir');
    const r = await run(['report', '--out', join(missing, 'r.html'), '--data', '/nonexistent/mksysb-vault']);
    expect(r.status).toBe(64);
    expect(r.err).toBe(
      `mksysb-vault report: --out ${join(missing, 'r.html')}: the directory ${missing} does not exist`,
    );
  });

  it('names the missing directory of image extract --out before reading the image', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'mksysb-vault-out-')), 'gone');
    const r = await run(['image', 'extract', 'package.json', './etc/hosts', '--out', join(missing, 'hosts')]);
    expect(r.status).toBe(64);
    expect(r.err).toContain(`--out ${join(missing, 'hosts')}: the directory ${missing} does not exist`);
  });
});
