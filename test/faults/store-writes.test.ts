// Faults of the store's write path, through the whole local pipeline: a bucket under Object Lock, which
// refuses every PUT without Content-MD5 or x-amz-checksum-* (the local store is told to act so, and
// every PUT the run makes, SDK or curl, is recorded with its headers), and a store that throttles
// (503 SlowDown) each handler's S3 calls past the SDK's own retries, so the workflow's Retry on
// StoreThrottled has to carry the run, without a second claim, a second alert or a second digest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_MAX_ATTEMPTS } from '../../lambdas/adapters/s3-client.js';
import type { S3Request } from '../../lib/local/s3-server.js';
import type { LocalRunResult, WeeklyOutput } from '../../lib/local/workflow-runner.js';
import { recordOutcome } from './outcomes.js';
import {
  type FaultRig,
  imagesLost,
  judgeFault,
  MiB,
  openUploads,
  runWeek,
  startFaultRig,
  stopFaultRig,
  weekAfter,
} from './support.js';

const START = '2026-08-03T02:00:00.000Z';
const week = (n: number) => weekAfter(START, n);
let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig('store-writes', [
    { host: 'aixprd01', sizeBytes: 16 * MiB, volumeGroups: ['rootvg', 'datavg'] },
    { host: 'aixapp01', sizeBytes: 16 * MiB },
  ]);
}, 60_000);

afterAll(async () => {
  await stopFaultRig(rig);
});

interface RecordedPut {
  readonly path: string;
  readonly checksum: string | null;
}

function checksumOf(request: S3Request): string | null {
  for (const [name, value] of Object.entries(request.headers))
    if (name === 'content-md5' || name.startsWith('x-amz-checksum-')) return `${name}: ${String(value)}`;
  return null;
}

describe('store writes', () => {
  it('a bucket under Object Lock (PUT without a checksum refused): every PUT carries one, every host PASSes', async () => {
    const puts: RecordedPut[] = [];
    rig.store.requireChecksums(true);
    rig.store.injectFailures((request) => {
      // The objects of the locked bucket; not another bucket's (the CDK asset bucket local mode makes
      // for the fleet object, as cdk deploy would, is no store of images and has no Object Lock).
      if (request.method === 'PUT' && request.path.startsWith(`/${rig.store.bucket}/`))
        puts.push({ path: request.path, checksum: checksumOf(request) });
      return undefined;
    });
    let run: LocalRunResult<WeeklyOutput>;
    try {
      run = await runWeek(rig, { date: week(0) });
    } catch (error) {
      // The run report refused too: the weekly execution fails, and the row says so.
      recordOutcome({
        fault: 'Object Lock bucket: PUTs without Content-MD5/x-amz-checksum refused',
        expected: 'every PUT carries one; all PASS',
        observed: `weekly execution failed: ${String((error as Error).message).slice(0, 160)}`,
        imagesLost: (await imagesLost(rig)).length,
        ok: false,
      });
      throw error;
    } finally {
      rig.store.injectFailures(undefined);
      rig.store.requireChecksums(false);
    }
    const bare = puts.filter((p) => p.checksum === null).map((p) => p.path.replace(/^\/[^/]+\//, ''));
    const kinds = (suffix: RegExp) => puts.filter((p) => suffix.test(p.path)).length;
    const j = await judgeFault(rig, {
      fault: `Object Lock bucket: PUTs without Content-MD5/x-amz-checksum refused (${puts.length} PUTs)`,
      expected: 'every PUT (records, manifests, parts, sidecars, index, claim, report) carries one; all PASS',
      run,
      host: 'aixprd01',
      line: /^PASS verified$/,
      alert: null,
      extra: [
        { ok: bare.length === 0, problem: `PUTs without a checksum: ${bare.slice(0, 6).join(', ')}` },
        {
          ok: [
            /\.record\.json$/,
            /\.manifest$/,
            /\.lsmksysb$/,
            /\.parts$/,
            /\.index\.gz$/,
            /^\/[^/]+\/runs\//,
          ].every((s) => kinds(s) > 0),
          problem: 'the run did not PUT every kind of object (records, manifests, sidecars, reports)',
        },
      ],
    });
    expect(bare).toEqual([]);
    expect(j.ok, j.observed).toBe(true);
  });

  it('a store that throttles each handler past the SDK retries (503 SlowDown): the host PASSes, one claim, nothing published twice', async () => {
    // Each target's first STORE_MAX_ATTEMPTS + 1 requests are throttled: the handler's own retries run
    // out once (StoreThrottled), the workflow runs it again, and that run gets through.
    const targets: Record<string, (r: S3Request) => boolean> = {
      'load-fleet (history listing, after its claim)': (r) =>
        r.method === 'GET' && r.query.get('prefix') === 'images/aixprd01/',
      'prepare-upload (manifest)': (r) =>
        r.method === 'PUT' && /\/aixprd01\/aixprd01_mksysb_[^/]*\.manifest$/.test(r.path),
      'complete-upload (completion)': (r) =>
        r.method === 'POST' && r.query.has('uploadId') && /aixprd01_mksysb_/.test(r.path),
      'inspect-image (content index)': (r) =>
        r.method === 'PUT' && /aixprd01_mksysb_[^/]*\.index\.gz$/.test(r.path),
      'verify (record)': (r) => r.method === 'PUT' && /aixprd01_mksysb_[^/]*\.record\.json$/.test(r.path),
      'retention (listing the hosts)': (r) =>
        r.method === 'GET' && r.query.get('prefix') === 'images/' && r.query.get('delimiter') === '/',
      'run-report (report)': (r) => r.method === 'PUT' && /^\/[^/]+\/runs\//.test(r.path),
    };
    const throttled = new Map<string, number>();
    const limit = STORE_MAX_ATTEMPTS + 1;
    rig.store.injectFailures((request) => {
      for (const [name, matches] of Object.entries(targets)) {
        if (!matches(request)) continue;
        const n = throttled.get(name) ?? 0;
        if (n >= limit) return undefined;
        throttled.set(name, n + 1);
        return 503;
      }
      return undefined;
    });
    const before = rig.sns.messages.length;
    let run: LocalRunResult<WeeklyOutput>;
    try {
      run = await runWeek(rig, { date: week(1) });
    } finally {
      rig.store.injectFailures(undefined);
    }
    const published = rig.sns.messages.slice(before);
    const subjects = published.map((m) => m.subject);
    const repeated = subjects.filter((s, i) => subjects.indexOf(s) !== i);
    const digests = published.filter((m) => m.attributes.kind !== 'anomaly').length;
    const short = [...Object.keys(targets)].filter((name) => (throttled.get(name) ?? 0) < limit);
    const j = await judgeFault(rig, {
      fault: `S3 503 SlowDown ${limit}x on each handler's call (load-fleet, prepare/complete-upload, inspect, verify, retention, run-report)`,
      expected: 'the SDK retries, then the workflow retries StoreThrottled: PASS, one digest, no alert twice',
      run,
      host: 'aixprd01',
      line: /^PASS verified$/,
      alert: null,
      extra: [
        { ok: short.length === 0, problem: `not throttled as planned: ${short.join(', ')}` },
        { ok: repeated.length === 0, problem: `published twice: ${repeated.join(' / ')}` },
        { ok: digests === 1, problem: `${digests} digests published` },
        { ok: openUploads(rig).length === 0, problem: `open uploads: ${openUploads(rig).join(', ')}` },
      ],
    });
    expect(short).toEqual([]);
    expect(repeated).toEqual([]);
    expect(j.ok, j.observed).toBe(true);
  });
});
