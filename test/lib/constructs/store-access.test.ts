// Least privilege in the image store, read back from the synthesized template: for each function's role,
// which S3 actions it may perform on which key patterns (IAM wildcards in actions expanded, resources
// resolved), asserted as one table; then what that table means for real keys (verify cannot delete,
// only retention deletes images' records, nobody deletes a version), and the bucket policy's denies.
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_METADATA } from '../../../lib/constructs/backup-workflow.js';
import { resolveValue, type TemplateJson } from '../../../lib/local/resolve-template.js';
import { MksysbVault } from '../../../lib/mksysb-vault.js';
import { testConfig, testStack } from '../harness.js';

const BUCKET = 'store-bucket';
const OBJECTS = `arn:aws:s3:::${BUCKET}/`;

/** The S3 actions a wildcard in a policy could stand for (object and bucket actions that matter here). */
const S3_ACTIONS = [
  'GetObject',
  'GetObjectVersion',
  'GetObjectRetention',
  'GetObjectTagging',
  'PutObject',
  'PutObjectRetention',
  'PutObjectLegalHold',
  'PutObjectTagging',
  'PutObjectAcl',
  'PutObjectVersionTagging',
  'DeleteObject',
  'DeleteObjectVersion',
  'DeleteObjectTagging',
  'DeleteObjectVersionTagging',
  'AbortMultipartUpload',
  'ListMultipartUploadParts',
  'BypassGovernanceRetention',
  'RestoreObject',
  'ListBucket',
  'ListBucketVersions',
  'PutBucketPolicy',
  'PutBucketVersioning',
  'PutLifecycleConfiguration',
  'PutBucketObjectLockConfiguration',
  'DeleteBucket',
].map((a) => `s3:${a}`);

/** An IAM wildcard (`*`, `?`) as a RegExp over the whole string. */
function glob(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

type Table = Record<string, Record<string, string[]>>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

let json: TemplateJson;
/** handler -> S3 action -> key patterns (`(bucket)` for the bucket itself). */
let table: Table;
/** The same with Object Lock on. */
let lockedTable: Table;

function resolve(value: unknown, template = json): unknown {
  return resolveValue(value, template, { bucket: BUCKET });
}

function synth(config: ReturnType<typeof testConfig>): TemplateJson {
  const stack = testStack();
  new MksysbVault(stack, 'Vault', { config });
  return Template.fromStack(stack).toJSON() as TemplateJson;
}

beforeAll(() => {
  json = synth(testConfig());
  table = accessTable(json);
  lockedTable = accessTable(synth(testConfig({ storage: { objectLock: { mode: 'GOVERNANCE', days: 21 } } })));
});

/** Each function's S3 actions and key patterns, read from the template's role policies. */
function accessTable(json: TemplateJson): Table {
  const handlerOfRole = new Map<string, string>();
  for (const resource of Object.values(json.Resources)) {
    const handler = resource.Metadata?.[HANDLER_METADATA];
    const role = resource.Properties?.Role as { 'Fn::GetAtt'?: [string] } | undefined;
    if (typeof handler === 'string' && role?.['Fn::GetAtt'])
      handlerOfRole.set(role['Fn::GetAtt'][0], handler);
  }
  const table: Table = {};
  for (const resource of Object.values(json.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = ((resource.Properties?.Roles ?? []) as { Ref: string }[]).map((r) => r.Ref);
    const document = resolve(resource.Properties?.PolicyDocument, json) as { Statement: Statement[] };
    for (const role of roles) {
      const handler = handlerOfRole.get(role);
      if (!handler) continue;
      for (const s of document.Statement) {
        if (s.Effect !== 'Allow') continue;
        const actions = [s.Action].flat().flatMap((a) => S3_ACTIONS.filter((x) => glob(a, 'i').test(x)));
        const resources = [s.Resource].flat().map(String);
        for (const action of actions)
          for (const r of resources) {
            const pattern =
              r === '*'
                ? '*'
                : r.startsWith(OBJECTS)
                  ? r.slice(OBJECTS.length)
                  : r === `arn:aws:s3:::${BUCKET}`
                    ? '(bucket)'
                    : null;
            if (pattern === null) continue;
            const rows = table[handler] ?? {};
            table[handler] = rows;
            const row = rows[action] ?? [];
            rows[action] = row;
            if (!row.includes(pattern)) row.push(pattern);
          }
      }
    }
  }
  for (const rows of Object.values(table)) for (const row of Object.values(rows)) row.sort();
  return table;
}

/** Whether `handler`'s role may perform `action` on `key`. */
function may(handler: string, action: string, key: string): boolean {
  return (table[handler]?.[action] ?? []).some((pattern) => glob(pattern).test(key));
}

const IMAGE = 'images/aixprd01/aixprd01_mksysb_2026-11-23';
const SAVEVG = 'images/aixprd01/aixprd01_savevg_datavg_2026-11-23';
const RECORD = `${IMAGE}.record.json`;
const INDEX = `${IMAGE}.index.gz`;
const SIDECARS = ['.log', '.lsmksysb', '.filesets', '.toc.gz', '.viosbr.tar.gz'].map((s) => `${IMAGE}${s}`);
const HANDLERS = [
  'await-command',
  'complete-upload',
  'freshness',
  'inspect-image',
  'load-fleet',
  'notify',
  'prepare-upload',
  'record-failure',
  'retention',
  'run-report',
  'verify',
];

describe('who may do what in the image store', () => {
  it('gives each function exactly the S3 actions and key patterns its handler uses', () => {
    const image = 'images/*_????-??-??';
    expect(table).toEqual({
      'load-fleet': {
        's3:GetObject': ['images/*', 'locks/*'],
        's3:ListBucket': ['(bucket)'],
        's3:PutObject': [
          'locks/*',
          'runs/*/fleet-problems.json',
          'runs/*/fleet.json',
          'runs/*/not-started.json',
        ],
      },
      'prepare-upload': {
        's3:AbortMultipartUpload': [image],
        's3:GetObject': ['images/*', 'uploads/*'],
        's3:ListBucket': ['(bucket)'],
        's3:ListMultipartUploadParts': [image],
        's3:PutObject': [
          image,
          `${image}.filesets`,
          `${image}.log`,
          `${image}.lsmksysb`,
          `${image}.toc.gz`,
          `${image}.viosbr.tar.gz`,
          'uploads/*',
        ],
      },
      'complete-upload': {
        's3:AbortMultipartUpload': [image, 'quarantine/*'],
        's3:DeleteObject': [image],
        's3:GetObject': ['images/*', 'uploads/*'],
        's3:ListBucket': ['(bucket)'],
        's3:PutObject': [image, 'quarantine/*'],
      },
      'inspect-image': {
        's3:GetObject': ['images/*'],
        's3:ListBucket': ['(bucket)'],
        's3:PutObject': ['images/*.index.gz'],
      },
      verify: {
        's3:GetObject': ['catalog/*', 'history/*', 'images/*', 'uploads/*'],
        's3:ListBucket': ['(bucket)'],
        's3:PutObject': ['catalog/*', 'images/*.record.json'],
      },
      'record-failure': {
        's3:AbortMultipartUpload': [image],
        's3:PutObject': ['runs/*/failures/*'],
      },
      notify: {
        's3:DeleteObject': ['locks/*'],
        's3:GetObject': ['acks/*', 'locks/*', 'runs/*/findings.json'],
        's3:ListBucket': ['(bucket)'],
      },
      retention: {
        's3:DeleteObject': ['images/*'],
        's3:GetObject': ['catalog/*', 'images/*'],
        's3:ListBucket': ['(bucket)'],
        's3:PutObject': ['catalog/*', 'history/*'],
      },
      'run-report': {
        's3:GetObject': ['runs/*/map/*', 'runs/*/not-started.json'],
        's3:ListBucket': ['(bucket)'],
        's3:PutObject': ['runs/*'],
      },
      freshness: {
        's3:GetObject': ['catalog/*', 'images/*', 'runs/*/fleet-problems.json', 'runs/*/fleet.json'],
        's3:ListBucket': ['(bucket)'],
        's3:PutObject': ['runs/*/findings.json'],
      },
      'restore-test': {
        's3:GetObject': ['catalog/*', 'images/*'],
        's3:PutObject': ['catalog/*', 'images/*.record.json'],
        's3:ListBucket': ['(bucket)'],
      },
    });
  });

  it('lets no function delete an object version, bypass or change Object Lock, tag, or touch the bucket itself', () => {
    const forbidden =
      /^s3:(DeleteObjectVersion|BypassGovernance|PutObject(Retention|LegalHold|Acl|Tagging|VersionTagging)|DeleteObject.*Tagging|PutBucket|PutLifecycle|DeleteBucket)/;
    const found = Object.entries(table).flatMap(([h, rows]) =>
      Object.keys(rows)
        .filter((a) => forbidden.test(a))
        .map((a) => `${h} ${a}`),
    );
    expect(found).toEqual([]);
  });

  it('under Object Lock lets retention alone read and extend locks on images/, and nobody bypass one', () => {
    const lockActions = Object.entries(lockedTable).flatMap(([h, rows]) =>
      Object.entries(rows)
        .filter(([a]) => /Retention|LegalHold/.test(a))
        .map(([a, patterns]) => `${h} ${a} ${patterns.join(' ')}`),
    );
    expect(lockActions.sort()).toEqual([
      'retention s3:GetObjectRetention images/*',
      'retention s3:PutObjectRetention images/*',
    ]);
    const { retention: _locked, ...others } = lockedTable;
    const { retention: _plain, ...plainOthers } = table;
    expect(others).toEqual(plainOthers);
  });

  it('lets verify judge and record an image but never delete anything or write the image', () => {
    expect(
      HANDLERS.filter((h) => ['s3:DeleteObject'].some((a) => Object.keys(table[h] ?? {}).includes(a))),
    ).toEqual(['complete-upload', 'notify', 'retention']);
    expect(may('verify', 's3:PutObject', RECORD)).toBe(true);
    for (const key of [IMAGE, SAVEVG, INDEX, ...SIDECARS])
      expect(may('verify', 's3:PutObject', key), key).toBe(false);
  });

  it('lets only retention delete an image with its record and sidecars; complete-upload only the image key (to quarantine it)', () => {
    const deleters = (key: string) => HANDLERS.filter((h) => may(h, 's3:DeleteObject', key));
    expect(deleters(RECORD)).toEqual(['retention']);
    for (const key of [INDEX, ...SIDECARS]) expect(deleters(key), key).toEqual(['retention']);
    expect(deleters(IMAGE)).toEqual(['complete-upload', 'retention']);
    expect(deleters(SAVEVG)).toEqual(['complete-upload', 'retention']);
    expect(deleters('locks/aixprd01/2026-11-23.json')).toEqual(['notify']);
  });

  it('lets each kind of object in images/ be written by one function: images and sidecars, content indexes, records', () => {
    const writers = (key: string) => HANDLERS.filter((h) => may(h, 's3:PutObject', key));
    expect(writers(RECORD)).toEqual(['verify']);
    expect(writers(INDEX)).toEqual(['inspect-image']);
    for (const key of SIDECARS) expect(writers(key), key).toEqual(['prepare-upload']);
    // prepare-upload creates the upload and signs its parts; complete-upload completes it.
    expect(writers(IMAGE)).toEqual(['complete-upload', 'prepare-upload']);
    expect(writers(SAVEVG)).toEqual(['complete-upload', 'prepare-upload']);
    expect(writers('runs/2026-11-23/run-1.json')).toEqual(['run-report']);
  });

  it("lets load-fleet write the weekly run's fleet snapshot and hosts not started, and nothing else under runs/", () => {
    const run = 'runs/2026-11-23/run-1';
    expect(may('load-fleet', 's3:PutObject', `${run}/fleet.json`)).toBe(true);
    expect(may('load-fleet', 's3:PutObject', `${run}/not-started.json`)).toBe(true);
    expect(may('load-fleet', 's3:PutObject', `${run}.json`)).toBe(false);
    expect(may('run-report', 's3:GetObject', `${run}/map/0b1c/manifest.json`)).toBe(true);
  });

  it('lets the freshness check read its inventory and write its findings, and notify read them, nothing more under runs/', () => {
    const run = 'runs/2026-12-04/20261204T080000Z-freshness';
    expect(may('load-fleet', 's3:PutObject', `${run}/fleet-problems.json`)).toBe(true);
    expect(may('freshness', 's3:GetObject', `${run}/fleet.json`)).toBe(true);
    expect(may('freshness', 's3:GetObject', `${run}/fleet-problems.json`)).toBe(true);
    expect(may('freshness', 's3:PutObject', `${run}/findings.json`)).toBe(true);
    expect(may('freshness', 's3:PutObject', `${run}/fleet.json`)).toBe(false);
    expect(may('freshness', 's3:PutObject', `${run}.json`)).toBe(false);
    expect(may('notify', 's3:GetObject', `${run}/findings.json`)).toBe(true);
    expect(may('notify', 's3:GetObject', `${run}/fleet.json`)).toBe(false);
  });

  it('denies an object version delete to every principal, and any PUT that asks for another encryption', () => {
    const policies = Object.values(json.Resources).filter((r) => r.Type === 'AWS::S3::BucketPolicy');
    const statements = policies.flatMap(
      (p) => (resolve(p.Properties?.PolicyDocument) as { Statement: Statement[] }).Statement,
    );
    const versionDeletes = statements.filter(
      (s) =>
        [s.Action].flat().includes('s3:DeleteObjectVersion') && JSON.stringify(s.Resource).includes(BUCKET),
    );
    expect(versionDeletes).toEqual([
      {
        Sid: 'DenyObjectVersionDeletes',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:DeleteObjectVersion',
        Resource: `${OBJECTS}*`,
      },
    ]);
    const encryption = statements.filter((s) =>
      JSON.stringify(s.Condition ?? {}).includes('x-amz-server-side-encryption'),
    );
    expect(encryption.map((s) => [s.Effect, s.Action, Object.keys(s.Condition as object).sort()])).toEqual([
      ['Deny', 's3:PutObject', ['Null', 'StringNotEquals']],
      ['Deny', 's3:PutObject', ['Null', 'StringNotEquals']],
    ]);
  });
});
