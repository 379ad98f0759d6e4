// A transfer that dies half-way, then is retried: prepare-upload finds the open upload of the same
// image (ListParts on the local store) and the transfer sends only the parts S3 does not hold. Real
// scripts against the local store: backup.sh makes the image on a simulated LPAR, transfer.sh sends it
// from the relay over the simulated ssh, and is killed (its whole process tree) after two of its five
// parts; the simulated relay's curl logs every part PUT, so the parts sent twice can be counted.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { parseManifest } from '../../lambdas/core/upload-manifest.js';
import { type LocalS3, startLocalS3 } from '../../lib/local/s3-server.js';
import { simEnv } from '../../lib/sim-lpar/index.js';
import { fleetOf, runOnHostAsync, runOnRelayAsync, tempDir, writeScripts } from '../host-scripts/harness.js';
import { completeImageUpload, objectBytes, prepareImageUpload } from '../host-scripts/s3-upload.js';
import { recordOutcome } from './outcomes.js';
import {
  type FaultRig,
  judgeFault,
  openUploads,
  runWeek,
  setFaults,
  startFaultRig,
  stopFaultRig,
} from './support.js';

const MiB = 1024 * 1024;
const scripts = writeScripts(tempDir('mvresume'));
let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3({ directory: tempDir('mvresume-s3') });
});
afterAll(async () => {
  await s3?.close();
});

/** Part numbers PUT for the host so far, in order (the simulated relay's curl logs each attempt). */
function partPuts(root: string): number[] {
  const log = join(root, 'state/part-puts');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').split('\n').filter(Boolean).map(Number);
}

async function until(what: string, test: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a transfer that dies half-way', () => {
  let rig: FaultRig | undefined;
  afterAll(async () => stopFaultRig(rig));

  it('through the workflow: the failed transfer is retried from PrepareUpload, resumes, and the image PASSes', async () => {
    rig = await startFaultRig('resume', [{ host: 'aixapp02', sizeBytes: 20 * MiB }]);
    // Part 2 fails as often as the transfer tries it (partRetries 3): the first attempt ends partial.
    setFaults(rig, 'aixapp02', ['part_fail:3:2']);
    const run = await runWeek(rig, { date: '2026-08-03T02:00:00.000Z' });
    const puts = partPuts(rig.sim.hostRoot('aixapp02'));
    const count = (n: number) => puts.filter((p) => p === n).length;
    const j = await judgeFault(rig, {
      fault: 'transfer dies half-way (part 2 fails past its retries), workflow retries',
      expected: 'PrepareUpload resumes the upload, only part 2 sent again, PASS, no alert',
      run,
      host: 'aixapp02',
      line: /^PASS verified$/,
      alert: null,
      extra: [
        {
          ok: count(1) === 1 && count(3) === 1 && count(2) === 4,
          problem: `part PUTs ${JSON.stringify(puts)}: expected parts 1 and 3 once, part 2 four times`,
        },
        { ok: openUploads(rig).length === 0, problem: `open uploads ${openUploads(rig).join(', ')}` },
      ],
    });
    expect(j.observed).not.toContain('part PUTs');
    expect(j.ok).toBe(true);
    expect(Number(readFileSync(join(rig.sim.hostRoot('aixapp02'), 'state/runs'), 'utf8'))).toBe(1);
  });

  it('is resumed by the retry: only the parts S3 does not hold are sent, and the image is whole', async () => {
    const host = 'lpar01';
    const date = '2025-01-05';
    const fleet = fleetOf([{ host, sizeBytes: 36 * MiB, files: 300 }]);
    const store = { client: s3.client(), bucket: s3.bucket };

    // The backup, once: the image and the MD5 of each 8 MiB part beside it.
    const backup = await runOnHostAsync('ksh', scripts.backup, fleet, host, [
      `host=${host}`,
      `staging=${fleet.stagingDir(host)}`,
      `date=${date}`,
      `partSizeBytes=${8 * MiB}`,
    ]);
    const made = parseHostOutput(backup.stdout, 'backup');
    expect(made.status, backup.stdout).toBe('ok');
    const image = made.image as string;
    const size = made.sizeBytes as number;
    const parts = Math.ceil(size / (8 * MiB));
    expect(parts).toBeGreaterThanOrEqual(5);

    const transferArgs = (manifestUrl: string) => [
      'mode=relay',
      `host=${host}`,
      `address=${host}`,
      `knownHostsPath=${fleet.knownHostsPath}`,
      `imagePath=${image}`,
      `manifestUrl=${manifestUrl}`,
      'parallelParts=1',
      'retryDelaySeconds=0',
      'limitRate=16M',
    ];

    // First attempt: killed, its whole tree, once the third part has started (two are in S3).
    const first = await prepareImageUpload(store, { host, date, sizeBytes: size });
    expect(first.resumedParts).toBe(0);
    const env = simEnv(fleet.dir, host, { mode: 'relay' });
    const transfer = spawn('ksh', [scripts.transfer, ...transferArgs(first.manifestUrl)], {
      env,
      detached: true,
      stdio: 'ignore',
    });
    const ended = new Promise((r) => transfer.on('close', r));
    await until('the third part to start', () => partPuts(fleet.hostRoot(host)).length >= 3);
    process.kill(-(transfer.pid as number), 'SIGKILL');
    await ended;
    const sentBefore = partPuts(fleet.hostRoot(host));

    // The retry: prepare-upload again for the same image, then the transfer again.
    const retry = await prepareImageUpload(store, { host, date, sizeBytes: size, runId: first.runId });
    expect(retry.uploadId).toBe(first.uploadId);
    const r = await runOnRelayAsync('ksh', scripts.transfer, fleet, host, transferArgs(retry.manifestUrl));
    const out = parseHostOutput(r.stdout, 'transfer');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const sentAgain = partPuts(fleet.hostRoot(host)).slice(sentBefore.length);
    const resent = sentAgain.filter((n) => n <= retry.resumedParts);

    const done = await completeImageUpload(store, { ...retry, sizeBytes: size });
    const stored = await objectBytes(store, retry.key);
    const intact =
      createHash('sha256').update(stored).digest('hex') === made.sha256 &&
      done.action === 'complete' &&
      done.partCount === parts;
    recordOutcome({
      fault: `transfer killed after ${retry.resumedParts} of ${parts} parts, step retried`,
      expected: 'the retry resumes the same upload: only missing parts sent, no new mksysb, image whole',
      observed: `same upload ${retry.uploadId === first.uploadId}; parts resumed ${out.other.parts_resumed}; re-sent ${resent.length}; sent on retry ${sentAgain.length}; SHA-256 ${intact ? 'equal' : 'DIFFERENT'}`,
      imagesLost: intact ? 0 : 1,
      ok: retry.resumedParts >= 2 && resent.length === 0 && intact,
    });
    expect(retry.resumedParts).toBeGreaterThanOrEqual(2);
    expect(Number(out.other.parts_resumed)).toBe(retry.resumedParts);
    expect(resent).toEqual([]);
    expect(sentAgain.length).toBe(parts - retry.resumedParts);
    expect(intact).toBe(true);
    expect(Number(readFileSync(join(fleet.hostRoot(host), 'state/runs'), 'utf8'))).toBe(1);

    // The image done, its sidecar URLs replayed (from the manifest, as someone who copied it would):
    // each was signed with its condition, which a replay must send, and S3 refuses it.
    const manifest = parseManifest((await objectBytes(store, retry.manifestKey)).toString('utf8'));
    const replays = await Promise.all(
      manifest.sidecars.map(async (c) => {
        const header: Record<string, string> =
          c.condition === 'if-none-match=*'
            ? { 'If-None-Match': '*' }
            : { 'If-Match': `"${c.condition?.replace('if-match=', '')}"` };
        const answer = await fetch(c.url, { method: 'PUT', body: 'forged', headers: header });
        return `${c.name}:${answer.status}`;
      }),
    );
    const log = (await objectBytes(store, `${retry.key}.log`)).toString('utf8');
    const refused = replays.every((r) => r.endsWith(':412'));
    recordOutcome({
      fault: 'sidecar URLs replayed after the image was stored',
      expected: 'each URL writes once (signed If-None-Match/If-Match): replays 412, sidecars unchanged',
      observed: `${replays.join(' ')}; log ${log.includes('0512-038') ? 'unchanged' : 'OVERWRITTEN'}`,
      imagesLost: 0,
      ok: refused && log.includes('0512-038'),
    });
    expect(replays).toEqual(manifest.sidecars.map((c) => `${c.name}:412`));
    expect(log).toContain('0512-038');
    expect(new URL(retry.manifestUrl).searchParams.get('X-Amz-Expires')).toBe('900');
  });
});
