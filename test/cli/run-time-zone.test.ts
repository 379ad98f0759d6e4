// A local run whose schedule fires on Monday 03:00 in Asia/Kolkata, which is Sunday 21:30 in UTC
// (test/fixtures/scenarios/kolkata.json): its images, claims and run report carry the Monday date
// the operator scheduled, not the UTC Sunday.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/cli.js';

const SCENARIO = 'test/fixtures/scenarios/kolkata.json';
const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-tz-'));
const bucket = join(data, 'store', 'mksysb-vault-local');
let run: CliResult;

beforeAll(() => {
  run = runCli([
    'run',
    '--local',
    '--weeks',
    '1',
    '--start',
    '2030-01-01',
    '--json',
    '--data',
    data,
    '--scenario',
    SCENARIO,
  ]);
}, 120_000);

describe('a local run scheduled in Asia/Kolkata', () => {
  it('dates the run at its local time and offset', () => {
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { runs: { date: string; week: string }[] };
    expect(out.runs[0]).toMatchObject({ date: '2030-01-07T03:00:00.000+05:30', week: '2030-01-07' });
  });

  it('names the image, its record and the run report by the local Monday', () => {
    expect(existsSync(join(bucket, 'images/aixin01/aixin01_mksysb_2030-01-07._S3rver_object'))).toBe(true);
    expect(
      existsSync(join(bucket, 'images/aixin01/aixin01_mksysb_2030-01-07.record.json._S3rver_object')),
    ).toBe(true);
    expect(readdirSync(join(bucket, 'runs'))).toEqual(['2030-01-07']);
  });

  it('shows the Monday in history', () => {
    const history = runCli(['history', 'aixin01', '--data', data]);
    expect(history.stdout).toMatch(/2030-01-07 .*PASS/);
    expect(history.stdout).not.toMatch(/2030-01-06/);
  });
});
