import { describe, expect, it } from 'vitest';
import {
  judgeRestoreTest,
  lastPassingRestoreTest,
  lastRestorePassWithIndex,
  lastRestoreTest,
  lastRestoreTestWithIndex,
  osLevelsAgree,
  overdueRestoreTests,
  parseRestoreTestOutput,
  planRestoreTests,
  RESTORE_TESTS_KEPT,
  type RestoreTestHost,
  type RestoreTestResult,
  RestoreTestSettingsSchema,
  type RestoreTestTarget,
  restoreTestDisproves,
  restoreTestSummaryOf,
  withRestoreTest,
} from '../../../lambdas/core/restore-test.js';

const NOW = new Date('2026-12-05T10:00:00Z');
const SHA = 'a'.repeat(64);

function target(host: string, disks: string[]) {
  return RestoreTestSettingsSchema.parse({
    targets: [{ host, managedNodeId: 'mi-0123456789abcdef0', disks }],
  }).targets[0] as RestoreTestTarget;
}

function test(startedAt: string, result: 'PASS' | 'FAIL' = 'PASS'): RestoreTestResult {
  return {
    result,
    reason: result === 'PASS' ? null : 'alt_disk_mksysb: exit 1',
    startedAt,
    finishedAt: startedAt,
    rtoSeconds: 1800,
    target: { host: 'tlpar01', disk: 'hdisk1' },
    runId: `restore-${startedAt}`,
    checks: [],
  };
}

function host(
  name: string,
  lastStarted?: string,
  result: 'PASS' | 'FAIL' = 'PASS',
  testedKey?: string,
): RestoreTestHost {
  const key = `images/${name}/${name}_mksysb_2026-11-30`;
  return {
    host: name,
    candidate: { host: name, key, date: '2026-11-30', sha256: SHA, osLevel: '7.2.5.3', sizeBytes: 1 },
    last: lastStarted ? { key: testedKey ?? key, test: test(lastStarted, result) } : null,
  };
}

const PASS_OUTPUT = [
  'mksysb-vault.step=restore-test',
  'disk=hdisk1',
  'disk_vg=None',
  'download=ok',
  'download_bytes=1024',
  `sha256=${SHA}`,
  'alt_disk_mksysb_exit=0',
  'restore_seconds=1500',
  'wake=ok',
  'oslevel=7200-05-03-2148',
  'key_files_checked=6',
  'key_files_missing=',
  'cleanup=ok',
  'status=ok',
].join('\n');

describe('restore test planning', () => {
  it('tests never-tested hosts first, then the oldest last test, and leaves recent ones alone', () => {
    const plan = planRestoreTests(
      [
        host('b', '2026-10-01T00:00:00Z'),
        host('a', '2026-12-01T00:00:00Z'),
        host('c'),
        host('d', '2026-09-01T00:00:00Z'),
      ],
      { intervalDays: 28, maxTestsPerTargetPerRun: 5, targets: [target('tlpar01', ['hdisk1'])] },
      NOW,
    );
    expect(plan.tests.map((t) => t.candidate.host)).toEqual(['c', 'd', 'b']);
  });

  it("deals the due hosts round-robin over the targets and each target's disks, capped per target", () => {
    const plan = planRestoreTests(
      ['h1', 'h2', 'h3', 'h4', 'h5'].map((h) => host(h)),
      {
        intervalDays: 28,
        maxTestsPerTargetPerRun: 2,
        targets: [target('t1', ['hdisk1', 'hdisk2']), target('t2', ['hdisk3'])],
      },
      NOW,
    );
    expect(plan.tests.map((t) => `${t.candidate.host}@${t.target.host}:${t.disk}`)).toEqual([
      'h1@t1:hdisk1',
      'h2@t2:hdisk3',
      'h3@t1:hdisk2',
      'h4@t2:hdisk3',
    ]);
    expect(plan.deferred).toEqual(['h5']);
  });

  it('tries again at once when the last test failed and a newer PASS image exists', () => {
    const plan = planRestoreTests(
      [host('a', '2026-12-01T00:00:00Z', 'FAIL', 'images/a/a_mksysb_2026-11-23')],
      { intervalDays: 28, maxTestsPerTargetPerRun: 1, targets: [target('t1', ['hdisk1'])] },
      NOW,
    );
    expect(plan.tests).toHaveLength(1);
  });

  it('names the hosts without a PASS image to test', () => {
    const plan = planRestoreTests(
      [{ host: 'x', candidate: null, last: null }],
      { intervalDays: 28, maxTestsPerTargetPerRun: 1, targets: [target('t1', ['hdisk1'])] },
      NOW,
    );
    expect(plan).toEqual({ tests: [], deferred: [], nothingToTest: ['x'] });
  });
});

describe('restore test settings', () => {
  it('refuses tests enabled without a test LPAR, and a window shorter than the interval', () => {
    const r = RestoreTestSettingsSchema.safeParse({ enabled: true, intervalDays: 30, windowDays: 10 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['targets', 'windowDays']);
  });

  it('refuses a disk name that is not an hdisk', () => {
    const r = RestoreTestSettingsSchema.safeParse({
      targets: [{ host: 't', managedNodeId: 'mi-0123456789abcdef0', disks: ['/dev/hdisk1'] }],
    });
    expect(r.success).toBe(false);
  });
});

describe('judging a restore test', () => {
  it('passes when every check of the image held, with the oslevel -s agreeing with BACKUP OSLEVEL', () => {
    const judged = judgeRestoreTest(parseRestoreTestOutput(PASS_OUTPUT), { sha256: SHA, osLevel: '7.2.5.3' });
    expect(judged.result).toBe('PASS');
    expect(judged.checks.map((c) => c.name)).toEqual([
      'target_reachable',
      'disk_free',
      'download',
      'sha256',
      'alt_disk_mksysb',
      'wake',
      'oslevel',
      'key_files',
      'cleanup',
    ]);
  });

  it("fails on a download whose SHA-256 is not the record's", () => {
    const judged = judgeRestoreTest(parseRestoreTestOutput(PASS_OUTPUT), {
      sha256: 'b'.repeat(64),
      osLevel: null,
    });
    expect(judged.result).toBe('FAIL');
    expect(judged.reason).toMatch(/^sha256: /);
  });

  it("fails with alt_disk_mksysb's message when the restore failed", () => {
    const out = [
      'mksysb-vault.step=restore-test',
      'disk=hdisk1',
      'disk_vg=None',
      'download=ok',
      `sha256=${SHA}`,
      'alt_disk_mksysb_exit=1',
      'alt_disk_mksysb_message=0511-195 An error occurred while restoring the archive',
      'cleanup=ok',
      'status=failed',
      'reason=alt_disk_mksysb_failed',
    ].join('\n');
    const judged = judgeRestoreTest(parseRestoreTestOutput(out), { sha256: SHA, osLevel: null });
    expect(judged.result).toBe('FAIL');
    expect(judged.reason).toContain('0511-195');
  });

  it('fails a test refused because the disk is in a volume group, naming it', () => {
    const out = [
      'mksysb-vault.step=restore-test',
      'disk=hdisk1',
      'disk_vg=datavg',
      'status=refused',
      'reason=disk_in_use:hdisk1:datavg',
    ].join('\n');
    const judged = judgeRestoreTest(parseRestoreTestOutput(out), { sha256: SHA, osLevel: null });
    expect(judged).toMatchObject({ result: 'FAIL', reason: 'disk_free: hdisk1 is in volume group datavg' });
  });

  it('names the failed check in the summary, and only a wrong image disproves it', () => {
    const judged = (out: string, expected: { sha256: string; osLevel: string }) => {
      const { result, reason, checks } = judgeRestoreTest(parseRestoreTestOutput(out), expected);
      return restoreTestSummaryOf([{ ...test('2026-12-05T10:00:00Z', result), reason, checks }]);
    };
    const refused = ['mksysb-vault.step=restore-test', 'disk=hdisk1', 'disk_vg=datavg', 'status=refused'];
    const cases = [
      { out: PASS_OUTPUT, failedCheck: null, disproves: false },
      { out: PASS_OUTPUT, sha256: 'b'.repeat(64), failedCheck: 'sha256', disproves: true },
      { out: PASS_OUTPUT, osLevel: '7.3.2.1', failedCheck: 'oslevel', disproves: true },
      {
        out: PASS_OUTPUT.replace('key_files_missing=', 'key_files_missing=/sbin/rc.boot'),
        failedCheck: 'key_files',
        disproves: true,
      },
      { out: refused.join('\n'), failedCheck: 'disk_free', disproves: false },
    ];
    for (const c of cases) {
      const summary = judged(c.out, { sha256: c.sha256 ?? SHA, osLevel: c.osLevel ?? '7.2.5.3' });
      expect(summary?.failedCheck, JSON.stringify(c)).toBe(c.failedCheck);
      expect(restoreTestDisproves(summary), JSON.stringify(c)).toBe(c.disproves);
    }
    // A test that never ran (the test LPAR unreachable).
    const unreachable = restoreTestSummaryOf([
      {
        ...test('2026-12-05T10:00:00Z', 'FAIL'),
        checks: [{ name: 'target_reachable', ok: false, detail: 'x' }],
      },
    ]);
    expect(unreachable?.failedCheck).toBe('target_reachable');
    expect(restoreTestDisproves(unreachable)).toBe(false);
    // A SHA-256 failure as an index entry written before the failed check was kept has it.
    const wrongBytes = judged(PASS_OUTPUT, { sha256: 'b'.repeat(64), osLevel: '7.2.5.3' });
    expect(restoreTestDisproves(wrongBytes)).toBe(true);
    expect(
      restoreTestDisproves({ ...(wrongBytes as NonNullable<typeof wrongBytes>), failedCheck: undefined }),
    ).toBe(false);
  });

  it('compares oslevel -s with BACKUP OSLEVEL on version, release, TL and SP', () => {
    expect(osLevelsAgree('7200-05-03-2148', '7.2.5.3')).toBe(true);
    expect(osLevelsAgree('7200-05-04-2220', '7.2.5.3')).toBe(false);
    expect(osLevelsAgree('7300-02-01-2346', '7300-02-01-2346')).toBe(true);
  });
});

describe("a host's restore tests", () => {
  it('finds the newest test and the newest passing test across records', () => {
    const records = [
      { key: 'images/a/a_mksysb_2026-11-30', restoreTests: [test('2026-12-01T00:00:00Z', 'FAIL')] },
      { key: 'images/a/a_mksysb_2026-10-30', restoreTests: [test('2026-11-01T00:00:00Z')] },
      { key: 'images/a/a_mksysb_2026-09-30' },
    ];
    expect(lastRestoreTest(records)?.test.result).toBe('FAIL');
    expect(lastPassingRestoreTest(records)?.key).toBe('images/a/a_mksysb_2026-10-30');
  });

  it('keeps the newest tests in a record, a repeat of the same test once', () => {
    let tests: RestoreTestResult[] = [];
    for (let i = 0; i < RESTORE_TESTS_KEPT + 3; i++)
      tests = withRestoreTest(tests, test(`2026-0${1 + (i % 9)}-1${i % 10}T00:00:00Z`));
    tests = withRestoreTest(tests, tests.at(-1) as RestoreTestResult);
    expect(tests).toHaveLength(RESTORE_TESTS_KEPT);
  });

  it('is overdue without a PASS within the window, counted from the first image when never passed', () => {
    const overdue = overdueRestoreTests(
      [
        { host: 'new', firstImageDate: '2026-11-30', lastPassAt: null },
        { host: 'never', firstImageDate: '2026-09-01', lastPassAt: null },
        { host: 'old', firstImageDate: '2026-01-01', lastPassAt: '2026-10-01T00:00:00Z' },
        { host: 'fine', firstImageDate: '2026-01-01', lastPassAt: '2026-11-20T00:00:00Z' },
        { host: 'nothing', firstImageDate: null, lastPassAt: null },
      ],
      NOW,
      45,
    );
    expect(overdue).toEqual([
      { host: 'never', lastPassAt: null, ageDays: null },
      { host: 'old', lastPassAt: '2026-10-01T00:00:00Z', ageDays: 65 },
    ]);
  });
});

describe('restore tests remembered by the catalog index', () => {
  const summary = (result: 'PASS' | 'FAIL', finishedAt: string, lastPassAt: string | null) => ({
    result,
    reason: null,
    finishedAt,
    rtoSeconds: 1500,
    target: { host: 'tlpar01', disk: 'hdisk1' },
    lastPassAt,
  });

  it("takes the index entry of an image retention deleted when its test is newer than the records'", () => {
    const fromRecords = { key: 'images/a/a_mksysb_2026-11-30', test: test('2026-09-01T00:00:00Z') };
    const entries = [
      {
        key: 'images/a/a_mksysb_2026-10-05',
        date: '2026-10-05',
        restoreTest: summary('PASS', '2026-10-10T00:00:00Z', '2026-10-10T00:00:00Z'),
      },
      { key: 'images/a/a_mksysb_2026-08-03', date: '2026-08-03' },
    ];
    expect(lastRestoreTestWithIndex(fromRecords, entries)).toMatchObject({
      key: 'images/a/a_mksysb_2026-10-05',
      test: { result: 'PASS', startedAt: '2026-10-10T00:00:00Z' },
    });
    expect(lastRestoreTestWithIndex(null, [])).toBeNull();
    expect(lastRestorePassWithIndex('2026-09-01T00:00:00Z', entries)).toBe('2026-10-10T00:00:00Z');
  });
});

describe('restoreTests in the deploy config', () => {
  it('refuses a restore-test cron that never fires, naming the field', async () => {
    const { parseDeployConfig } = await import('../../../lib/config.js');
    expect(() =>
      parseDeployConfig(
        {
          fleet: [{ host: 'a', managedNodeId: 'mi-0123456789abcdef0' }],
          restoreTests: { cron: 'cron(0 10 31 2 ? *)' },
        },
        'test',
      ),
    ).toThrow(/restoreTests\.cron: cron\(0 10 31 2 \? \*\) never fires/);
  });
});
