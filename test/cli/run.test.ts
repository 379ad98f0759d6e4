// `mksysb-vault run --local` and `run-now` as a user runs them: spawned processes on a two-host
// scenario (test/fixtures/scenarios/two-hosts.json), their real output, then `status` and `history`
// reading the same store and agreeing with the run. Bad input gives one clear line and exit 64.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulatedHosts } from '../../lib/cli/run.js';
import { type CliResult, runCli, runCliAsync } from '../support/cli.js';

const SCENARIO = 'test/fixtures/scenarios/two-hosts.json';
const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-run-'));
const local = (...args: string[]) => runCli([...args, '--data', data, '--scenario', SCENARIO]);

interface RunJson {
  runs: {
    scenarioWeek: number;
    date: string;
    results: { host: string; verdict: string; outcome: string; sizeBytes: number; codes: string[] }[];
    retention: { delete: number } | null;
    alerts: { subject: string; attributes: Record<string, string> }[];
  }[];
}

let three: CliResult;
let runs: RunJson['runs'];

beforeAll(() => {
  // Far ahead of the real clock, so "now" for run-now is the store's simulated clock.
  three = local('run', '--local', '--weeks', '3', '--start', '2030-01-01', '--json');
  runs = (JSON.parse(three.stdout) as RunJson).runs;
}, 300_000);

describe('mksysb-vault run --local', () => {
  it('makes three weekly runs, a week apart, and exits 0', () => {
    expect(three.status).toBe(0);
    expect(runs.map((r) => r.date)).toEqual([
      '2030-01-07T02:01:00.000Z',
      '2030-01-14T02:01:00.000Z',
      '2030-01-21T02:01:00.000Z',
    ]);
  });

  it('shows progress on stderr with --json: the scenario event, each host, the alerts', () => {
    expect(three.stderr).toContain('scenario: aixb01 — /tmp fills during mksysb');
    expect(three.stderr).toMatch(/\[1\/2\] aix[ab]01 /);
    expect(three.stderr).toMatch(/alert: \[mksysb-vault\] FAIL aixb01 TINY_IMAGE/);
  });

  it('catches the tiny image in week 2 and alerts on it', () => {
    const week2 = runs[1];
    expect(week2?.results.find((r) => r.host === 'aixb01')).toMatchObject({
      verdict: 'FAIL',
      outcome: 'verified',
    });
    expect(week2?.results.find((r) => r.host === 'aixb01')?.codes).toContain('TINY_IMAGE');
    expect(
      week2?.alerts.some((a) => a.attributes.host === 'aixb01' && a.attributes.code === 'TINY_IMAGE'),
    ).toBe(true);
    expect(week2?.results.find((r) => r.host === 'aixa01')?.verdict).toBe('PASS');
  });

  it('prunes with retention by the third week (two weekly images kept)', () => {
    expect(runs[2]?.retention?.delete).toBeGreaterThanOrEqual(1);
  });

  it('leaves a store that status reads the same way', () => {
    const status = runCli(['status', '--data', data, '--json']);
    const rows = (
      JSON.parse(status.stdout) as { hosts: { host: string; lastImage: string; verdict: string }[] }
    ).hosts;
    const last = runs[2];
    for (const host of ['aixa01', 'aixb01']) {
      const row = rows.find((r) => r.host === host);
      const result = last?.results.find((r) => r.host === host);
      expect(row?.verdict, host).toBe(result?.verdict);
      expect(row?.lastImage.slice(0, 10), host).toBe('2030-01-21');
    }
  });

  it("leaves a store whose history shows aixb01's tiny image", () => {
    const history = runCli(['history', 'aixb01', '--data', data]);
    expect(history.status).toBe(0);
    expect(history.stdout).toMatch(/2030-01-14.*4\.0 MB.*FAIL.*TINY_IMAGE/);
  });
});

describe('mksysb-vault run-now (local)', () => {
  it('skips a host that already ran this week, and runs it again as --attempt 2', () => {
    // Without --json: the summary on standard output, the progress on standard error.
    const again = local('run-now', '--hosts', 'aixa01');
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^aixa01\s+SKIP\s+already_ran\b/m);
    expect(again.stdout).not.toMatch(/Run 1 of 1|alert:/);
    expect(again.stderr).toContain('Run 1 of 1');
    expect(again.stderr).toMatch(/alert: \[mksysb-vault\] RUN \S+: 0 PASS, 0 WARN, 0 FAIL, 1 SKIP/);
    const attempt = local('run-now', '--hosts', 'aixa01', '--attempt', '2', '--json');
    expect(attempt.status).toBe(0);
    const [rerun] = (JSON.parse(attempt.stdout) as RunJson).runs;
    expect(rerun?.results.map((r) => `${r.host} ${r.verdict} ${r.outcome}`)).toEqual([
      'aixa01 PASS verified',
    ]);
  }, 240_000);

  it.concurrent('names a host that is not in the fleet', async () => {
    const r = await runCliAsync(['run-now', '--hosts', 'aixzz9', '--data', data, '--scenario', SCENARIO]);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain(
      '--hosts: aixzz9 is not in the fleet of test/fixtures/scenarios/two-hosts.json',
    );
  });

  it.concurrent('refuses a host name with shell metacharacters before anything runs', async () => {
    const r = await runCliAsync(['run-now', '--hosts', 'aix;reboot', '--data', data, '--scenario', SCENARIO]);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('--hosts: host name "aix;reboot" is not valid');
  });

  it.concurrent('refuses a state machine ARN that is not one', async () => {
    const r = await runCliAsync(['run-now', '--state-machine', 'weekly']);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('--state-machine "weekly": not a state machine ARN');
  });
});

describe.concurrent('mksysb-vault run, bad input', () => {
  it('needs --local, and says what starts the workflow on AWS', async () => {
    const r = await runCliAsync(['run']);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('run needs --local');
    expect(r.stderr).toContain('run-now --state-machine ARN');
  });

  it('names a missing scenario file', async () => {
    const r = await runCliAsync(['run', '--local', '--data', data, '--scenario', 'nope.json']);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('nope.json: scenario file not found');
  });

  it('refuses --weeks that is not a whole number from 1', async () => {
    const r = await runCliAsync(['run', '--local', '--weeks', '0']);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('--weeks "0": a whole number from 1 to 520');
  });

  it('refuses to --reset a directory that is not a mksysb-vault data directory, deleting nothing', async () => {
    const precious = mkdtempSync(join(tmpdir(), 'mksysb-vault-precious-'));
    writeFileSync(join(precious, 'thesis.tex'), 'years of work');
    const r = await runCliAsync(['run', '--local', '--reset', '--data', precious, '--scenario', SCENARIO]);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain(
      'is not a mksysb-vault data directory (no state.json, no store/): not deleting it',
    );
    expect(existsSync(join(precious, 'thesis.tex'))).toBe(true);
  });

  it('--reset moves the old store aside and deletes it, and any copy an earlier reset left, without waiting', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'mksysb-vault-reset-'));
    const old = join(parent, 'data');
    mkdirSync(join(old, 'store', 'bucket'), { recursive: true });
    writeFileSync(join(old, 'state.json'), '{}');
    writeFileSync(join(old, 'store', 'bucket', 'image'), 'old image');
    mkdirSync(join(parent, 'data.deleting-1-2'));
    writeFileSync(join(parent, 'data.deleting-1-2', 'left'), 'by a reset that was stopped');
    // The scenario is read after the reset: a missing one ends the run there.
    const r = await runCliAsync(['run', '--local', '--reset', '--data', old, '--scenario', 'nope.json']);
    expect(r.status).toBe(64);
    expect(existsSync(old)).toBe(false);
    for (let waited = 0; readdirSync(parent).length > 0 && waited < 10_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readdirSync(parent)).toEqual([]);
  });

  it('names a damaged state.json and how to start afresh', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'mksysb-vault-broken-'));
    mkdirSync(join(broken, 'store'));
    writeFileSync(join(broken, 'state.json'), '{"nextRunDate": 3');
    const r = await runCliAsync(['run', '--local', '--data', broken, '--scenario', SCENARIO]);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/state\.json: not JSON .*--reset starts afresh/);
  });

  it('prints its help with every option', async () => {
    const r = await runCliAsync(['run', '--help']);
    expect(r.status).toBe(0);
    for (const option of ['--local', '--weeks N', '--reset', '--start DATE', '--data DIR', '--scenario FILE'])
      expect(r.stdout).toContain(option);
  });
});

describe('the local run names what it simulates', () => {
  it('counts LPARs, and a VIOS apart from them', () => {
    expect(simulatedHosts(10, 0)).toBe('10 simulated LPARs');
    expect(simulatedHosts(1, 0)).toBe('1 simulated LPAR');
    expect(simulatedHosts(11, 1)).toBe('11 simulated hosts (10 LPARs, 1 VIOS)');
    expect(simulatedHosts(2, 1)).toBe('2 simulated hosts (1 LPAR, 1 VIOS)');
  });
});
