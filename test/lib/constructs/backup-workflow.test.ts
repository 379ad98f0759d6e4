// The backup workflow construct: state machine types and shapes, the Map's concurrency, idempotent
// child executions, SSM timeouts, a Catch on every task of the per-host machine, least-privilege IAM,
// and asl-validator on each definition as the local runner resolves it.

import { createRequire } from 'node:module';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackupWorkflow, REPEATABLE_AFTER_THROTTLING } from '../../../lib/constructs/backup-workflow.js';
import { HostDocuments } from '../../../lib/constructs/host-documents.js';
import {
  forEachState,
  type ResolvedWorkflow,
  resolveValue,
  resolveWorkflow,
  type TemplateJson,
} from '../../../lib/local/resolve-template.js';
import { testConfig, testStack } from '../harness.js';

// asl-validator ships no type declarations.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator: string) => string;
};

const config = testConfig({
  workflow: { maxConcurrency: 25, backupTimeoutSeconds: 28_800, transferTimeoutSeconds: 14_400 },
});
let template: Template;
let json: TemplateJson;
let resolved: ResolvedWorkflow;

beforeAll(() => {
  const stack = testStack();
  const key = new kms.Key(stack, 'Key');
  const bucket = new s3.Bucket(stack, 'Store', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
  const topic = new sns.Topic(stack, 'Topic');
  const documents = new HostDocuments(stack, 'Documents', {
    workflow: config.workflow,
    transfer: config.transfer,
  });
  new BackupWorkflow(stack, 'Workflow', {
    config,
    bucket,
    fleetParameterPath: '/mksysb-vault/fleet/',
    documentNames: documents.documentNames,
    documentArns: documents.documentArns,
    topic,
  });
  template = Template.fromStack(stack);
  json = template.toJSON() as TemplateJson;
  resolved = resolveWorkflow(json, { bucket: 'store-bucket' });
});

type State = Record<string, unknown> & { Type: string };
function states(kind: keyof ResolvedWorkflow['machines']): Map<string, State> {
  const found = new Map<string, State>();
  forEachState(resolved.machines[kind].definition, (name, state) => found.set(name, state));
  return found;
}

/** The logical id of a handler's role. */
function roleOf(handler: string): string {
  const fn = [...resolved.functions.values()].find((f) => f.handler === handler);
  const role = json.Resources[fn?.logicalId ?? '']?.Properties?.Role as { 'Fn::GetAtt': [string] };
  return role['Fn::GetAtt'][0];
}

/** The IAM statements attached to a handler's role. */
function statementsOf(handler: string) {
  const role = roleOf(handler);
  return statements().filter((s) =>
    ((json.Resources[s.policy]?.Properties?.Roles ?? []) as { Ref: string }[]).some((r) => r.Ref === role),
  );
}

/** Every IAM statement of the template, its resources resolved to strings. */
function statements(): { actions: string[]; resources: string[]; policy: string }[] {
  const out: { actions: string[]; resources: string[]; policy: string }[] = [];
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const document = resolveValue(policy.Properties.PolicyDocument, json, { bucket: 'store-bucket' }) as {
      Statement: { Action: string | string[]; Resource: string | string[] }[];
    };
    for (const s of document.Statement)
      out.push({ actions: [s.Action].flat(), resources: [s.Resource].flat(), policy: id });
  }
  return out;
}

describe('BackupWorkflow', () => {
  it('makes four Standard state machines with X-Ray tracing and ALL-level logs without execution data', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 4);
    template.allResourcesProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
  });

  it('fans the weekly run out with a Distributed Map whose MaxConcurrency is the config value', () => {
    const hosts = states('weekly').get('Hosts');
    expect(hosts).toMatchObject({
      Type: 'Map',
      MaxConcurrency: 25,
      Label: 'Hosts',
      ToleratedFailurePercentage: 100,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
    expect(hosts?.ItemsPath).toBeUndefined();
  });

  it("reads the weekly Map's items from the fleet snapshot load-fleet wrote and writes its results to S3, not to the state", () => {
    const hosts = states('weekly').get('Hosts');
    expect(hosts).toMatchObject({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': '$.bucket', 'Key.$': '$.fleetKey' },
      },
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { 'Bucket.$': '$.bucket', 'Prefix.$': '$.resultsPrefix' },
      },
      ResultPath: '$.mapResults',
    });
    expect(states('weekly').get('LoadFleet')?.Parameters).toMatchObject({ action: 'weekly' });
  });

  it("lets the weekly machine read the run's fleet snapshot and write its map results, no other object, and start its own map-run children", () => {
    const machine = Object.entries(json.Resources).find(
      ([, r]) =>
        r.Type === 'AWS::StepFunctions::StateMachine' && r.Metadata?.['mksysb-vault:workflow'] === 'weekly',
    );
    if (!machine) throw new Error('no weekly state machine in the template');
    const roleArn = machine[1].Properties?.RoleArn as { 'Fn::GetAtt': [string] } | undefined;
    const roleId = roleArn?.['Fn::GetAtt'][0];
    const own = statements().filter((s) =>
      ((json.Resources[s.policy]?.Properties?.Roles ?? []) as { Ref: string }[]).some(
        (r) => r.Ref === roleId,
      ),
    );
    const s3 = own.filter((s) => s.actions.some((a) => a.startsWith('s3:')));
    expect(s3.flatMap((s) => s.resources).sort()).toEqual([
      'arn:aws:s3:::store-bucket/runs/*/fleet.json',
      'arn:aws:s3:::store-bucket/runs/*/map/*',
    ]);
    expect(s3.find((s) => s.resources[0]?.endsWith('map/*'))?.actions.sort()).toEqual([
      's3:AbortMultipartUpload',
      's3:GetObject',
      's3:ListMultipartUploadParts',
      's3:PutObject',
    ]);
    expect(
      own.some(
        (s) =>
          s.actions.includes('states:StartExecution') && s.resources.includes(resolved.machines.weekly.arn),
      ),
    ).toBe(true);
    expect(own.some((s) => s.actions.includes('kms:GenerateDataKey'))).toBe(true);
    // Its map-run children, `execution:<weekly>/Hosts:<id>`: described and stopped by the Map.
    const weeklyName = resolved.machines.weekly.arn.split(':').pop();
    expect(
      own.some(
        (s) =>
          s.actions.includes('states:DescribeExecution') &&
          s.resources.some((r) => r.endsWith(`:execution:${weeklyName}/Hosts:*`)),
      ),
    ).toBe(true);
  });

  it('starts one child execution per host-week with startExecution.sync:2, named <host>-<week>', () => {
    const start = states('weekly').get('StartHost');
    expect(start?.Resource).toBe('arn:aws:states:::states:startExecution.sync:2');
    expect(start?.Parameters).toMatchObject({
      StateMachineArn: resolved.machines.host.arn,
      'Name.$': "States.Format('{}-{}', $.host, $.nameSuffix)",
    });
  });

  it('reports an execution name that already exists as "already ran" instead of running the host again', () => {
    const start = states('weekly').get('StartHost') as unknown as {
      Catch: { ErrorEquals: string[]; Next: string }[];
    };
    expect(start.Catch[0]).toMatchObject({
      ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'],
      Next: 'AlreadyRan',
    });
    expect(states('weekly').get('AlreadyRan')?.Parameters).toEqual({
      'line.$': "States.Format('{}|SKIP|already_ran|0|', $.host)",
    });
  });

  it('sends each host step with a delivery timeout and the configured execution timeout', () => {
    const host = states('host');
    const params = (name: string) =>
      host.get(name)?.Parameters as { TimeoutSeconds: number; Parameters: Record<string, unknown> };
    expect(host.get('Backup')?.Resource).toBe('arn:aws:states:::aws-sdk:ssm:sendCommand');
    expect([params('Preflight'), params('Backup'), params('Transfer')].map((p) => p.TimeoutSeconds)).toEqual([
      600, 600, 600,
    ]);
    expect(params('Backup').Parameters.timeoutSeconds).toEqual(['28800']);
    expect(params('Transfer').Parameters.timeoutSeconds).toEqual(['14400']);
    // The part size prepare-upload plans with, so backup's part MD5s match the manifest.
    expect(params('Backup').Parameters.partSizeBytes).toEqual([String(64 * 1024 * 1024)]);
  });

  it('polls each step with a Wait whose seconds come from the last poll, not a fixed tight loop', () => {
    const host = states('host');
    expect(['PreflightWait', 'BackupWait', 'TransferWait'].map((w) => host.get(w)?.SecondsPath)).toEqual([
      '$.poll.nextWaitSeconds',
      '$.poll.nextWaitSeconds',
      '$.poll.nextWaitSeconds',
    ]);
  });

  it('catches every task of the per-host machine, so a host failure never fails the run', () => {
    const uncaught = [...states('host')]
      .filter(([, s]) => s.Type === 'Task' || s.Type === 'Map')
      .filter(
        ([, s]) =>
          !(s.Catch as { ErrorEquals: string[] }[] | undefined)?.some((c) =>
            c.ErrorEquals.includes('States.ALL'),
          ),
      )
      .map(([name]) => name);
    expect(uncaught).toEqual([]);
  });

  it('retries StoreThrottled in every state whose handler is safe to repeat, never in notify (it would alert twice)', () => {
    const byHandler = new Map<string, { retried: string[]; not: string[] }>();
    for (const kind of ['weekly', 'host', 'freshness', 'restore-test'] as const)
      for (const [name, state] of states(kind)) {
        const fn = resolved.functions.get(String(state.Resource));
        if (state.Type !== 'Task' || !fn) continue;
        const entry = byHandler.get(fn.handler) ?? { retried: [], not: [] };
        const retry = (state.Retry as { ErrorEquals: string[]; MaxAttempts?: number }[] | undefined) ?? [];
        const throttled = retry.find((r) => r.ErrorEquals.includes('StoreThrottled'));
        (throttled && (throttled.MaxAttempts ?? 0) > 0 ? entry.retried : entry.not).push(name);
        byHandler.set(fn.handler, entry);
      }
    const table = Object.fromEntries(
      [...byHandler].sort(([a], [b]) => a.localeCompare(b)).map(([h, e]) => [h, e.not.length ? 'no' : 'yes']),
    );
    expect(table).toEqual({
      'await-command': 'yes',
      'complete-upload': 'yes',
      freshness: 'yes',
      'inspect-image': 'yes',
      'load-fleet': 'yes',
      notify: 'no',
      'prepare-upload': 'yes',
      'record-failure': 'yes',
      'restore-test': 'yes',
      retention: 'yes',
      'run-report': 'yes',
      verify: 'yes',
    });
    expect(byHandler.get('notify')?.retried).toEqual([]);
    // Each handler the table retries says why a repeat is safe.
    for (const [handler, why] of Object.entries(REPEATABLE_AFTER_THROTTLING))
      expect(why === null ? 'no' : 'yes', `${handler}: ${why}`).toBe(table[handler] ?? 'yes');
  });

  it('sends the backup once more when the relay lost it, so the relay attaches to the detached backup', () => {
    const host = states('host');
    const poll = host.get('BackupPoll') as State & { Catch: { Next: string }[] };
    const lost = host.get('BackupLost') as State & {
      Choices: { And: Record<string, unknown>[]; Next: string }[];
      Default: string;
    };
    expect(poll.Catch[0]?.Next).toBe('BackupLost');
    expect(lost.Choices[0]?.Next).toBe('BackupAttachAgain');
    expect(lost.Choices[0]?.And).toEqual([
      { Variable: '$.backupAttached', IsPresent: false },
      {
        Or: [
          { Variable: '$.error.Error', StringEquals: 'HostUnreachable' },
          { Variable: '$.error.Error', StringEquals: 'CommandFailed' },
        ],
      },
    ]);
    expect(lost.Default).toBe('RecordFailure');
    expect(host.get('BackupAttachAgain')?.Next).toBe('Backup');
  });

  it('sends a failed transfer back to PrepareUpload (which resumes the upload) up to three attempts', () => {
    const host = states('host');
    const poll = host.get('TransferPoll') as State & { Catch: { Next: string }[] };
    const again = host.get('ResumeTransfer') as State & {
      Choices: { Variable: string; NumericLessThanEquals: number; Next: string }[];
      Default: string;
    };
    expect(poll.Catch[0]?.Next).toBe('TransferFailed');
    expect(host.get('TransferFailed')?.Next).toBe('ResumeTransfer');
    expect(again.Choices[0]).toEqual({
      Variable: '$.transferAttempt.n',
      NumericLessThanEquals: 3,
      Next: 'PrepareUpload',
    });
    expect(again.Default).toBe('RecordUploadFailure');
  });

  it('passes each definition through asl-validator once resolved', () => {
    const results = (['weekly', 'host', 'freshness', 'restore-test'] as const).map((kind) => {
      const { isValid, errorsText } = aslValidator(resolved.machines[kind].definition);
      return [kind, isValid ? 'valid' : errorsText('; ')];
    });
    expect(results).toEqual([
      ['weekly', 'valid'],
      ['host', 'valid'],
      ['freshness', 'valid'],
      ['restore-test', 'valid'],
    ]);
  });

  it('lets the per-host machine send commands only with the three documents to the fleet managed nodes', () => {
    const send = statements().filter((s) => s.actions.includes('ssm:SendCommand'));
    const resources = [...new Set(send.flatMap((s) => s.resources))];
    // The three backup documents, and the restore-test document (the restore-test machine's alone).
    expect(resources.filter((r) => r.includes(':document/'))).toHaveLength(4);
    expect(resources.filter((r) => !r.includes(':document/')).sort()).toEqual([
      'arn:aws:ec2:eu-west-3:111122223333:instance/i-0fedcba9876543210',
      'arn:aws:ssm:eu-west-3:111122223333:managed-instance/mi-0123456789abcdef0',
    ]);
  });

  it('scopes every S3 object permission to a prefix (images/, uploads/, runs/, quarantine/, locks/, history/, acks/, catalog/)', () => {
    const objectResources = statements()
      .filter((s) => s.actions.some((a) => a.startsWith('s3:') && a !== 's3:ListBucket'))
      .flatMap((s) => s.resources)
      .filter((r) => r.startsWith('arn:aws:s3:::store-bucket'));
    expect(objectResources.length).toBeGreaterThan(0);
    expect(
      objectResources.filter(
        (r) =>
          !/^arn:aws:s3:::store-bucket\/(images|uploads|runs|quarantine|locks|history|acks|catalog)\/[^*]*\*/.test(
            r,
          ),
      ),
    ).toEqual([]);
  });

  it('lets only load-fleet take a host-day claim and only notify give it up', () => {
    const handlersWith = (action: RegExp) =>
      [
        'load-fleet',
        'await-command',
        'prepare-upload',
        'complete-upload',
        'inspect-image',
        'verify',
        'record-failure',
        'notify',
        'retention',
        'run-report',
        'freshness',
      ].filter((h) =>
        statementsOf(h).some(
          (s) =>
            s.actions.some((a) => action.test(a)) &&
            s.resources.includes('arn:aws:s3:::store-bucket/locks/*'),
        ),
      );
    expect({ put: handlersWith(/^s3:PutObject$/), delete: handlersWith(/^s3:DeleteObject/) }).toEqual({
      put: ['load-fleet'],
      delete: ['notify'],
    });
  });

  it('reads each stored image between CompleteUpload and Verify, its small result in $.content', () => {
    const host = states('host');
    const inspect = host.get('InspectImage') as State & {
      Parameters: Record<string, unknown>;
      Catch: { ErrorEquals: string[]; Next: string }[];
    };
    expect({
      afterComplete: host.get('CompleteUpload')?.Next,
      next: inspect.Next,
      resultPath: inspect.ResultPath,
      handler: resolved.functions.get(String(inspect.Resource))?.handler,
      catch: inspect.Catch.map((c) => [c.ErrorEquals, c.Next]),
    }).toEqual({
      afterComplete: 'InspectImage',
      next: 'Verify',
      resultPath: '$.content',
      handler: 'inspect-image',
      catch: [[['States.ALL'], 'RecordUploadFailure']],
    });
    expect(inspect.Parameters).toMatchObject({
      'key.$': '$.upload.key',
      'sizeBytes.$': '$.image.sizeBytes',
    });
    expect(host.get('Verify')?.Parameters).toMatchObject({
      'content.$': '$.content',
    });
  });

  it('gives inspect-image one full vCPU (1,769 MB) and the longest Lambda timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^mksysb-vault inspect-image: '),
      MemorySize: 1769,
      Timeout: 900,
      Environment: { Variables: Match.objectLike({ BUCKET: Match.anyValue() }) },
    });
  });

  it('sizes verify for comparing two 600,000-entry content indexes: 1,024 MB and 2 minutes', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^mksysb-vault verify: '),
      MemorySize: 1024,
      Timeout: 120,
    });
  });

  it('sizes freshness for checking 10,000 hosts in one invocation: 1,024 MB and 15 minutes', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^mksysb-vault freshness: '),
      MemorySize: 1024,
      Timeout: 900,
    });
  });

  it('lets verify read the content indexes and fileset listings it compares, and decrypt them', () => {
    const reads = statementsOf('verify').filter((s) => s.actions.includes('s3:GetObject'));
    expect(reads.flatMap((s) => s.resources)).toContain('arn:aws:s3:::store-bucket/images/*');
    expect(statementsOf('verify').some((s) => s.actions.includes('kms:Decrypt'))).toBe(true);
  });

  it('lets inspect-image read images and put only content indexes (*.index.gz), never delete', () => {
    const mine = statementsOf('inspect-image').filter((s) => s.actions.some((a) => a.startsWith('s3:')));
    const actions = mine.flatMap((s) => s.actions);
    expect({
      puts: mine.filter((s) => s.actions.some((a) => a.startsWith('s3:Put'))),
      deletes: actions.filter((a) => /^s3:(Delete|\*)/.test(a)),
      reads: mine
        .filter((s) => /^s3:(GetObject|ListBucket)$/.test(s.actions.join()))
        .flatMap((s) => s.resources)
        .sort(),
    }).toEqual({
      puts: [
        {
          actions: ['s3:PutObject'],
          resources: ['arn:aws:s3:::store-bucket/images/*.index.gz'],
          policy: expect.any(String),
        },
      ],
      deletes: [],
      reads: ['arn:aws:s3:::store-bucket', 'arn:aws:s3:::store-bucket/images/*'],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleOf('inspect-image') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:PutObject',
            Resource: Match.objectLike({
              'Fn::Join': Match.arrayWith([Match.arrayWith(['/images/*.index.gz'])]),
            }),
          }),
          Match.objectLike({ Action: 'kms:GenerateDataKey' }),
        ]),
      },
    });
  });

  it('gives await-command only ssm:GetCommandInvocation beyond its logs and traces', () => {
    const fn = [...resolved.functions.values()].find((f) => f.handler === 'await-command');
    const role = json.Resources[fn?.logicalId ?? '']?.Properties?.Role as { 'Fn::GetAtt': [string] };
    const ssmActions = statements()
      .filter((s) =>
        template
          .toJSON()
          .Resources[s.policy].Properties.Roles.some((r: { Ref: string }) => r.Ref === role['Fn::GetAtt'][0]),
      )
      .flatMap((s) => s.actions)
      .filter((a) => a.startsWith('ssm:') || a.startsWith('s3:'));
    expect(ssmActions).toEqual(['ssm:GetCommandInvocation']);
  });

  it('marks every function with its handler so the local runner maps ARNs back to code', () => {
    expect([...resolved.functions.values()].map((f) => f.handler).sort()).toEqual([
      'await-command',
      'complete-upload',
      'freshness',
      'inspect-image',
      'load-fleet',
      'notify',
      'prepare-upload',
      'record-failure',
      'restore-test',
      'retention',
      'run-report',
      'verify',
    ]);
  });

  it('passes the alert threshold and the fleet path to the functions that need them', () => {
    const env = (handler: string) =>
      [...resolved.functions.values()].find((f) => f.handler === handler)?.environment;
    expect(env('notify')?.MIN_SEVERITY).toBe(config.alerts.minSeverity);
    expect(env('load-fleet')).toMatchObject({
      FLEET_PARAMETER_PATH: '/mksysb-vault/fleet/',
      TIME_ZONE: 'Europe/Paris',
    });
  });
});
