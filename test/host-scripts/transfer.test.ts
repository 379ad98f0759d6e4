// The transfer step under ksh93 and dash, against the local S3 server through real presigned
// multipart URLs made by prepare-upload's logic and finished by complete-upload's. The scripts run
// asynchronously: the S3 server lives in this process, and a blocking spawn would starve it.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { documentContent, HOST_EXIT_CODES } from '../../lib/host-scripts/index.js';
import { type LocalS3, startLocalS3 } from '../../lib/local/s3-server.js';
import { runCommandLocally } from '../../lib/local/ssm-run-command.js';
import {
  type HostProfileInput,
  type SimulatedFleet,
  setHostProfile,
  simEnv,
} from '../../lib/sim-lpar/index.js';
import {
  fleetOf,
  runOnHostAsync,
  runOnRelayAsync,
  SHELLS,
  SMALL_HOST,
  tempDir,
  writeScripts,
} from './harness.js';
import {
  completeImageUpload,
  editManifest,
  objectBytes,
  type PartWatch,
  type PreparedUpload,
  prepareImageUpload,
  startPartWatch,
} from './s3-upload.js';

const MiB = 1024 * 1024;
const IMAGE_SIZE = 20 * MiB + 12_345; // three 8 MiB parts, the last one short
const scripts = writeScripts(tempDir('mvxfer'));
let s3: LocalS3;
let store: PartWatch;
beforeAll(async () => {
  s3 = await startLocalS3({ directory: tempDir('mvs3') });
  store = await startPartWatch(s3.endpoint, s3.bucket);
});
afterAll(async () => {
  await store?.close();
  await s3?.close();
});
beforeEach(() => store.reset());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// Each upload gets a day of its own, so each has its own image key.
let day = 0;
function nextDate(): string {
  day += 1;
  return new Date(Date.UTC(2025, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
}

interface Staged {
  readonly fleet: SimulatedFleet;
  readonly image: string;
  readonly bytes: Buffer;
  readonly upload: PreparedUpload;
}

/**
 * The part MD5 sidecar backup.sh writes beside an image (part-md5.sh write_part_md5s; the backup tests
 * check it writes exactly this), here of `bytes`, which a test may make differ from the image.
 */
function writePartMd5s(image: string, bytes: Buffer, partSize = 8 * MiB): void {
  const lines = [
    `# mksysb-vault part md5 v1 size=${bytes.length} partSize=${partSize} parts=${Math.ceil(bytes.length / partSize)}`,
  ];
  for (let at = 0, n = 1; at < bytes.length; at += partSize, n += 1) {
    const md5 = createHash('md5')
      .update(bytes.subarray(at, at + partSize))
      .digest();
    lines.push(`${n} ${md5.toString('hex')} ${md5.toString('base64')}`);
  }
  writeFileSync(`${image}.partmd5`, `${lines.join('\n')}\n`);
}

/**
 * A host with a backed-up image of random bytes (a part out of place changes the hash) and its
 * upload; with `partMd5s`, the part MD5 sidecar backup leaves beside it.
 */
async function staged(
  profile: HostProfileInput = SMALL_HOST,
  size = IMAGE_SIZE,
  fill: 'random' | 'zeros' = 'random',
  partMd5s = false,
): Promise<Staged> {
  const fleet = fleetOf([profile]);
  const date = nextDate();
  const image = join(fleet.stagingDir(profile.host), `${profile.host}_mksysb_${date}`);
  const bytes = fill === 'random' ? randomBytes(size) : Buffer.alloc(size);
  writeFileSync(image, bytes);
  writeFileSync(`${image}.log`, '0512-038 mksysb: Backup Completed Successfully.\n');
  writeFileSync(`${image}.lsmksysb`, 'VOLUME GROUP:           rootvg\n');
  if (partMd5s) writePartMd5s(image, bytes);
  const upload = await prepareImageUpload(store, { host: profile.host, date, sizeBytes: size });
  return { fleet, image, bytes, upload };
}

const args = (s: Staged, ...more: string[]) => [
  `host=${s.upload.host}`,
  `imagePath=${s.image}`,
  `manifestUrl=${s.upload.manifestUrl}`,
  'retryDelaySeconds=0',
  ...more,
];
const relayArgs = (s: Staged, ...more: string[]) =>
  args(s, 'mode=relay', `address=${s.upload.host}`, `knownHostsPath=${s.fleet.knownHostsPath}`, ...more);

/** How many times each part was PUT (the simulated relay's curl logs every attempt). */
function putAttempts(s: Staged, host = s.upload.host): Record<number, number> {
  const log = join(s.fleet.hostRoot(host), 'state/part-puts');
  const counts: Record<number, number> = {};
  if (!existsSync(log)) return counts;
  for (const n of readFileSync(log, 'utf8').split('\n').filter(Boolean))
    counts[Number(n)] = (counts[Number(n)] ?? 0) + 1;
  return counts;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A store of the test's own: it serves the upload's manifest with every URL in it moved to this
 * server (the transfer only sends bytes where its manifest came from), reads whatever body comes and
 * answers 200 with an ETag once it has it all. With `closeAfterManifest` it stops listening once the
 * manifest is out, so every part meets a closed port.
 */
async function startSink(
  s: Staged,
  options: {
    closeAfterManifest?: boolean;
    refuse?: { suffix: string; status: number; times: number }[];
  } = {},
): Promise<{
  staged: Staged;
  partPuts(part: number): number;
  putsTo(suffix: string): number;
  close(): Promise<void>;
}> {
  const original = new URL(s.upload.manifestUrl);
  const text = await (await fetch(s.upload.manifestUrl)).text();
  const puts: number[] = [];
  const paths: string[] = [];
  let manifest = '';
  const server = createHttpServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200);
      res.end(manifest);
      if (options.closeAfterManifest) server.close();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sink');
    const part = url.searchParams.get('partNumber');
    if (part !== null) puts.push(Number(part));
    paths.push(url.pathname);
    const refusal = options.refuse?.find(
      (r) => url.pathname.endsWith(r.suffix) && paths.filter((p) => p.endsWith(r.suffix)).length <= r.times,
    );
    req.resume();
    req.on('end', () => {
      res.writeHead(refusal ? refusal.status : 200, refusal ? {} : { ETag: '"sink"' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  manifest = text.split(original.origin).join(endpoint);
  return {
    staged: {
      ...s,
      upload: { ...s.upload, manifestUrl: s.upload.manifestUrl.replace(original.origin, endpoint) },
    },
    partPuts: (part) => puts.filter((p) => p === part).length,
    putsTo: (suffix) => paths.filter((p) => p.endsWith(suffix)).length,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A directory to put first on PATH whose `ssh`, `curl` (each logging a line, then running the
 * fleet's stand-in) and, when given, `tar` (this script) stand in front of the fleet's commands.
 */
function callCounter(
  s: Staged,
  tar?: string,
): { env: Record<string, string>; calls(command: string): number } {
  const bin = join(s.fleet.dir, 'counted');
  const log = join(bin, 'calls.log');
  mkdirSync(bin);
  for (const command of ['ssh', 'curl'])
    writeFileSync(
      join(bin, command),
      `#!/bin/sh\necho ${command} >>${log}\nexec ${join(s.fleet.dir, 'bin', command)} "$@"\n`,
      { mode: 0o755 },
    );
  if (tar) writeFileSync(join(bin, 'tar'), `#!/bin/sh\n${tar}\n`, { mode: 0o755 });
  const path = simEnv(s.fleet.dir, s.upload.host, { mode: 'direct' }).PATH;
  return {
    env: { PATH: `${bin}:${path}` },
    calls: (command) =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => l === command).length
        : 0,
  };
}

describe.each(SHELLS)('transfer under %s', (shell) => {
  /** The transfer in direct mode, with extra environment. */
  const directTransfer = (s: Staged, env?: Record<string, string>) =>
    runOnHostAsync(shell, scripts.transfer, s.fleet, 'lpar01', args(s, 'mode=direct'), env);

  it('uploads every part from the relay over ssh, parts in parallel, and the completed object equals the image', async () => {
    const s = await staged();
    store.gate(3);
    const r = await runOnRelayAsync(shell, scripts.transfer, s.fleet, 'lpar01', relayArgs(s));
    const out = parseHostOutput(r.stdout, 'transfer');
    expect(out).toMatchObject({ status: 'ok', partsTotal: 3, partsOk: 3, partsFailed: 0, partRetries: 0 });
    expect(out).toMatchObject({ bytes: IMAGE_SIZE, bytesTotal: IMAGE_SIZE, transferReport: 'uploaded' });
    expect(r.code).toBe(HOST_EXIT_CODES.ok);
    expect(store.maxInFlight()).toBe(3);
    expect(out.sidecarsOk).toEqual(['log', 'lsmksysb']);
    expect(out.sidecarsMissing).toEqual(['filesets', 'toc']);
    const done = await completeImageUpload(store, s.upload);
    expect(done).toMatchObject({ sizeBytes: IMAGE_SIZE, partCount: 3, checks: { partEtags: 'ok' } });
    expect(sha(await objectBytes(store, s.upload.key))).toBe(sha(s.bytes));
    expect((await objectBytes(store, `${s.upload.key}.log`)).toString()).toContain('0512-038');
  });

  it('fetches the sidecars in one ssh and PUTs them with the transfer report in one curl', async () => {
    const s = await staged();
    const counter = callCounter(s);
    const r = await runOnRelayAsync(shell, scripts.transfer, s.fleet, 'lpar01', relayArgs(s), counter.env);
    const out = parseHostOutput(r.stdout, 'transfer');
    expect(out).toMatchObject({ status: 'ok', partsOk: 3, transferReport: 'uploaded' });
    expect(out.sidecarsOk).toEqual(['log', 'lsmksysb']);
    expect(out.sidecarsMissing).toEqual(['filesets', 'toc']);
    // ssh: the image's listing, a read of each of the 3 parts, the sidecars. curl: the manifest, the
    // 3 parts, the sidecars and the report.
    expect(counter.calls('ssh')).toBe(5);
    expect(counter.calls('curl')).toBe(5);
    expect((await objectBytes(store, `${s.upload.key}.lsmksysb`)).toString()).toContain('rootvg');
    const report = await objectBytes(
      store,
      `uploads/${s.upload.runId}/lpar01/${s.image.split('/').pop()}.parts`,
    );
    expect(report.toString().trim().split('\n')).toHaveLength(3);
  });

  it('PUTs again only the sidecar S3 refused, in a second curl, and the others once', async () => {
    const sink = await startSink(await staged(), {
      refuse: [{ suffix: '.lsmksysb', status: 412, times: 1 }],
    });
    const counter = callCounter(sink.staged);
    const r = await directTransfer(sink.staged, counter.env);
    const out = parseHostOutput(r.stdout, 'transfer');
    expect(out).toMatchObject({ status: 'ok', transferReport: 'uploaded' });
    expect(out.sidecarsOk).toEqual(['log', 'lsmksysb']);
    expect(out.sidecarsFailed).toEqual([]);
    expect([sink.putsTo('.log'), sink.putsTo('.lsmksysb'), sink.putsTo('.parts')]).toEqual([1, 2, 1]);
    // the manifest, 3 parts, then the sidecars and the report, then lsmksysb alone
    expect(counter.calls('curl')).toBe(6);
    await sink.close();
  });

  it('names a sidecar refused 3 times as failed and a refused report as the reason, after 3 attempts each', async () => {
    const sink = await startSink(await staged(), {
      refuse: [
        { suffix: '.log', status: 500, times: 9 },
        { suffix: '.parts', status: 412, times: 9 },
      ],
    });
    const r = await directTransfer(sink.staged);
    const out = parseHostOutput(r.stdout, 'transfer');
    expect(r.code).toBe(HOST_EXIT_CODES.failed);
    expect(out).toMatchObject({
      status: 'failed',
      reason: 'transfer_report_upload_failed',
      partsOk: 3,
      transferReport: 'failed',
    });
    expect(out.sidecarsOk).toEqual(['lsmksysb']);
    expect(out.sidecarsFailed).toEqual(['log']);
    expect([sink.putsTo('.log'), sink.putsTo('.lsmksysb'), sink.putsTo('.parts')]).toEqual([3, 1, 3]);
    await sink.close();
  });

  it.each([
    ['fails', 'exit 1'],
    ['comes up short', 'exit 0'],
  ])(
    'takes no sidecar when the call that fetches them %s: each is missing, none is sent',
    async (_what, ending) => {
      const s = await staged();
      // A tar whose archive of the sidecars stops within the first one's bytes.
      const counter = callCounter(
        s,
        `case $1 in -chf) /usr/bin/tar "$@" | head -c 530; ${ending} ;; esac\nexec /usr/bin/tar "$@"`,
      );
      const r = await directTransfer(s, counter.env);
      const out = parseHostOutput(r.stdout, 'transfer');
      expect(out).toMatchObject({ status: 'ok', partsOk: 3, transferReport: 'uploaded' });
      expect(out.sidecarsOk).toEqual([]);
      expect(out.sidecarsMissing).toEqual(['log', 'lsmksysb', 'filesets', 'toc']);
      await expect(objectBytes(store, `${s.upload.key}.log`)).rejects.toThrow();
    },
  );

  it('resumes: a part S3 holds whose ETag is its MD5 on the host is not sent again, one whose ETag differs is', async () => {
    const s = await staged();
    expect((await runOnRelayAsync(shell, scripts.transfer, s.fleet, 'lpar01', relayArgs(s))).code).toBe(0);
    const before = putAttempts(s);
    const md5 = (n: number) =>
      createHash('md5')
        .update(s.bytes.subarray((n - 1) * 8 * MiB, n * 8 * MiB))
        .digest('hex');
    // The retry's prepare-upload resumes (all three parts held); the manifest then says parts 1 and
    // 2 are held, part 2 with an ETag that is not its MD5, and part 3 not.
    const date = (s.image.split('_').pop() as string).slice(0, 10);
    const again = await prepareImageUpload(store, {
      host: 'lpar01',
      date,
      sizeBytes: IMAGE_SIZE,
      runId: s.upload.runId,
    });
    expect(again).toMatchObject({ uploadId: s.upload.uploadId, resumedParts: 3 });
    await editManifest(store, again, (m) => ({
      ...m,
      parts: m.parts.map((p) =>
        p.partNumber === 1
          ? { ...p, stored: { etag: md5(1), isMd5: true } }
          : p.partNumber === 2
            ? { ...p, stored: { etag: '0'.repeat(32), isMd5: true } }
            : { ...p, stored: undefined },
      ),
    }));
    const retry = { ...s, upload: again };
    const r = await runOnRelayAsync(shell, scripts.transfer, s.fleet, 'lpar01', relayArgs(retry));
    const out = parseHostOutput(r.stdout, 'transfer');
    expect(r.code, r.stdout).toBe(0);
    expect(out.other.parts_resumed).toBe('1');
    const after = putAttempts(s);
    expect([1, 2, 3].map((n) => (after[n] ?? 0) - (before[n] ?? 0))).toEqual([0, 1, 1]);
    await completeImageUpload(store, again);
    expect(sha(await objectBytes(store, s.upload.key))).toBe(sha(s.bytes));
  });

  it('uploads locally in direct mode and reports each part with the MD5 of its bytes', async () => {
    const s = await staged();
    const r = await directTransfer(s);
    expect(parseHostOutput(r.stdout, 'transfer')).toMatchObject({ status: 'ok', partsOk: 3 });
    const report = (
      await objectBytes(store, `uploads/${s.upload.runId}/lpar01/${s.image.split('/').pop()}.parts`)
    )
      .toString()
      .trim()
      .split('\n')
      .sort();
    const md5 = (from: number, to: number) =>
      createHash('md5').update(s.bytes.subarray(from, to)).digest('hex');
    expect(report).toHaveLength(3);
    expect(report[0]).toMatch(new RegExp(`^part=1 etag=\\S+ md5=${md5(0, 8 * MiB)}$`));
    expect(report[2]).toMatch(new RegExp(`^part=3 etag=\\S+ md5=${md5(16 * MiB, IMAGE_SIZE)}$`));
    await completeImageUpload(store, s.upload);
    expect(sha(await objectBytes(store, s.upload.key))).toBe(sha(s.bytes));
  });

  it('retries a part that fails twice on its own: the other parts are sent once and the image completes', async () => {
    const s = await staged({ ...SMALL_HOST, faults: ['part_fail:2:2'] });
    const r = await runOnRelayAsync(shell, scripts.transfer, s.fleet, 'lpar01', relayArgs(s));
    expect(parseHostOutput(r.stdout, 'transfer')).toMatchObject({ status: 'ok', partsOk: 3, partRetries: 2 });
    expect(putAttempts(s)).toEqual({ 1: 1, 2: 3, 3: 1 });
    await completeImageUpload(store, s.upload);
    expect(sha(await objectBytes(store, s.upload.key))).toBe(sha(s.bytes));
  });

  it('reports partial, naming the part that kept failing and why, after uploading the others', async () => {
    const s = await staged({ ...SMALL_HOST, faults: ['part_fail:9:3'] });
    const r = await runOnRelayAsync(
      shell,
      scripts.transfer,
      s.fleet,
      'lpar01',
      relayArgs(s, 'partRetries=3'),
    );
    expect(r.code).toBe(HOST_EXIT_CODES.partial);
    expect(parseHostOutput(r.stdout, 'transfer')).toMatchObject({
      status: 'partial',
      reason: 'parts_failed:1',
      partsOk: 2,
      partsFailed: 1,
      bytes: 16 * MiB,
      failedParts: [{ partNumber: 3, reason: 'http_500' }],
      transferReport: 'uploaded',
    });
    expect(putAttempts(s)).toEqual({ 1: 1, 2: 1, 3: 3 });
    await expect(completeImageUpload(store, s.upload)).rejects.toThrow(/2 of 3 parts; missing part\(s\) 3/);
  });

  it('names curl’s exit status for each part when the store cannot be reached after the manifest', async () => {
    const sink = await startSink(await staged(), { closeAfterManifest: true });
    const r = await runOnHostAsync(
      shell,
      scripts.transfer,
      sink.staged.fleet,
      'lpar01',
      args(sink.staged, 'mode=direct', 'partRetries=2'),
    );
    const out = parseHostOutput(r.stdout, 'transfer');
    expect(out).toMatchObject({ status: 'failed', reason: 'all_parts_failed' });
    expect(out.failedParts.map((p) => p.reason)).toEqual(['curl_exit_7', 'curl_exit_7', 'curl_exit_7']);
    await sink.close();
  });

  it('refuses a manifest whose part URL is for another store, before sending a byte', async () => {
    const s = await staged();
    const port = await closedPort();
    await editManifest(store, s.upload, (m) => ({
      ...m,
      parts: m.parts.map((p) =>
        p.partNumber === 2 ? { ...p, url: p.url.replace(/^http:\/\/[^/]+/, `http://127.0.0.1:${port}`) } : p,
      ),
    }));
    const r = await directTransfer(s);
    expect(parseHostOutput(r.stdout, 'transfer')).toMatchObject({
      status: 'failed',
      reason: 'manifest_url_elsewhere:part_2',
    });
    expect(putAttempts(s)).toEqual({});
  });

  it('fails when no part gets through, listing every part', async () => {
    const s = await staged({ ...SMALL_HOST, faults: ['part_fail:9'] });
    const r = await runOnRelayAsync(
      shell,
      scripts.transfer,
      s.fleet,
      'lpar01',
      relayArgs(s, 'partRetries=2'),
    );
    expect(r.code).toBe(HOST_EXIT_CODES.failed);
    const out = parseHostOutput(r.stdout, 'transfer');
    expect(out).toMatchObject({ status: 'failed', reason: 'all_parts_failed', partsOk: 0, partsFailed: 3 });
    expect(out.failedParts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(putAttempts(s)).toEqual({ 1: 2, 2: 2, 3: 2 });
  });

  it('refuses to upload an image whose size is not the one the upload was planned for', async () => {
    const s = await staged();
    truncateSync(s.image, IMAGE_SIZE + MiB);
    const r = await runOnRelayAsync(shell, scripts.transfer, s.fleet, 'lpar01', relayArgs(s));
    expect(r.code).toBe(HOST_EXIT_CODES.failed);
    expect(parseHostOutput(r.stdout, 'transfer').reason).toBe(
      `size_mismatch:manifest_${IMAGE_SIZE}_image_${IMAGE_SIZE + MiB}`,
    );
    expect(putAttempts(s)).toEqual({});
  });

  it('streams each part straight from the image over ssh when backup left the part MD5s, and the object equals the image', async () => {
    const s = await staged(SMALL_HOST, IMAGE_SIZE, 'random', true);
    store.gate(3);
    const r = await runOnRelayAsync(shell, scripts.transfer, s.fleet, 'lpar01', relayArgs(s));
    const out = parseHostOutput(r.stdout, 'transfer');
    expect(out).toMatchObject({ status: 'ok', partsOk: 3, partRetries: 0, bytes: IMAGE_SIZE });
    expect(out.other.md5_source).toBe('sidecar');
    expect(store.maxInFlight()).toBe(3);
    const done = await completeImageUpload(store, s.upload);
    expect(done).toMatchObject({ sizeBytes: IMAGE_SIZE, partCount: 3, checks: { partEtags: 'ok' } });
    expect(sha(await objectBytes(store, s.upload.key))).toBe(sha(s.bytes));
  });

  it('streams in direct mode too, reporting each part with the MD5 from the sidecar', async () => {
    const s = await staged(SMALL_HOST, IMAGE_SIZE, 'random', true);
    const r = await directTransfer(s);
    const out = parseHostOutput(r.stdout, 'transfer');
    expect(out).toMatchObject({ status: 'ok', partsOk: 3, partRetries: 0 });
    expect(out.other.md5_source).toBe('sidecar');
    await completeImageUpload(store, s.upload);
    expect(sha(await objectBytes(store, s.upload.key))).toBe(sha(s.bytes));
  });

  it('never uploads bytes the backup did not describe: a part whose sidecar MD5 S3 refuses and whose bytes changed fails', async () => {
    const s = await staged(SMALL_HOST, IMAGE_SIZE, 'random', true);
    // The backup described other bytes: the image was rewritten at the same size after it.
    writePartMd5s(s.image, randomBytes(IMAGE_SIZE));
    const r = await runOnRelayAsync(shell, scripts.transfer, s.fleet, 'lpar01', relayArgs(s));
    const out = parseHostOutput(r.stdout, 'transfer');
    expect(out).toMatchObject({ status: 'failed', partsOk: 0 });
    expect(out.failedParts.map((p) => p.reason)).toEqual(Array(3).fill('image_changed_since_backup'));
    // One refused streamed attempt per part, then nothing: the changed bytes were never sent.
    expect(putAttempts(s)).toEqual({ 1: 1, 2: 1, 3: 1 });
  });

  it('retries a streamed part that S3 refuses before reading it, on its own', async () => {
    const s = await staged({ ...SMALL_HOST, faults: ['part_fail:2:2'] }, IMAGE_SIZE, 'random', true);
    const r = await runOnRelayAsync(shell, scripts.transfer, s.fleet, 'lpar01', relayArgs(s));
    expect(parseHostOutput(r.stdout, 'transfer')).toMatchObject({ status: 'ok', partsOk: 3, partRetries: 2 });
    expect(putAttempts(s)).toEqual({ 1: 1, 2: 3, 3: 1 });
    await completeImageUpload(store, s.upload);
    expect(sha(await objectBytes(store, s.upload.key))).toBe(sha(s.bytes));
  });

  it.each([
    ['fails', 'exit 1', 'read_exit_1'],
    ['comes up short', 'exit 0', 'short_read_records_1_0_of_8_0'],
  ])('ends a streamed part at once when reading it %s, and names why', async (_what, ending, reason) => {
    const s = await staged(SMALL_HOST, IMAGE_SIZE, 'random', true);
    // A dd in front of the real one that gives part 2 (skip=8) only its first MiB.
    const bin = join(s.fleet.dir, 'bad-dd');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'dd'),
      `#!/bin/sh\ncase " $* " in *" skip=8 "*) head -c ${MiB} /dev/zero; echo '1+0 records in' >&2; ${ending} ;; esac\nexec /bin/dd "$@"\n`,
    );
    chmodSync(join(bin, 'dd'), 0o755);
    // The parts go to a server that takes any body: a curl left waiting for the rest would show there.
    const sink = await startSink(s);
    const env = simEnv(s.fleet.dir, 'lpar01', { mode: 'direct' });
    const r = await runOnHostAsync(
      shell,
      scripts.transfer,
      s.fleet,
      'lpar01',
      args(sink.staged, 'mode=direct', 'partRetries=2'),
      { PATH: `${bin}:${env.PATH}` },
    );
    expect(parseHostOutput(r.stdout, 'transfer')).toMatchObject({
      status: 'partial',
      partsOk: 2,
      failedParts: [{ partNumber: 2, reason }],
    });
    expect(sink.partPuts(2)).toBe(2);
    await sink.close();
  });

  it.each([
    ['unreachable', 'unreachable', HOST_EXIT_CODES.unreachable],
    ['auth_failure', 'auth_failed', HOST_EXIT_CODES.auth_failed],
  ] as const)('maps the ssh fault %s to status %s', async (fault, status, code) => {
    const s = await staged();
    setHostProfile(s.fleet.dir, 'lpar01', { faults: [fault] });
    const r = await runOnRelayAsync(shell, scripts.transfer, s.fleet, 'lpar01', relayArgs(s));
    expect(r.code).toBe(code);
    expect(parseHostOutput(r.stdout, 'transfer')).toMatchObject({
      status,
      reason: expect.stringMatching(/^ssh:/),
    });
  });

  it.each([
    ['host', 'host=a;rm -rf /'],
    ['host', 'host=lpar 01'],
    ['host', 'host=$(touch PWNED)'],
    ['imagePath', 'imagePath=/mksysb/$(touch PWNED)'],
    ['imagePath', 'imagePath=/mksysb/my image'],
    ['imagePath', "imagePath=/mksysb/x';touch PWNED;'"],
    ['address', 'address=-oProxyCommand=touch PWNED'],
    ['sshUser', 'sshUser=root;touch PWNED'],
    ['manifestUrl', "manifestUrl=http://x/'$(touch PWNED)'"],
    ['limitRate', 'limitRate=1M;touch PWNED'],
    ['parallelParts', 'parallelParts=4`touch PWNED`'],
  ])('rejects a hostile %s (%s) before running anything', async (field, hostile) => {
    const fleet = fleetOf([SMALL_HOST]);
    const image = join(fleet.stagingDir('lpar01'), 'lpar01_mksysb_2025-01-05');
    writeFileSync(image, 'image');
    const name = hostile.slice(0, hostile.indexOf('='));
    const given = [
      'host=lpar01',
      `imagePath=${image}`,
      // Any fetch would show: nothing listens there.
      'manifestUrl=http://127.0.0.1:9/manifest',
      'mode=relay',
      'address=lpar01',
      `knownHostsPath=${fleet.knownHostsPath}`,
    ].filter((a) => !a.startsWith(`${name}=`));
    const r = await runOnRelayAsync(shell, scripts.transfer, fleet, 'lpar01', [...given, hostile]);
    expect(r.code).toBe(HOST_EXIT_CODES.invalid);
    expect(parseHostOutput(r.stdout, 'transfer')).toMatchObject({
      status: 'invalid',
      reason: `invalid_argument:${field}`,
    });
    expect(r.stdout).not.toContain('parts_total=');
    expect(existsSync(join(fleet.hostRoot('lpar01'), 'PWNED'))).toBe(false);
    expect(existsSync('PWNED')).toBe(false);
  });
});

it('hashes each part itself when the sidecar was cut for another part size', async () => {
  const s = await staged();
  writePartMd5s(s.image, s.bytes, 16 * MiB);
  const r = await runOnHostAsync('ksh', scripts.transfer, s.fleet, 'lpar01', args(s, 'mode=direct'));
  const out = parseHostOutput(r.stdout, 'transfer');
  expect(out).toMatchObject({ status: 'ok', partsOk: 3, partRetries: 0 });
  expect(out.other.md5_source).toBe('computed');
  await completeImageUpload(store, s.upload);
  expect(sha(await objectBytes(store, s.upload.key))).toBe(sha(s.bytes));
});

it('names curl’s exit status for streamed parts when the store cannot be reached after the manifest', async () => {
  const sink = await startSink(await staged(SMALL_HOST, IMAGE_SIZE, 'random', true), {
    closeAfterManifest: true,
  });
  const r = await runOnHostAsync(
    'ksh',
    scripts.transfer,
    sink.staged.fleet,
    'lpar01',
    args(sink.staged, 'mode=direct', 'partRetries=2'),
  );
  const out = parseHostOutput(r.stdout, 'transfer');
  expect(out).toMatchObject({ status: 'failed', reason: 'all_parts_failed' });
  expect(out.other.md5_source).toBe('sidecar');
  expect(out.failedParts.map((p) => p.reason)).toEqual(['curl_exit_7', 'curl_exit_7', 'curl_exit_7']);
  await sink.close();
});

it('caps the speed of each part stream when told to, and still delivers the image', async () => {
  const s = await staged({ ...SMALL_HOST }, 9 * MiB);
  const r = await runOnHostAsync(
    'dash',
    scripts.transfer,
    s.fleet,
    'lpar01',
    args(s, 'mode=direct', 'limitRate=200M'),
  );
  expect(parseHostOutput(r.stdout, 'transfer')).toMatchObject({ status: 'ok', partsOk: 2 });
  await completeImageUpload(store, s.upload);
  expect(sha(await objectBytes(store, s.upload.key))).toBe(sha(s.bytes));
});

it('keeps the summary small when many parts fail: far under the 24,000 characters SSM returns', async () => {
  const s = await staged({ ...SMALL_HOST, faults: ['part_fail:9'] }, 200 * MiB, 'zeros');
  const r = await runOnRelayAsync(
    'dash',
    scripts.transfer,
    s.fleet,
    'lpar01',
    relayArgs(s, 'partRetries=1', 'parallelParts=8'),
  );
  const out = parseHostOutput(r.stdout, 'transfer');
  expect(out).toMatchObject({ status: 'failed', partsFailed: 25, moreFailedParts: 5 });
  expect(out.failedParts).toHaveLength(20);
  expect(r.stdout.length).toBeLessThan(2_000);
  expect(readFileSync(s.image).length).toBe(200 * MiB);
  rmSync(s.fleet.dir, { recursive: true, force: true });
});

it('runs as the SSM transfer document (parameters substituted, script embedded) and delivers the image', async () => {
  const s = await staged();
  const result = await runCommandLocally({
    document: documentContent('transfer'),
    parameters: {
      mode: 'relay',
      host: 'lpar01',
      sshKeyPath: '',
      knownHostsPath: s.fleet.knownHostsPath,
      imagePath: s.image,
      manifestUrl: s.upload.manifestUrl,
      retryDelaySeconds: '0',
      limitRate: '500M',
    },
    env: simEnv(s.fleet.dir, 'lpar01', { mode: 'relay' }),
    timeoutMs: 60_000,
  });
  expect(result).toMatchObject({ status: 'Success', responseCode: 0 });
  expect(parseHostOutput(result.stdout, 'transfer')).toMatchObject({ status: 'ok', partsOk: 3 });
  await completeImageUpload(store, s.upload);
  expect(sha(await objectBytes(store, s.upload.key))).toBe(sha(s.bytes));
});

it('refuses an image rewritten between backup and transfer (replaced_after_backup): nothing the backup did not describe is sent', async () => {
  const fleet = fleetOf([{ ...SMALL_HOST, faults: ['replaced_after_backup'] }]);
  const date = nextDate();
  const staging = fleet.stagingDir('lpar01');
  const b = await runOnHostAsync('ksh', scripts.backup, fleet, 'lpar01', [
    'host=lpar01',
    `staging=${staging}`,
    `date=${date}`,
    `partSizeBytes=${8 * MiB}`,
  ]);
  const backup = parseHostOutput(b.stdout, 'backup');
  expect(backup).toMatchObject({ status: 'ok', sizeBytes: 20 * MiB });
  const image = join(staging, `lpar01_mksysb_${date}`);
  const upload = await prepareImageUpload(store, { host: 'lpar01', date, sizeBytes: 20 * MiB });
  const s: Staged = { fleet, image, bytes: readFileSync(image), upload };
  const r = await runOnRelayAsync('ksh', scripts.transfer, fleet, 'lpar01', relayArgs(s));
  const out = parseHostOutput(r.stdout, 'transfer');
  expect(out.status).not.toBe('ok');
  expect(out.failedParts.map((p) => p.reason)).toContain('image_changed_since_backup');
  // Same size, other bytes: the stand-in curl rewrote it when the manifest was fetched.
  const after = readFileSync(image);
  expect(after.length).toBe(20 * MiB);
  expect(sha(after)).not.toBe(backup.sha256);
});
