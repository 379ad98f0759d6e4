// Security checks as tests (issue 7), on the synthesized stack and on the presigned URLs prepare-upload
// makes: no principal on the AIX side (the relay, a direct-mode LPAR: SSM managed nodes) can read,
// write or delete an object in the image bucket — only the Lambda functions' roles can; the bucket
// denies requests without TLS; each presigned URL expires within transfer.urlExpirySeconds and is
// scoped to one key (and one part of one upload). The local store does not check signatures, so the
// scope is proven by recomputing SigV4 from the URL (an implementation independent of the SDK's):
// the recomputation reproduces the URL's signature, and the same URL with another partNumber,
// uploadId, key, method or expiry gives a different one — which S3 answers with SignatureDoesNotMatch.
import { createHash, createHmac } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseManifest, type UploadManifest } from '../../lambdas/core/upload-manifest.js';
import { prepareUpload } from '../../lambdas/prepare-upload/prepare-upload.js';
import { documentContent, HOST_STEPS } from '../../lib/host-scripts/index.js';
import { MksysbVaultStack } from '../../lib/mksysb-vault-stack.js';
import { testApp, testConfig } from '../lib/harness.js';
import { recordOutcome } from './outcomes.js';

interface Statement {
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
type Resource = { Type: string; Properties: Record<string, unknown> };

const URL_EXPIRY_SECONDS = 900;
const REGION = 'eu-west-3';
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

let template: Template;
let resources: Record<string, Resource>;
let bucketId: string;

beforeAll(() => {
  const app = testApp();
  const stack = new MksysbVaultStack(app, 'MksysbVault', {
    config: testConfig({ transfer: { urlExpirySeconds: URL_EXPIRY_SECONDS } }),
    env: { account: '111122223333', region: REGION },
  });
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
  const buckets = Object.keys(
    template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: {} } }),
  ).filter((id) => JSON.stringify(resources[id]?.Properties).includes('LoggingConfiguration'));
  if (buckets.length !== 1)
    throw new Error(`expected one image bucket, found ${buckets.join(', ') || 'none'}`);
  bucketId = buckets[0] as string;
});

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** An action pattern that covers reading, writing or deleting an object (wildcards included). */
function coversObjectAccess(action: string): boolean {
  const pattern = new RegExp(`^${action.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'].some((a) => pattern.test(a));
}

/** Every identity-policy statement with the principals (roles, users, groups) it is attached to. */
function identityStatements(): { attachedTo: string[]; policy: string; statement: Statement }[] {
  const out: { attachedTo: string[]; policy: string; statement: Statement }[] = [];
  const refs = (v: unknown) => ((v ?? []) as { Ref?: string }[]).map((r) => r.Ref ?? JSON.stringify(r));
  for (const [id, p] of [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')]) {
    const attachedTo = [
      ...refs(p.Properties.Roles),
      ...refs(p.Properties.Users),
      ...refs(p.Properties.Groups),
    ];
    for (const statement of (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      out.push({ attachedTo, policy: id, statement });
  }
  for (const [id, role] of ofType('AWS::IAM::Role'))
    for (const p of (role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[])
      for (const statement of p.PolicyDocument.Statement)
        out.push({ attachedTo: [id], policy: id, statement });
  return out;
}

function lambdaRoleIds(): Set<string> {
  return new Set(
    ofType('AWS::Lambda::Function').map(
      ([, fn]) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
    ),
  );
}

describe('the synthesized stack', () => {
  it('gives object access to the image bucket to the Lambda functions’ roles only, never to a relay or LPAR', () => {
    const lambdas = lambdaRoleIds();
    const onBucket = identityStatements().filter(
      ({ statement }) =>
        statement.Effect === 'Allow' &&
        (list(statement.Action).some(coversObjectAccess) || statement.NotAction !== undefined) &&
        (statement.Resource === '*' || JSON.stringify(statement.Resource).includes(bucketId)),
    );
    expect(onBucket.length).toBeGreaterThan(0);
    const holders = new Set(onBucket.flatMap((s) => s.attachedTo));
    for (const { attachedTo, statement, policy } of onBucket) {
      expect(statement.NotAction, policy).toBeUndefined();
      expect(statement.Resource, `${policy}: object access on every resource`).not.toBe('*');
      for (const principal of attachedTo) {
        // The weekly Distributed Map reads its items (the fleet snapshot) and writes its results under
        // runs/ itself (ItemReader, ResultWriter): that role, on runs/ objects only, is the one exception.
        if (/WeeklyStateMachineRole/.test(principal)) {
          expect(JSON.stringify(statement.Resource), `${policy}: the weekly machine beyond runs/`).toMatch(
            /\/runs\/\*/,
          );
          expect(JSON.stringify(statement.Resource), policy).not.toMatch(/\/(images|catalog|history)\//);
          continue;
        }
        expect(lambdas.has(principal), `${principal} (${policy}) ${JSON.stringify(statement.Action)}`).toBe(
          true,
        );
      }
    }
    // Every role that exists is assumed by a service of the stack; none by an instance or a managed node.
    const trusts = ofType('AWS::IAM::Role').map(([id, role]) => ({
      id,
      services:
        JSON.stringify(role.Properties.AssumeRolePolicyDocument).match(/[a-z-]+\.amazonaws\.com/g) ?? [],
    }));
    for (const { id, services } of trusts) {
      expect(services.length, id).toBeGreaterThan(0);
      for (const service of services)
        expect(
          ['lambda.amazonaws.com', 'states.amazonaws.com', 'scheduler.amazonaws.com'],
          `${id} trusts ${service}`,
        ).toContain(service);
    }
    for (const type of [
      'AWS::IAM::User',
      'AWS::IAM::AccessKey',
      'AWS::IAM::InstanceProfile',
      'AWS::SSM::Activation',
    ])
      template.resourceCountIs(type, 0);
    recordOutcome({
      fault: 'IAM: object access (s3:Get/Put/DeleteObject, s3:*) on the image bucket',
      expected: 'Lambda function roles only; no relay/LPAR/instance role, user or key',
      observed: `${onBucket.length} statements on ${holders.size} roles, all Lambda roles; roles trust only lambda/states/scheduler`,
      imagesLost: 0,
      ok: true,
    });
  });

  it('outputs no policy, credential or role for the relay, and the host documents never call S3 with credentials', () => {
    const outputs = JSON.stringify(template.toJSON().Outputs ?? {});
    expect(outputs).not.toMatch(/s3:|"Statement"|AccessKey|SecretAccessKey|Role/i);
    for (const step of HOST_STEPS) {
      const text = documentContent(step).mainSteps[0].inputs.runCommand.join('\n');
      expect(text, step).not.toMatch(/\baws (s3|s3api)\b|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/);
    }
    recordOutcome({
      fault: 'stack outputs / SSM documents handing the relay S3 rights',
      expected: 'no policy or credential output; hosts use presigned URLs only (curl)',
      observed: `outputs ${outputs === '{}' ? 'none' : 'without policies'}; no "aws s3" or key variables in 3 documents`,
      imagesLost: 0,
      ok: true,
    });
  });

  it('denies every request to the image bucket that does not use TLS, and allows nothing in its policy', () => {
    const [policy] = ofType('AWS::S3::BucketPolicy').filter(([, p]) =>
      JSON.stringify(p.Properties.Bucket).includes(bucketId),
    );
    if (!policy) throw new Error('the image bucket has no bucket policy');
    const statements = (policy[1].Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const tls = statements.filter(
      (s) =>
        s.Effect === 'Deny' &&
        list(s.Action).includes('s3:*') &&
        JSON.stringify(s.Principal).match(/"\*"/) !== null &&
        String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false',
    );
    expect(tls).toHaveLength(1);
    const resource = JSON.stringify(tls[0]?.Resource);
    expect(resource).toContain(bucketId);
    expect(resource).toContain('/*'); // the objects as well as the bucket
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
    recordOutcome({
      fault: 'plain-HTTP request to the image bucket',
      expected: 'bucket policy denies s3:* when aws:SecureTransport is false',
      observed: `Deny s3:* to * on bucket and bucket/* if SecureTransport=false; ${statements.length} statements, 0 Allow`,
      imagesLost: 0,
      ok: true,
    });
  });

  it('gives the functions that sign URLs (prepare-upload, restore-test) the configured URL lifetime', () => {
    const expiries = ofType('AWS::Lambda::Function').flatMap(([, fn]) => {
      const variables = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      return variables?.URL_EXPIRY_SECONDS === undefined ? [] : [variables.URL_EXPIRY_SECONDS];
    });
    expect(expiries).toEqual([String(URL_EXPIRY_SECONDS), String(URL_EXPIRY_SECONDS)]);
  });
});

// --- presigned URLs --------------------------------------------------------------------------------

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

/** The SigV4 signature a presigned S3 URL must carry for `method`, recomputed from the URL alone. */
function sigv4(method: string, url: URL, headers: Readonly<Record<string, string>> = {}): string {
  const query = [...url.searchParams.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const signedHeaders = url.searchParams.get('X-Amz-SignedHeaders') ?? '';
  const all: Record<string, string> = { host: url.host, ...headers };
  const names = Object.keys(all).sort();
  expect(signedHeaders).toBe(names.join(';'));
  const canonical = [
    method,
    url.pathname,
    query,
    ...names.map((n) => `${n}:${all[n]}`),
    '',
    signedHeaders,
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date') ?? '';
  const scope = (url.searchParams.get('X-Amz-Credential') ?? '').split('/').slice(1).join('/');
  const [day, region, service] = scope.split('/');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${CREDENTIALS.secretAccessKey}`, day ?? ''), region ?? ''), service ?? ''),
    'aws4_request',
  );
  return createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
}

const amzDateMs = (v: string | null) =>
  Date.parse((v ?? '').replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));

describe('the presigned URLs prepare-upload makes', () => {
  const BUCKET = 'vault-images-111122223333';
  const KEY = 'images/lpar01/lpar01_mksysb_2026-11-23';
  let manifest: UploadManifest;
  let manifestUrl: URL;
  let signedFrom = 0;
  let signedTo = 0;

  beforeAll(async () => {
    const s3 = new S3Client({ region: REGION, credentials: CREDENTIALS });
    const mock = mockClient(s3);
    // No image of that day yet: the record check finds nothing.
    mock
      .on(GetObjectCommand)
      .rejects(
        Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }),
      );
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-A' });
    mock.on(AbortMultipartUploadCommand).resolves({});
    mock.on(PutObjectCommand).resolves({});
    const presignClient = new S3Client({
      region: REGION,
      credentials: CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    signedFrom = Math.floor(Date.now() / 1000) * 1000;
    const out = await prepareUpload(
      {
        runId: 'run-2026-11-23',
        host: 'lpar01',
        kind: 'mksysb',
        date: '2026-11-23',
        sizeBytes: 20 * 1024 * 1024,
        sha256: 'a'.repeat(64),
      },
      {
        s3,
        presignClient,
        bucket: BUCKET,
        partSizeBytes: 8 * 1024 * 1024,
        urlExpirySeconds: URL_EXPIRY_SECONDS,
        now: () => new Date(),
      },
    );
    signedTo = Date.now();
    const written = mock.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key === out.manifestKey);
    manifest = parseManifest(String(written?.args[0].input.Body), out.manifestKey);
    manifestUrl = new URL(out.manifestUrl);
  });

  const allUrls = () => [
    ...manifest.parts.map((p) => new URL(p.url)),
    ...manifest.sidecars.map((s) => new URL(s.url)),
    manifestUrl,
  ];

  it('expire within transfer.urlExpirySeconds of when they were signed', () => {
    for (const url of allUrls()) {
      expect(url.protocol).toBe('https:');
      expect(Number(url.searchParams.get('X-Amz-Expires'))).toBe(URL_EXPIRY_SECONDS);
      const signed = amzDateMs(url.searchParams.get('X-Amz-Date'));
      expect(signed).toBeGreaterThanOrEqual(signedFrom);
      expect(signed).toBeLessThanOrEqual(signedTo);
    }
    const expiresAt = Date.parse(manifest.expiresAt);
    expect(expiresAt - signedTo).toBeLessThanOrEqual(URL_EXPIRY_SECONDS * 1000);
    expect(expiresAt - signedFrom).toBeGreaterThanOrEqual(URL_EXPIRY_SECONDS * 1000 - 1000);
    recordOutcome({
      fault: 'presigned URL lifetime (transfer.urlExpirySeconds = 900)',
      expected: 'X-Amz-Expires = 900 on every URL, signed at prepare time (https)',
      observed: `${allUrls().length} URLs (3 parts, 5 sidecars, manifest): X-Amz-Expires=900, X-Amz-Date at signing`,
      imagesLost: 0,
      ok: true,
    });
  });

  it('put each part to one key, one upload and one part number, all inside the signature', () => {
    for (const [i, part] of manifest.parts.entries()) {
      const url = new URL(part.url);
      expect(url.host).toBe(`${BUCKET}.s3.${REGION}.amazonaws.com`);
      expect(url.pathname).toBe(`/${KEY}`);
      expect(url.searchParams.get('partNumber')).toBe(String(i + 1));
      expect(url.searchParams.get('uploadId')).toBe('upload-A');
      // The recomputation is right: it reproduces the URL's own signature.
      expect(sigv4('PUT', url)).toBe(url.searchParams.get('X-Amz-Signature'));
    }
    const url = new URL(manifest.parts[0]?.url ?? '');
    const signature = url.searchParams.get('X-Amz-Signature');
    const variant = (edit: (u: URL) => void, method = 'PUT') => {
      const u = new URL(url);
      edit(u);
      return sigv4(method, u);
    };
    const tampered = {
      'partNumber 1→2': variant((u) => u.searchParams.set('partNumber', '2')),
      'another uploadId': variant((u) => u.searchParams.set('uploadId', 'upload-B')),
      'another key': variant((u) => {
        u.pathname = '/images/lpar02/lpar02_mksysb_2026-11-23';
      }),
      'another bucket': variant((u) => {
        u.host = `other-bucket.s3.${REGION}.amazonaws.com`;
      }),
      'X-Amz-Expires raised': variant((u) => u.searchParams.set('X-Amz-Expires', '604800')),
      'GET instead of PUT': variant(() => undefined, 'GET'),
      'DELETE instead of PUT': variant(() => undefined, 'DELETE'),
    };
    for (const [what, recomputed] of Object.entries(tampered)) expect(recomputed, what).not.toBe(signature);
    recordOutcome({
      fault: 'a part URL altered (part number, upload, key, bucket, expiry, method)',
      expected: 'each URL signs exactly one key, uploadId and partNumber: any change breaks the signature',
      observed: `SigV4 recomputed: matches each URL as issued; all ${Object.keys(tampered).length} alterations change it`,
      imagesLost: 0,
      ok: true,
    });
  });

  it('put each sidecar to its own key and let the manifest be read only, by one GET', () => {
    for (const s of manifest.sidecars) {
      const url = new URL(s.url);
      expect(url.searchParams.has('partNumber')).toBe(false);
      expect(
        url.pathname.startsWith(`/${KEY}.`) || url.pathname.startsWith('/uploads/run-2026-11-23/lpar01/'),
      ).toBe(true);
      // Signed with its write-once condition (item 9 of issue 13): a PUT without it fails the signature.
      expect(s.condition, s.name).toBe('if-none-match=*');
      const condition = { 'if-none-match': '*' };
      expect(sigv4('PUT', url, condition), s.name).toBe(url.searchParams.get('X-Amz-Signature'));
      expect(sigv4('GET', url, condition), s.name).not.toBe(url.searchParams.get('X-Amz-Signature'));
    }
    expect(sigv4('GET', manifestUrl)).toBe(manifestUrl.searchParams.get('X-Amz-Signature'));
    expect(sigv4('PUT', manifestUrl)).not.toBe(manifestUrl.searchParams.get('X-Amz-Signature'));
    recordOutcome({
      fault: 'sidecar / manifest URLs used for another key or method',
      expected: 'each sidecar URL is a PUT of its own key; the manifest URL a GET only',
      observed: `${manifest.sidecars.length} sidecar PUTs and the manifest GET verified; other methods fail the signature`,
      imagesLost: 0,
      ok: true,
    });
  });
});
