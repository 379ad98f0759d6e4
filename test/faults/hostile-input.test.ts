// Hostile and bad input (issue 7): each is refused with an error that names what is wrong and where,
// and leaves nothing behind — no file written, no command run, no object in the store. Names with
// shell metacharacters are followed all the way: the deploy config refuses them, the SSM documents'
// allowedPatterns refuse them, and the real host scripts, run under ksh93 and dash, refuse them
// without executing them (a canary file that any execution would create stays absent). A tampered
// manifest is followed to see what the transfer does with it; it is recorded as a gap, not hidden.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitCommand } from '../../lambdas/await-command/await-command.js';
import { completeUpload } from '../../lambdas/complete-upload/complete-upload.js';
import { FleetError, parseFleetParameters } from '../../lambdas/core/fleet.js';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { MAX_LOGICAL_VOLUMES, parseLsmksysb } from '../../lambdas/core/lsmksysb.js';
import { classifyMksysbLog } from '../../lambdas/core/mksysb-log.js';
import { VerificationPolicySchema } from '../../lambdas/core/policy.js';
import { parseManifest } from '../../lambdas/core/upload-manifest.js';
import { judgeImage } from '../../lambdas/core/verdict.js';
import { checkFreshness } from '../../lambdas/freshness/freshness.js';
import { loadFleet } from '../../lambdas/load-fleet/load-fleet.js';
import { notify } from '../../lambdas/notify/notify.js';
import { prepareUpload } from '../../lambdas/prepare-upload/prepare-upload.js';
import { recordFailure } from '../../lambdas/record-failure/record-failure.js';
import { applyRetention } from '../../lambdas/retention/retention.js';
import { writeRunReport } from '../../lambdas/run-report/run-report.js';
import { verifyImage } from '../../lambdas/verify/verify.js';
import { ConfigError, loadDeployConfig, parseDeployConfig } from '../../lib/config.js';
import { documentContent, HOST_EXIT_CODES, HOST_STEPS } from '../../lib/host-scripts/index.js';
import { synthesizeLocalStack } from '../../lib/local/pipeline.js';
import { runCommandLocally } from '../../lib/local/ssm-run-command.js';
import { LocalWorkflow } from '../../lib/local/workflow-runner.js';
import { createSimulatedFleet } from '../../lib/sim-lpar/index.js';
import {
  fleetOf,
  runOnHost,
  runOnHostAsync,
  runOnRelay,
  SHELLS,
  SMALL_HOST,
  tempDir,
  writeScripts,
} from '../host-scripts/harness.js';
import { editManifest, prepareImageUpload, type UploadTarget } from '../host-scripts/s3-upload.js';
import { startTestStore, type TestStore } from '../support/local-store.js';
import { recordOutcome } from './outcomes.js';

const MiB = 1024 * 1024;
const HOST = { host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0' };

/** Every file under `dir` with its size and mtime: what "nothing changed" is checked against. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const s = statSync(path);
      if (s.isDirectory()) walk(path);
      else out.push(`${relative(dir, path)} ${s.size} ${s.mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

/** The ConfigError message of a config file holding `value`; fails the test if it loads. */
function configErrorOf(value: unknown): { message: string; before: string[]; after: string[] } {
  const dir = tempDir('mvhostile-config');
  writeFileSync(join(dir, 'vault.json'), JSON.stringify(value));
  const before = snapshot(dir);
  try {
    loadDeployConfig('vault.json', dir);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { message: (error as Error).message, before, after: snapshot(dir) };
  }
  throw new Error('expected a ConfigError');
}

// Names that would do something if they ever reached a shell unquoted. The newline ones matter most:
// a regex anchored with `$` in some engines (Java's, which SSM may use) lets a trailing newline through.
const HOSTILE_NAMES = ['aix;rm -rf /', '$(reboot)', '`reboot`', 'aix 01', 'aix01\n', 'aix01\nreboot'];

describe('a hostile deploy config is refused with every bad field named, and changes nothing', () => {
  it('names unknown keys at the top level, in a section and in a host', () => {
    const { message, before, after } = configErrorOf({
      fleet: [{ ...HOST, vgs: ['datavg'] }],
      shedule: {},
      transfer: { partSize: 64 },
    });
    expect(message).toMatch(/^vault\.json: invalid config$/m);
    expect(message).toMatch(/^\(top level\): Unrecognized key: "shedule"$/m);
    expect(message).toMatch(/^transfer: Unrecognized key: "partSize"$/m);
    expect(message).toMatch(/^fleet\[0\]: Unrecognized key: "vgs"$/m);
    expect(after).toEqual(before);
    recordOutcome({
      fault: 'config: unknown keys (top level, section, host)',
      expected: 'ConfigError naming each key and its path; no file written',
      observed: 'ConfigError: (top level) "shedule", transfer "partSize", fleet[0] "vgs"; dir unchanged',
      imagesLost: 0,
      ok: true,
    });
  });

  it('names fields of the wrong type', () => {
    const { message, after, before } = configErrorOf({
      fleet: [{ ...HOST, enabled: 'yes', volumeGroups: 'datavg' }],
      transfer: { partSizeMiB: '64' },
      workflow: { maxConcurrency: 2.5 },
      alerts: { emails: 'oncall@example.com' },
    });
    for (const path of [
      'fleet\\[0\\]\\.enabled',
      'fleet\\[0\\]\\.volumeGroups',
      'transfer\\.partSizeMiB',
      'workflow\\.maxConcurrency',
      'alerts\\.emails',
    ])
      expect(message).toMatch(new RegExp(`^${path}: `, 'm'));
    expect(after).toEqual(before);
    recordOutcome({
      fault: 'config: wrong types (string for number, array, boolean; 2.5 hosts)',
      expected: 'ConfigError naming every bad field by path',
      observed: 'ConfigError names all 5 fields (fleet[0].enabled, transfer.partSizeMiB, …)',
      imagesLost: 0,
      ok: true,
    });
  });

  it('names a duplicate host with where it was first listed', () => {
    const { message } = configErrorOf({ fleet: [HOST, { ...HOST, address: '10.0.0.9' }, HOST] });
    expect(message).toMatch(/^fleet\[1\]\.host: host "aixprd01" is listed twice \(also at fleet\[0\]\)$/m);
    expect(message).toMatch(/^fleet\[2\]\.host: host "aixprd01" is listed twice \(also at fleet\[0\]\)$/m);
    recordOutcome({
      fault: 'config: duplicate host (3 entries of aixprd01)',
      expected: 'ConfigError naming each duplicate and the first entry',
      observed: 'fleet[1].host and fleet[2].host: listed twice (also at fleet[0])',
      imagesLost: 0,
      ok: true,
    });
  });

  it('refuses host and volume group names with shell metacharacters, spaces or newlines', () => {
    for (const name of HOSTILE_NAMES) {
      expect(configErrorOf({ fleet: [{ ...HOST, host: name }] }).message, JSON.stringify(name)).toMatch(
        /^fleet\[0\]\.host: not an AIX host name/m,
      );
      expect(
        configErrorOf({ fleet: [{ ...HOST, volumeGroups: ['datavg', name] }] }).message,
        JSON.stringify(name),
      ).toMatch(/^fleet\[0\]\.volumeGroups\[1\]: not an AIX volume group name/m);
    }
    recordOutcome({
      fault: `config: host/VG names ${HOSTILE_NAMES.map((n) => JSON.stringify(n)).join(' ')}`,
      expected: 'ConfigError at fleet[i].host / fleet[i].volumeGroups[j]',
      observed: `all ${HOSTILE_NAMES.length * 2} refused with the field's path`,
      imagesLost: 0,
      ok: true,
    });
  });
});

describe('a hostile host added in Parameter Store (no redeploy) is refused by load-fleet', () => {
  it('names the parameter, the host and the field, and starts nothing', () => {
    for (const name of HOSTILE_NAMES) {
      const error = (() => {
        try {
          parseFleetParameters([
            { name: '/mksysb-vault/fleet/part-0001', value: JSON.stringify([HOST]) },
            { name: '/mksysb-vault/fleet/evil', value: JSON.stringify({ ...HOST, host: name }) },
          ]);
        } catch (e) {
          return e as Error;
        }
        throw new Error(`parseFleetParameters accepted ${JSON.stringify(name)}`);
      })();
      expect(error).toBeInstanceOf(FleetError);
      expect(error.message).toContain(
        `/mksysb-vault/fleet/evil (host ${JSON.stringify(name)}) field host: not an AIX host name`,
      );
    }
    recordOutcome({
      fault: 'fleet parameter put by hand with a hostile host name',
      expected: 'load-fleet refuses it, naming the parameter, host and field',
      observed: `${HOSTILE_NAMES.length} of ${HOSTILE_NAMES.length}: FleetError "/mksysb-vault/fleet/evil (host …) field host: not an AIX host name"`,
      imagesLost: 0,
      ok: true,
    });
  });
});

describe('a hostile name cannot reach a shell', () => {
  const scripts = writeScripts(tempDir('mvhostile-scripts'));
  const canaryDir = tempDir('mvhostile-canary');
  const canary = join(canaryDir, 'PWNED');
  // Each would create the canary if any shell evaluated it.
  const payloads = [
    `a;touch ${canary}`,
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    `a|touch ${canary}`,
    `lpar01 ${canary}`,
    `lpar01\ntouch ${canary}`,
    `lpar01'; touch ${canary}; '`,
    // Passes an allowedPattern whose `$` matches before a final newline (Java's): the script must refuse it.
    'lpar01\n',
  ];

  it('is refused by every SSM document’s allowedPattern before a shell starts', async () => {
    let refused = 0;
    for (const step of HOST_STEPS) {
      const document = documentContent(step);
      const fields = step === 'transfer' ? ['host'] : ['host', 'volumeGroups'];
      for (const field of fields)
        for (const payload of payloads) {
          await expect(
            runCommandLocally({
              document,
              parameters: { host: 'lpar01', staging: '/mksysb', [field]: payload },
            }),
            `${step}.${field} = ${JSON.stringify(payload)}`,
          ).rejects.toThrow(new RegExp(`parameter "${field}" value .* fails its allowedPattern`));
          refused += 1;
        }
    }
    expect(existsSync(canary)).toBe(false);
    recordOutcome({
      fault: 'SSM parameters host/volumeGroups with ; $() `` | space newline quote',
      expected: 'refused by allowedPattern; nothing runs',
      observed: `${refused} of ${refused} refused (DocumentParameterError names the parameter); canary absent`,
      imagesLost: 0,
      ok: true,
    });
  });

  describe.each(SHELLS)('the real host scripts under %s', (shell) => {
    it('preflight and backup refuse a hostile host or volume group name as invalid, running nothing', () => {
      const fleet = fleetOf([SMALL_HOST]);
      const staging = fleet.stagingDir('lpar01');
      const before = snapshot(fleet.dir);
      const outcomes: string[] = [];
      for (const step of ['preflight', 'backup'] as const)
        for (const field of ['host', 'volumeGroups'] as const)
          for (const payload of payloads) {
            const args = {
              host: 'lpar01',
              staging,
              date: '2026-11-23',
              volumeGroups: '',
              [field]: field === 'volumeGroups' ? `datavg,${payload}` : payload,
            };
            const argv = Object.entries(args)
              .filter(([k]) => step === 'backup' || k !== 'date')
              .map(([k, v]) => `${k}=${v}`);
            const r = runOnHost(shell, scripts[step], fleet, 'lpar01', argv);
            const out = parseHostOutput(r.stdout, step);
            expect(r.code, `${step} ${field}=${JSON.stringify(payload)}`).toBe(HOST_EXIT_CODES.invalid);
            expect(out).toMatchObject({ status: 'invalid', reason: `invalid_argument:${field}` });
            outcomes.push(out.reason ?? '');
          }
      expect(existsSync(canary)).toBe(false);
      expect(readdirSync(staging)).toEqual([]);
      expect(snapshot(fleet.dir)).toEqual(before);
      recordOutcome({
        fault: `${shell}: preflight.sh/backup.sh with hostile host= / volumeGroups=`,
        expected: 'exit 2, reason invalid_argument:<field>; no file touched, nothing executed',
        observed: `${outcomes.length} runs: all exit 2 invalid_argument:host|volumeGroups; canary absent; fleet dir unchanged`,
        imagesLost: 0,
        ok: true,
      });
    });

    it('through the relay and ssh, the LPAR’s step still refuses the name and nothing runs on either side', () => {
      const fleet = fleetOf([SMALL_HOST]);
      const staging = fleet.stagingDir('lpar01');
      const relayBackup = (host: string) =>
        runOnRelay(shell, scripts.relay, fleet, 'lpar01', [
          'step=backup',
          `script=${scripts.backup}`,
          'address=lpar01',
          `knownHostsPath=${fleet.knownHostsPath}`,
          '--',
          `host=${host}`,
          `staging=${staging}`,
          'date=2026-11-23',
        ]);
      const injections = payloads.filter((p) => p !== 'lpar01\n');
      for (const payload of injections) {
        const r = relayBackup(payload);
        expect(r.code, JSON.stringify(payload)).toBe(HOST_EXIT_CODES.invalid);
        expect(parseHostOutput(r.stdout, 'backup')).toMatchObject({
          status: 'invalid',
          reason: 'invalid_argument:host',
        });
      }
      expect(existsSync(canary)).toBe(false);
      expect(readdirSync(staging)).toEqual([]);
      recordOutcome({
        fault: `${shell}: relay.sh → ssh → backup.sh with a hostile host=`,
        expected: 'quoted across ssh, refused by the step on the LPAR',
        observed: `${injections.length} runs: exit 2 invalid_argument:host; canary absent; staging empty`,
        imagesLost: 0,
        ok: true,
      });

      // A trailing newline survives relay.sh's quoting (quote_word keeps what $(…) would drop), so
      // the LPAR's step sees the value as given and refuses it, as when it is run directly.
      const r = relayBackup('lpar01\n');
      expect(r.code).toBe(HOST_EXIT_CODES.invalid);
      expect(parseHostOutput(r.stdout, 'backup').reason).toBe('invalid_argument:host');
      expect(readdirSync(staging)).toEqual([]);
      expect(existsSync(canary)).toBe(false);
      recordOutcome({
        fault: `${shell}: relay.sh → ssh → backup.sh with host="lpar01\\n"`,
        expected: 'refused as invalid, like the step refuses it when run directly',
        observed: 'exit 2 invalid_argument:host; staging empty; nothing injected',
        imagesLost: 0,
        ok: true,
      });
    });
  });
});

describe('a huge or binary lsmksysb listing or log gives a clear error or a bounded result', () => {
  const dir = tempDir('mvhostile-verify');
  const header = [
    'VOLUME GROUP:           rootvg',
    'BACKUP DATE/TIME:       Mon Nov 23 02:05:00 UTC 2026',
    'BACKUP OSLEVEL:         7.2.5.0',
    '',
    'rootvg:',
    'LV NAME             TYPE       LPs     PPs     PVs  LV STATE      MOUNT POINT',
    'hd5                 boot       1       1       1    closed/syncd  N/A',
    'hd4                 jfs2       106     106     1    open/syncd    /',
  ].join('\n');
  const files = {
    junk: join(dir, 'junk-10mb.lsmksysb'),
    rows: join(dir, 'rows-10mb.lsmksysb'),
    binary: join(dir, 'binary-10mb.bin'),
    log: join(dir, 'warnings-10mb.log'),
    good: join(dir, 'good.lsmksysb'),
  };
  const tenMiB = (line: string) => line.repeat(Math.ceil((10 * MiB) / line.length));
  beforeAll(() => {
    writeFileSync(files.junk, `${header}\n${tenMiB('garbage that lsmksysb never prints\n')}`);
    writeFileSync(files.rows, `${header}\n${tenMiB('lv00 jfs2 1 1 1 open/syncd /x\n')}`);
    writeFileSync(files.binary, randomBytes(10 * MiB));
    // A real failure mode: mksysb warns once per file that changed while it was read.
    writeFileSync(
      files.log,
      `${tenMiB('0511-551 mksysb: ./var/log/app.log changed while being backed up\n')}0512-038 mksysb: Backup Completed Successfully.\n`,
    );
    writeFileSync(files.good, `${header}\n`);
  });

  it('parses each 10 MB file to an error or a result of bounded size', () => {
    const text = (f: string) => readFileSync(f, 'latin1');
    const junk = parseLsmksysb(text(files.junk), 'junk.lsmksysb');
    const rows = parseLsmksysb(text(files.rows), 'rows.lsmksysb');
    const binary = parseLsmksysb(text(files.binary), 'binary.bin');
    const log = classifyMksysbLog(text(files.log));
    expect(binary).toEqual({
      ok: false,
      found: null,
      problems: ['binary.bin: contains binary data, not lsmksysb text'],
    });
    expect(rows.ok).toBe(false);
    if (!rows.ok)
      expect(rows.problems.join('\n')).toMatch(
        new RegExp(
          `^rows\\.lsmksysb: the logical-volume table has \\d{6} rows; a volume group holds at most ${MAX_LOGICAL_VOLUMES}$`,
          'm',
        ),
      );
    expect(junk.ok).toBe(false);
    const sizes = [junk, rows, binary].map((r) => JSON.stringify(r).length);
    for (const size of sizes) expect(size).toBeLessThan(512 * 1024);
    expect(log.outcome).toBe('warning');
    expect(log.reasons).toHaveLength(1);
    expect(log.reasons[0]).toMatch(/^0511-551: .* \(and \d+ more lines with 0511-551\)$/);
    // What goes to the state machine and SNS: the anomaly of the judgement.
    const judged = judgeImage(
      {
        host: 'aixprd01',
        kind: 'mksysb',
        volumeGroup: 'rootvg',
        date: '2026-11-23',
        sizeBytes: 2 * 1024 ** 3,
        lsmksysbText: text(files.good),
        logText: text(files.log),
        tocFileCount: null,
        osLevel: null,
      },
      [],
      VerificationPolicySchema.parse({}),
    );
    const anomalyBytes = JSON.stringify(judged.anomalies).length;
    expect(anomalyBytes).toBeLessThan(16 * 1024);
    recordOutcome({
      fault: '10 MB lsmksysb (junk, 338k LV rows, random bytes) and 10 MB log of 0511-551 warnings',
      expected: 'clear parse error or a bounded result; anomalies fit a 256 KB state payload',
      observed: `errors: junk, ${MAX_LOGICAL_VOLUMES}+ LV rows, binary; results ≤ ${Math.max(...sizes)} B; log → 1 reason, anomalies ${anomalyBytes} B`,
      imagesLost: 0,
      ok: true,
    });
  });

  it('mksysb-vault verify answers each 10 MB file with FAIL or a usage error, with bounded output', async () => {
    const pending = [
      ['--lsmksysb', files.junk],
      ['--lsmksysb', files.rows],
      ['--lsmksysb', files.binary],
      ['--lsmksysb', files.good, '--log', files.log],
      ['--lsmksysb', files.good, '--log', files.binary],
      ['--lsmksysb', files.good, '--history', files.binary],
      ['--lsmksysb', files.good, '--policy', files.binary],
    ].map(
      (args) =>
        new Promise<{
          args: string;
          status: number | null;
          signal: string | null;
          stdout: string;
          stderr: string;
        }>((resolve) => {
          execFile(
            'node',
            ['bin/mksysb-vault.mjs', 'verify', ...args],
            { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * MiB },
            (error, stdout, stderr) =>
              resolve({
                args: args.map((a) => a.replace(`${dir}/`, '')).join(' '),
                status: error ? (typeof error.code === 'number' ? error.code : null) : 0,
                signal: error?.signal ?? null,
                stdout,
                stderr,
              }),
          );
        }),
    );
    const runs = await Promise.all(pending);
    for (const r of runs) {
      expect(r.signal, r.args).toBeNull();
      expect(r.stderr, r.args).not.toMatch(/at .*\.ts:\d+|RangeError|heap out of memory/);
      expect(r.stdout.length + r.stderr.length, r.args).toBeLessThan(16 * 1024);
    }
    // The three listings and the binary log are FAIL (2); JSON files that are not JSON are usage errors (64).
    expect(runs.map((r) => r.status)).toEqual([2, 2, 2, 1, 2, 64, 64]);
    expect(runs[2]?.stdout).toMatch(/contains binary data, not lsmksysb text/);
    expect(runs[5]?.stderr).toMatch(/binary-10mb\.bin/);
    expect(runs[6]?.stderr).toMatch(/binary-10mb\.bin/);
    recordOutcome({
      fault: 'mksysb-vault verify fed 10 MB junk / binary as listing, log, history, policy',
      expected: 'FAIL verdict or usage error naming the file; no crash, no hang, short output',
      observed: `exit ${runs.map((r) => r.status).join(',')}; longest output ${Math.max(...runs.map((r) => r.stdout.length + r.stderr.length))} chars`,
      imagesLost: 0,
      ok: true,
    });
  });
});

describe('a tampered upload manifest', () => {
  let local: TestStore;
  let store: UploadTarget;
  const received: { method: string; url: string; bytes: number }[] = [];
  let elsewhere: ReturnType<typeof createServer>;
  let elsewhereUrl: string;
  beforeAll(async () => {
    local = await startTestStore();
    store = { client: local.client(), bucket: local.bucket };
    elsewhere = createServer((req: IncomingMessage, res) => {
      let bytes = 0;
      req.on('data', (d: Buffer) => {
        bytes += d.length;
      });
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', bytes });
        res.writeHead(200, { ETag: '"stolen"' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    elsewhere?.close();
    await local?.close();
  });

  it('parseManifest refuses part URLs for another host, bucket or scheme, naming the part', async () => {
    const upload = await prepareImageUpload(store, { host: 'lpar01', date: '2026-11-02', sizeBytes: MiB });
    const text = await (await fetch(upload.manifestUrl)).text();
    const tampered = text.replace(
      /^(1 0 \d+ )\S+$/m,
      `$1ftp://evil.example/${store.bucket}-other/x?partNumber=1`,
    );
    expect(tampered).not.toBe(text);
    expect(() => parseManifest(tampered, upload.manifestKey)).toThrow(
      `${upload.manifestKey}: part 1 URL is ftp://evil.example, not https`,
    );
    recordOutcome({
      fault: 'manifest part URL → ftp://evil.example/<other bucket> (parseManifest)',
      expected: 'refused: URL not for this bucket/key/host or not https',
      observed: 'ManifestError: part 1 URL is ftp://evil.example, not https',
      imagesLost: 0,
      ok: true,
    });
  });

  it('transfer.sh refuses a manifest whose part URL goes to another host: no byte leaves', async () => {
    const fleet = fleetOf([SMALL_HOST]);
    const date = '2026-11-09';
    const image = join(fleet.stagingDir('lpar01'), `lpar01_mksysb_${date}`);
    writeFileSync(image, randomBytes(MiB));
    const upload = await prepareImageUpload(store, { host: 'lpar01', date, sizeBytes: MiB });
    await editManifest(store, upload, (m) => ({
      ...m,
      parts: m.parts.map((p) => ({ ...p, url: p.url.replace(/^http:\/\/[^/]+/, elsewhereUrl) })),
    }));
    const r = await runOnHostAsync(
      'dash',
      writeScripts(tempDir('mvhostile-xfer')).transfer,
      fleet,
      'lpar01',
      [
        'mode=direct',
        'host=lpar01',
        `imagePath=${image}`,
        `manifestUrl=${upload.manifestUrl}`,
        'retryDelaySeconds=0',
      ],
    );
    const out = parseHostOutput(r.stdout, 'transfer');
    const stolen = received.filter((x) => x.method === 'PUT');
    expect(stolen).toEqual([]);
    expect(out.status).toBe('failed');
    expect(out.reason).toBe('manifest_url_elsewhere:part_1');
    recordOutcome({
      fault: 'manifest part URL → another host (transfer.sh, direct mode)',
      expected: 'transfer refuses the URL; no byte leaves for another host',
      observed: `status=${out.status} reason=${out.reason}; ${stolen.length} PUT received elsewhere`,
      imagesLost: 0,
      ok: true,
    });
  });

  it('transfer.sh refuses a manifest URL that is not http(s) or carries shell metacharacters', async () => {
    const fleet = fleetOf([SMALL_HOST]);
    const image = join(fleet.stagingDir('lpar01'), 'lpar01_mksysb_2026-11-16');
    writeFileSync(image, 'x');
    const scripts = writeScripts(tempDir('mvhostile-xfer2'));
    const bad = ['file:///etc/passwd', 'ftp://example.com/m', "http://x/'$(id)'", 'http://x/a b'];
    for (const url of bad) {
      const r = await runOnHostAsync('dash', scripts.transfer, fleet, 'lpar01', [
        'mode=direct',
        'host=lpar01',
        `imagePath=${image}`,
        `manifestUrl=${url}`,
      ]);
      expect(r.code, url).toBe(HOST_EXIT_CODES.invalid);
      expect(parseHostOutput(r.stdout, 'transfer').reason).toBe('invalid_argument:manifestUrl');
    }
    recordOutcome({
      fault: 'transfer manifestUrl file:// ftp:// quote space',
      expected: 'invalid_argument:manifestUrl, nothing fetched',
      observed: `${bad.length} of ${bad.length} refused (exit 2); http:// is accepted (local store uses it)`,
      imagesLost: 0,
      ok: true,
    });
  });
});

describe('execution input that is not the schema', () => {
  /** Deps whose every use is recorded: a handler that refuses its input must touch none of them. */
  function untouchedDeps(): { deps: never; touched: string[] } {
    const touched: string[] = [];
    const deps = new Proxy(
      {},
      {
        get: (_target, property) => {
          // Reading the clock is no side effect (verify notes its start time first).
          if (property === 'now') return () => new Date('2026-11-23T02:01:00Z');
          touched.push(String(property));
          return undefined;
        },
      },
    );
    return { deps: deps as never, touched };
  }

  const cases: [string, (event: unknown, deps: never) => Promise<unknown>, unknown, RegExp][] = [
    [
      'load-fleet',
      loadFleet,
      { executionName: 7, startTime: 'soon' },
      /load-fleet input is invalid: executionName: .*startTime: not an ISO date/,
    ],
    [
      'load-fleet host',
      loadFleet,
      { action: 'host', host: '$(reboot)', runId: 'r', date: 'x' },
      /load-fleet host input \(host \$\(reboot\)\) is invalid: host: /,
    ],
    [
      'await-command',
      awaitCommand,
      { host: 'aixprd01', step: 'reboot', commandId: 'c', instanceId: 'i', expectedSeconds: 1 },
      /await-command input \(host aixprd01\) is invalid: step: /,
    ],
    [
      'prepare-upload',
      prepareUpload,
      { runId: 'run-1', host: 'aixprd01', kind: 'mksysb', date: '2026-11-23', sizeBytes: 'big', sha256: 'x' },
      /prepare-upload input \(host aixprd01\) is invalid: sizeBytes: .*; sha256: not a SHA-256/,
    ],
    [
      'complete-upload',
      completeUpload,
      { host: 'aixprd01', runId: 'run-1', key: '../etc/passwd' },
      /complete-upload input \(host aixprd01\) is invalid: /,
    ],
    [
      'verify',
      verifyImage,
      {
        runId: 'run-1',
        host: 'aixprd01',
        kind: 'mksysb',
        date: '2026-11-23',
        key: '/etc/shadow',
        sizeBytes: -1,
      },
      /verify input \(host aixprd01\) is invalid: key: .*sizeBytes: /,
    ],
    [
      'record-failure',
      recordFailure,
      { host: 'aixprd01', runId: 'run-1', date: '2026-11-23', error: 'boom' },
      /record-failure input \(host aixprd01\) is invalid: error: /,
    ],
    [
      'notify',
      notify,
      { kind: 'host', host: 'aix 01', runId: 'run-1', date: '2026-11-23' },
      /notify input \(host aix 01\) is invalid: host: /,
    ],
    [
      'retention',
      applyRetention,
      { hosts: 'x', dryRun: 'no' },
      /retention input is invalid: hosts: .*dryRun: /,
    ],
    [
      'run-report',
      writeRunReport,
      { runId: 'run-1', date: '2026-11-23', week: 'W48', results: 'x' },
      /run-report input is invalid: week: a day YYYY-MM-DD; results: /,
    ],
    ['freshness', checkFreshness, { hosts: 'x' }, /freshness input is invalid: hosts: /],
  ];

  it('each handler’s logic refuses garbage with an InputError naming the field, and calls nothing', async () => {
    const seen: string[] = [];
    for (const [name, handler, input, expected] of cases) {
      const { deps, touched } = untouchedDeps();
      const error = await handler(input, deps).then(
        () => new Error(`${name}: accepted garbage`),
        (e: unknown) => e as Error,
      );
      expect(error.name, name).toBe('InputError');
      expect(error.message, name).toMatch(expected);
      expect(touched, `${name} used its clients before refusing its input`).toEqual([]);
      seen.push(name);
    }
    recordOutcome({
      fault: `garbage input to each handler (${seen.length}: ${seen.join(', ')})`,
      expected: 'InputError naming the field (and host); no client called',
      observed: `${seen.length} of ${cases.length} InputError with field path; deps untouched`,
      imagesLost: 0,
      ok: true,
    });
  });

  it('the weekly state machine started with {hosts: "x"} fails at load-fleet naming request.hosts, and changes nothing', async () => {
    const dir = tempDir('mvhostile-wf');
    const sim = createSimulatedFleet(dir, [{ host: 'aixprd01', sizeBytes: 2 * MiB }]);
    const fleet = [{ ...HOST, knownHostsPath: sim.knownHostsPath, expectedSizeBytes: 2 * MiB }];
    const config = parseDeployConfig(
      { fleet, verification: { absoluteFloorBytes: MiB }, transfer: { partSizeMiB: 8 } },
      'hostile input test config',
    );
    const wfStore = await startTestStore();
    try {
      const list = async () =>
        (await wfStore.client().send(new ListObjectsV2Command({ Bucket: wfStore.bucket }))).Contents?.map(
          (o) => o.Key,
        ) ?? [];
      const before = await list();
      const workflow = new LocalWorkflow({
        template: synthesizeLocalStack(config),
        store: wfStore,
        simFleetDir: dir,
        fleet,
      });
      const error = await workflow
        .runWeekly({ date: '2026-11-23T02:01:00.000Z', input: { hosts: 'x' } })
        .then(
          () => new Error('the weekly run accepted {hosts: "x"}'),
          (e: unknown) => e as Error,
        );
      expect(error.message).toMatch(/^local weekly execution .* failed: /);
      expect(error.message).toMatch(/InputError/);
      expect(error.message).toMatch(/load-fleet input is invalid: request\.hosts: /);
      expect(workflow.ssm.commands).toEqual([]);
      expect(workflow.sns.messages).toEqual([]);
      expect(await list()).toEqual(before);
      recordOutcome({
        fault: 'weekly execution input {hosts: "x"} (LocalWorkflow)',
        expected: 'execution fails at load-fleet naming request.hosts; no command, no object, no alert',
        observed:
          'FAILED: InputError "load-fleet input is invalid: request.hosts: …"; 0 commands, store unchanged',
        imagesLost: 0,
        ok: true,
      });
    } finally {
      await wfStore.close();
    }
  });
});
