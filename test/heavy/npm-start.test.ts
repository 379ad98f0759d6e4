// Issue 6's acceptance, as a new user types it: `npm start -- --weeks 8 --reset` on the bundled
// scenario shows every scenario's alert and retention deleting images, then `mksysb-vault status`
// and `history` read the same store and agree with the last run. (`npm start` alone, one week, is
// what test/cli/run.test.ts covers on a smaller scenario.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { REPO_ROOT, runCli } from '../support/cli.js';

const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-npm-start-'));
let stdout = '';
/** Progress, alerts and retention lines: the run prints them on stderr, the summary on stdout. */
let progress = '';
let status: number | null = null;

beforeAll(() => {
  const npm = spawnSync('npm', ['start', '--silent', '--', '--weeks', '8', '--reset', '--data', data], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  stdout = npm.stdout;
  progress = npm.stderr;
  status = npm.status;
  if (status !== 0) console.error(npm.stderr);
}, 900_000);

const alerts = () => progress.split('\n').filter((line) => line.includes('alert: [mksysb-vault]'));

describe('npm start -- --weeks 8 --reset', () => {
  it('finishes with the summary and exit 0', () => {
    expect(status).toBe(0);
    expect(progress).toContain('Run 8 of 8');
    expect(stdout).toMatch(
      /Summary of the run of .*\n\nHOST\s+VERDICT\s+OUTCOME\s+SIZE\s+CHANGE\s+ANOMALIES/,
    );
  });

  it.each([
    ['the image that comes out tiny when /tmp fills', /FAIL dbqa09 TINY_IMAGE/],
    ['the LPAR that stops answering', /FAIL aixapp01 HOST_UNREACHABLE/],
    ['the host that then goes stale', /FAIL aixapp01 STALE/],
    ['the full staging filesystem', /FAIL aixapp03 PREFLIGHT_REFUSED/],
    ['the image that shrinks by 45%', /WARN aixprd02 SIZE_DROP/],
    ['the OS upgrade', /INFO aixtst01 OSLEVEL_CHANGED .*7\.2\.5\.3 to 7\.3\.2\.1/],
    ['the VIOS whose viosbr fails while backupios succeeds', /FAIL vios1 VIOSBR_MISSING/],
    ['the staging filesystem that will soon be too small (the forecast)', /WARN aixapp03 STAGING_FULL_SOON/],
    ['the restore test of an image damaged in the store', /FAIL aixapp02 RESTORE_FAILED/],
  ])('alerts on %s', (_what, pattern) => {
    expect(alerts().some((line) => pattern.test(line))).toBe(true);
  });

  it('runs restore tests on the test LPAR each week: they pass, but for the image damaged in the store', () => {
    const tests = [...progress.matchAll(/^ {2}restore tests: (.*)$/gm)].flatMap((m) =>
      (m[1] ?? '').split(', '),
    );
    expect(tests.filter((t) => / PASS$/.test(t)).length).toBeGreaterThan(2);
    expect(tests.some((t) => t.startsWith('aixapp02 FAIL'))).toBe(true);
  });

  it('backs up and verifies the VIOS: PASS again once its viosbr works; the ioscli-only VIOS PASS too', () => {
    const r = runCli(['status', '--data', data, '--json']);
    const hosts = (JSON.parse(r.stdout) as { hosts: { host: string; kind: string; verdict: string }[] })
      .hosts;
    expect(hosts.find((h) => h.host === 'vios1')).toMatchObject({ kind: 'vios', verdict: 'PASS' });
    expect(hosts.find((h) => h.host === 'vios2')).toMatchObject({ kind: 'vios', verdict: 'PASS' });
    // Every week's run: vios2 through ioscli alone, PASS on the content check (it has no listing).
    expect([...progress.matchAll(/\] vios2 +(\S+)/g)].map((m) => m[1])).toEqual(Array(8).fill('PASS'));
  });

  it('writes the evidence CSV in agreement with status: state, verdict, image date and last restore test', () => {
    const csvFile = join(data, 'evidence.csv');
    const r = runCli(['report', '--data', data, '--out', join(data, 'report.html'), '--evidence', csvFile]);
    expect(r.status).toBe(0);
    const [header, ...lines] = readFileSync(csvFile, 'utf8').trimEnd().split('\r\n');
    const columns = (header ?? '').split(',');
    // The columns checked here never hold a comma or a quote.
    const rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v])));
    const status = JSON.parse(runCli(['status', '--data', data, '--json']).stdout) as {
      hosts: {
        host: string;
        state: string;
        verdict: string;
        lastImage: string | null;
        restoreTest: { lastPassAt: string | null } | null;
      }[];
    };
    expect(status.hosts.length).toBeGreaterThan(10);
    for (const host of status.hosts) {
      const row = rows.find((x) => x.host === host.host && x.volume_group === 'rootvg');
      expect(row, host.host).toBeDefined();
      expect(row?.state, host.host).toBe(host.state);
      expect(row?.verdict, host.host).toBe(host.verdict ?? '');
      expect(row?.image_date, host.host).toBe(host.lastImage ?? '');
      expect(row?.restore_tested_at, host.host).toBe(host.restoreTest?.lastPassAt ?? '');
    }
  });

  it('deletes old images with retention', () => {
    const deleted = [...progress.matchAll(/retention: (\d+) image\(s\) deleted/g)].map((m) => Number(m[1]));
    expect(deleted.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('leaves a store that status reads as the last run ended', () => {
    const r = runCli(['status', '--data', data, '--json']);
    const hosts = (JSON.parse(r.stdout) as { hosts: { host: string; state: string; verdict: string }[] })
      .hosts;
    const summary = stdout.slice(stdout.lastIndexOf('HOST'));
    for (const row of summary.split('\n').slice(1)) {
      const [host, verdict, outcome] = row.trim().split(/\s+/);
      if (!host || !verdict || verdict.length > 4) continue;
      const seen = hosts.find((h) => h.host === host);
      // A host that did not back up this week shows its last image, and is stale or failing.
      if (outcome === 'verified') expect(seen?.verdict, host).toBe(verdict);
      else expect(['stale', 'fail'], host).toContain(seen?.state);
    }
  });

  it('leaves a history of aixprd02 that shows its drop (retention keeps the last three weeks)', () => {
    const prd02 = runCli(['history', 'aixprd02', '--data', data]);
    expect(prd02.status).toBe(0);
    expect(prd02.stdout).toMatch(/WARN.*SIZE_DROP/);
  });

  it('gives a report that Chromium renders with one chart per host and the anomalies named', async () => {
    const out = join(data, 'report.html');
    const r = runCli(['report', '--data', data, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${out}`);
      const charts = await page.locator('svg[role="img"]').count();
      expect(charts).toBeGreaterThanOrEqual(10);
      const text = await page.locator('body').innerText();
      for (const code of ['HOST_UNREACHABLE', 'SIZE_DROP']) expect(text).toContain(code);
      await page.screenshot({ path: join(data, 'report.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("stores real archives: aixprd01's image lists image.data, bosinst.data, the boot files and 100+ entries", () => {
    const r = runCli(['image', 'toc', '--host', 'aixprd01', '--data', data, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const toc = JSON.parse(r.stdout) as {
      from: string;
      entries: { path: string; type: string; size: number }[];
    };
    const paths = new Set(toc.entries.map((e) => e.path));
    for (const path of [
      './image.data',
      './bosinst.data',
      './usr/lib/boot/unix_64',
      './sbin/rc.boot',
      './etc/inittab',
    ])
      expect(paths.has(path), path).toBe(true);
    expect(toc.entries.length).toBeGreaterThanOrEqual(100);
    expect(toc.from).toBe('index');
  });

  it.each([
    ['./etc/hosts', 'etc/hosts'],
    ['./image.data', 'image.data'],
  ])(
    'restore-file gives back %s of the newest image byte for byte as the simulated LPAR has it',
    (path, onHost) => {
      const r = runCli(['restore-file', 'aixprd01', path, '--data', data]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(readFileSync(join(data, 'lpars', 'hosts', 'aixprd01', onHost), 'utf8'));
      expect(r.stderr).toMatch(/read \d+ bytes of the \d+-byte image/);
    },
  );

  it("diff names what made aixprd02's image shrink, and so does its SIZE_DROP alert", () => {
    const r = runCli(['diff', 'aixprd02', '--data', data, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const diff = JSON.parse(r.stdout) as { topContributors: { path: string; change: string }[] };
    expect(diff.topContributors[0]).toMatchObject({ path: '/home/oracle', change: 'removed' });
    const drop = readFileSync(join(data, 'alerts.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"code":"SIZE_DROP"') && line.includes('"host":"aixprd02"'))
      .map((line) => JSON.parse(line) as { message: string });
    expect(drop.length).toBeGreaterThan(0);
    expect(drop.at(-1)?.message).toMatch(/-10\.0 MB \/home\/oracle \(directory removed/);
  });

  it('re-reads the stored image and finds it sound, then FAILs it CHECKSUM_MISMATCH once one stored byte changes', () => {
    const sound = runCli(['image', 'verify', '--host', 'aixprd01', '--data', data, '--json']);
    expect(sound.status, sound.stdout).toBe(0);
    const key = (JSON.parse(sound.stdout) as { image: string }).image.replace(/^s3:\/\/[^/]+\//, '');
    // The local store keeps each object as a file: change one byte of the image in the middle.
    const file = join(data, 'store', 'mksysb-vault-local', `${key}._S3rver_object`);
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length / 2);
    bytes.writeUInt8((bytes[at] ?? 0) ^ 0x01, at);
    writeFileSync(file, bytes);
    const damaged = runCli(['image', 'verify', '--host', 'aixprd01', '--data', data, '--json']);
    expect(damaged.status).toBe(2);
    const codes = (JSON.parse(damaged.stdout) as { anomalies: { code: string }[] }).anomalies.map(
      (a) => a.code,
    );
    expect(codes).toContain('CHECKSUM_MISMATCH');
  });
});
