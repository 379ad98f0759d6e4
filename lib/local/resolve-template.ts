// The synthesized template resolved for local mode: the state machines it holds, made runnable
// offline. The template's DefinitionStrings are `Fn::Join`s of tokens, resolved here to plain ASL with
// fake but well-formed ARNs; each Lambda ARN is mapped back to its handler (CloudFormation metadata
// `mksysb-vault:handler`, set by BackupWorkflow) with its resolved environment, each SSM document name
// to its host step and content. Also: walking every state (Map bodies included) and SDK clients
// answered in-process.
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { HANDLER_METADATA, WORKFLOW_METADATA, type WorkflowKind } from '../constructs/backup-workflow.js';
import type { HandlerName } from '../constructs/handler-function.js';
import type { CommandDocumentContent, HostStep } from '../host-scripts/index.js';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';

export class TemplateResolutionError extends Error {
  override name = 'TemplateResolutionError';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
  readonly Metadata?: Record<string, Json>;
}

export interface TemplateJson {
  readonly Resources: Record<string, CfnResource>;
}

export interface ResolveOptions {
  /** Every S3 bucket in the template resolves to this name (the local store's bucket). */
  readonly bucket: string;
  readonly region?: string;
  readonly account?: string;
}

export interface LocalFunction {
  readonly logicalId: string;
  readonly handler: HandlerName;
  readonly environment: Readonly<Record<string, string>>;
}

export interface LocalDocument {
  readonly step: HostStep;
  readonly content: CommandDocumentContent;
}

export interface ResolvedWorkflow {
  readonly machines: Readonly<Record<WorkflowKind, { arn: string; definition: StateMachineDefinition }>>;
  /** By function ARN. */
  readonly functions: ReadonlyMap<string, LocalFunction>;
  /** By document name (what SendCommand's DocumentName holds). */
  readonly documents: ReadonlyMap<string, LocalDocument>;
}

function arnOf(type: string, id: string, o: Required<ResolveOptions>): string {
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${o.region}:${o.account}:function:${id}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${o.region}:${o.account}:stateMachine:${id}`;
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${o.region}:${o.account}:${id}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${o.bucket}`;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${o.region}:${o.account}:key/${id}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${o.account}:role/${id}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${o.region}:${o.account}:log-group:${id}:*`;
    default:
      return `arn:aws:local:${o.region}:${o.account}:${id}`;
  }
}

function refOf(template: TemplateJson, id: string, o: Required<ResolveOptions>): string {
  const pseudo: Record<string, string> = {
    'AWS::Region': o.region,
    'AWS::AccountId': o.account,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'local',
  };
  if (id in pseudo) return pseudo[id] as string;
  const resource = template.Resources[id];
  if (!resource) throw new TemplateResolutionError(`Ref to ${id}: no such resource in the template`);
  switch (resource.Type) {
    case 'AWS::StepFunctions::StateMachine':
    case 'AWS::SNS::Topic':
      return arnOf(resource.Type, id, o);
    case 'AWS::S3::Bucket':
      return o.bucket;
    case 'AWS::SSM::Parameter': {
      const name = resource.Properties?.Name;
      return typeof name === 'string' ? name : id;
    }
    default:
      return id;
  }
}

function getAtt(template: TemplateJson, id: string, attribute: string, o: Required<ResolveOptions>): string {
  const resource = template.Resources[id];
  if (!resource) throw new TemplateResolutionError(`Fn::GetAtt ${id}.${attribute}: no such resource`);
  if (attribute === 'Arn' || attribute === 'TopicArn') return arnOf(resource.Type, id, o);
  if (attribute === 'Name' || attribute === 'TopicName') return id;
  return `${id}.${attribute}`;
}

/** A template value with every Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split resolved. */
export function resolveValue(value: unknown, template: TemplateJson, options: ResolveOptions): Json {
  const o: Required<ResolveOptions> = { region: LOCAL_REGION, account: LOCAL_ACCOUNT, ...options };
  const walk = (v: unknown): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v as Json;
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, unknown];
      switch (key) {
        case 'Ref':
          return refOf(template, String(arg), o);
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
          return getAtt(template, String(id), String(attribute), o);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          return (walk(parts) as Json[]).map(String).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, unknown];
          return (walk(list) as Json[])[Number(index)] ?? null;
        }
        case 'Fn::Split': {
          const [separator, text] = arg as [string, unknown];
          return String(walk(text)).split(separator);
        }
        case 'Fn::Sub': {
          const [text, variables] = (Array.isArray(arg) ? arg : [arg, {}]) as [
            string,
            Record<string, unknown>,
          ];
          return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (name in variables) return String(walk(variables[name]));
            const [id, attribute] = name.split('.');
            return attribute ? getAtt(template, id as string, attribute, o) : refOf(template, name, o);
          });
        }
        default:
          break;
      }
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, walk(x)]));
  };
  return walk(value);
}

/** The workflow's state machines, functions and documents from a synthesized template. */
export function resolveWorkflow(template: TemplateJson, options: ResolveOptions): ResolvedWorkflow {
  const o: Required<ResolveOptions> = { region: LOCAL_REGION, account: LOCAL_ACCOUNT, ...options };
  const machines: Partial<Record<WorkflowKind, { arn: string; definition: StateMachineDefinition }>> = {};
  const functions = new Map<string, LocalFunction>();
  const documents = new Map<string, LocalDocument>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::StepFunctions::StateMachine') {
      const kind = resource.Metadata?.[WORKFLOW_METADATA];
      if (typeof kind !== 'string') continue;
      const text = resolveValue(resource.Properties?.DefinitionString, template, o);
      if (typeof text !== 'string')
        throw new TemplateResolutionError(`${id}: DefinitionString did not resolve to a string`);
      machines[kind as WorkflowKind] = {
        arn: arnOf(resource.Type, id, o),
        definition: JSON.parse(text) as StateMachineDefinition,
      };
    } else if (resource.Type === 'AWS::Lambda::Function') {
      const handler = resource.Metadata?.[HANDLER_METADATA];
      if (typeof handler !== 'string') continue;
      const variables = resolveValue(
        (resource.Properties?.Environment as { Variables?: Json } | undefined)?.Variables ?? {},
        template,
        o,
      ) as Record<string, Json>;
      functions.set(arnOf(resource.Type, id, o), {
        logicalId: id,
        handler: handler as HandlerName,
        environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
      });
    } else if (resource.Type === 'AWS::SSM::Document') {
      const content = resource.Properties?.Content as unknown as CommandDocumentContent | undefined;
      const step = content?.mainSteps?.[0]?.name;
      if (
        content &&
        (step === 'preflight' || step === 'backup' || step === 'transfer' || step === 'restore-test')
      )
        documents.set(refOf(template, id, o), { step, content });
    }
  }
  for (const kind of ['weekly', 'host', 'freshness', 'restore-test'] as const)
    if (!machines[kind])
      throw new TemplateResolutionError(
        `the template has no state machine with metadata ${WORKFLOW_METADATA}=${kind} (is BackupWorkflow in the stack?)`,
      );
  return { machines: machines as ResolvedWorkflow['machines'], functions, documents };
}

type State = Record<string, unknown> & { Type: string };

/** Calls `visit` for every state, the states inside Map and Parallel bodies too. */
export function forEachState(
  definition: { States: Record<string, unknown> },
  visit: (name: string, state: State) => void,
): void {
  for (const [name, state] of Object.entries(definition.States) as [string, State][]) {
    visit(name, state);
    const body = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, unknown> } | undefined;
    if (body) forEachState(body, visit);
    for (const branch of (state.Branches ?? []) as { States: Record<string, unknown> }[])
      forEachState(branch, visit);
  }
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: unknown,
        context: { commandName?: string },
      ) => (args: { input: Record<string, unknown> }) => Promise<unknown>,
      options: { step: 'initialize'; name: string; priority: 'high' },
    ): void;
  };
}

/**
 * Makes an SDK v3 client answer every command in-process: `answer(commandName, input)` returns the
 * output or throws the service's error (its `name` is what Step Functions and the handlers match on).
 */
export function answerLocally<C>(
  client: C,
  answer: (command: string, input: Record<string, unknown>) => Promise<unknown>,
): C {
  (client as unknown as MiddlewareClient).middlewareStack.add(
    (_next, context) => async (args) => ({
      output: { $metadata: {}, ...((await answer(String(context.commandName), args.input)) as object) },
      response: {},
    }),
    { step: 'initialize', name: 'answerLocally', priority: 'high' },
  );
  return client;
}
