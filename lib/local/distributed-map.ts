// A Distributed Map state run locally, as Step Functions runs it: aws-local-stepfunctions has no
// ItemReader or ResultWriter, so before execution each `Map` whose ProcessorConfig.Mode is DISTRIBUTED
// is replaced by a Task (same ResultSelector, ResultPath, OutputPath, Catch, Retry, Next) whose local
// handler (runDistributedMap) reads the ItemReader's JSON array from the local store, runs each item
// through the ItemProcessor as a map-run child execution of its own (at most MaxConcurrency at once),
// writes ResultWriter's manifest.json and SUCCEEDED_0.json / FAILED_0.json in AWS's layout, fails with
// States.ExceedToleratedFailureThreshold past the tolerated failures, and returns what AWS returns:
// `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`. The parent's history counts the Map as AWS
// does (MapStateEntered, MapRunStarted, MapRunSucceeded, MapStateExited: DISTRIBUTED_MAP_EVENTS), not
// per item; each child's history is its own (lib/local/workflow-runner.ts counts it).
import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/** The Resource of the Task that stands in for a Distributed Map (no such service exists on AWS). */
export const LOCAL_DISTRIBUTED_MAP_RESOURCE = 'arn:aws:states:::local:distributedMap';

/**
 * History events of a Distributed Map state in its parent's history: MapStateEntered, MapRunStarted,
 * MapRunSucceeded (or MapRunFailed), MapStateExited. Its items' events are in their child executions.
 */
export const DISTRIBUTED_MAP_EVENTS = 4;

type Json = unknown;
type StateJson = Record<string, Json> & { Type: string };

/** A Distributed Map state of a definition, as written (the parts the local run reads). */
export interface DistributedMapState {
  readonly name: string;
  readonly label: string;
  readonly itemReader: {
    Resource: string;
    ReaderConfig?: { InputType?: string; MaxItems?: number };
    Parameters?: Json;
  };
  readonly itemSelector?: Json;
  readonly processor: StateMachineDefinition;
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage: number;
  readonly resultWriter?: { Resource?: string; Parameters?: Json };
}

export class LocalDistributedMapError extends Error {
  override name = 'LocalDistributedMapError';
}

/**
 * The definition aws-local-stepfunctions runs: every top-level DISTRIBUTED Map replaced by a Task of
 * LOCAL_DISTRIBUTED_MAP_RESOURCE, and the maps by state name.
 */
export function withLocalDistributedMaps(definition: StateMachineDefinition): {
  definition: StateMachineDefinition;
  maps: ReadonlyMap<string, DistributedMapState>;
} {
  const maps = new Map<string, DistributedMapState>();
  const states: Record<string, StateJson> = {};
  for (const [name, raw] of Object.entries(definition.States) as [string, StateJson][]) {
    const processor = raw.ItemProcessor as
      | (StateMachineDefinition & { ProcessorConfig?: { Mode?: string } })
      | undefined;
    if (raw.Type !== 'Map' || processor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') {
      states[name] = raw;
      continue;
    }
    if (!raw.ItemReader)
      throw new LocalDistributedMapError(
        `${name}: a Distributed Map without an ItemReader is not run locally`,
      );
    const { ProcessorConfig: _config, ...body } = processor;
    maps.set(name, {
      name,
      label: typeof raw.Label === 'string' ? raw.Label : name,
      itemReader: raw.ItemReader as DistributedMapState['itemReader'],
      itemSelector: raw.ItemSelector,
      processor: body as StateMachineDefinition,
      maxConcurrency:
        typeof raw.MaxConcurrency === 'number' && raw.MaxConcurrency > 0 ? raw.MaxConcurrency : 1000,
      toleratedFailurePercentage:
        typeof raw.ToleratedFailurePercentage === 'number' ? raw.ToleratedFailurePercentage : 0,
      resultWriter: raw.ResultWriter as DistributedMapState['resultWriter'],
    });
    const kept = Object.fromEntries(
      ['Comment', 'InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Next', 'End', 'Catch', 'Retry']
        .filter((key) => raw[key] !== undefined)
        .map((key) => [key, raw[key]]),
    );
    states[name] = { Type: 'Task', Resource: LOCAL_DISTRIBUTED_MAP_RESOURCE, ...kept };
  }
  return { definition: { ...definition, States: states } as StateMachineDefinition, maps };
}

/** A JSONPath of the simple kind the workflow writes: `$`, `$.a.b`, `$$.Map.Item.Value.host`. */
function readPath(path: string, input: Json, context: Json): Json {
  const [root, rest] = path.startsWith('$$') ? [context, path.slice(2)] : [input, path.slice(1)];
  if (rest === '') return root;
  if (!/^(\.[A-Za-z0-9_]+)+$/.test(rest))
    throw new LocalDistributedMapError(`path ${path}: only $.a.b and $$.a.b paths are run locally`);
  let value: Json = root;
  for (const key of rest.slice(1).split('.')) {
    if (value === null || typeof value !== 'object' || !(key in value))
      throw new LocalDistributedMapError(`States.Runtime: the path ${path} matched nothing`);
    value = (value as Record<string, Json>)[key];
  }
  return value;
}

/** A Parameters / ItemSelector template evaluated: `"key.$": "<path>"` fields read, the rest literal. */
export function evaluateTemplate(template: Json, input: Json, context: Json): Json {
  if (Array.isArray(template)) return template.map((v) => evaluateTemplate(v, input, context));
  if (template === null || typeof template !== 'object') return template;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(template as Record<string, Json>)) {
    if (key.endsWith('.$')) {
      if (typeof value !== 'string' || !value.startsWith('$'))
        throw new LocalDistributedMapError(`${key}: ${JSON.stringify(value)} (only paths are run locally)`);
      out[key.slice(0, -2)] = readPath(value, input, context);
    } else out[key] = evaluateTemplate(value, input, context);
  }
  return out;
}

/** One map-run child as it ended. */
export interface MapRunChild {
  readonly name: string;
  readonly executionArn: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly input: Json;
  readonly output: Json;
  readonly startedAt: string;
  readonly endedAt: string;
}

export interface DistributedMapRun {
  readonly state: DistributedMapState;
  /** The state's input (after InputPath): what ItemReader and ItemSelector paths read. */
  readonly input: Json;
  /** The parent execution's context object (`$$`). */
  readonly context: Record<string, Json>;
  /** The parent state machine's ARN and execution name. */
  readonly stateMachineArn: string;
  readonly executionName: string;
  readonly s3: S3Client;
  /** Runs one item through the ItemProcessor as a child execution. */
  readonly runChild: (child: {
    name: string;
    arn: string;
    input: Json;
    index: number;
  }) => Promise<MapRunChild>;
}

async function getJson(s3: S3Client, bucket: string, key: string): Promise<Json> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await object.Body?.transformToString('utf8')) ?? '';
  try {
    return JSON.parse(text);
  } catch {
    throw new LocalDistributedMapError(`States.ItemReaderFailed: s3://${bucket}/${key} is not JSON`);
  }
}

function failure(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** The Map run: items read, children run (MaxConcurrency at once), results written. What AWS returns. */
export async function runDistributedMap(run: DistributedMapRun): Promise<Json> {
  const { state } = run;
  if (
    !state.itemReader.Resource.endsWith(':s3:getObject') ||
    state.itemReader.ReaderConfig?.InputType !== 'JSON'
  )
    throw new LocalDistributedMapError(
      `${state.name}: only an ItemReader of s3:getObject with InputType JSON is run locally`,
    );
  const where = evaluateTemplate(state.itemReader.Parameters, run.input, run.context) as {
    Bucket: string;
    Key: string;
  };
  const items = await getJson(run.s3, where.Bucket, where.Key).catch((error: Error) => {
    throw failure(
      'States.ItemReaderFailed',
      `${state.name}: s3://${where.Bucket}/${where.Key}: ${error.message}`,
    );
  });
  if (!Array.isArray(items))
    throw failure(
      'States.ItemReaderFailed',
      `${state.name}: s3://${where.Bucket}/${where.Key} is not a JSON array`,
    );
  const limited = state.itemReader.ReaderConfig?.MaxItems
    ? items.slice(0, state.itemReader.ReaderConfig.MaxItems)
    : items;

  const mapRunId = uuidOf(`${run.stateMachineArn}:${run.executionName}:${state.name}`);
  const machineName = run.stateMachineArn.split(':').pop() ?? 'machine';
  const executionArnPrefix = run.stateMachineArn.replace(':stateMachine:', ':execution:');
  const children: MapRunChild[] = new Array(limited.length);
  let next = 0;
  const worker = async () => {
    while (next < limited.length) {
      const index = next;
      next += 1;
      const context = { ...run.context, Map: { Item: { Index: index, Value: limited[index] } } };
      const input =
        state.itemSelector === undefined
          ? limited[index]
          : evaluateTemplate(state.itemSelector, run.input, context);
      const name = uuidOf(`${mapRunId}:${index}`);
      children[index] = await run.runChild({
        name,
        arn: `${executionArnPrefix}/${state.label}:${name}`,
        input,
        index,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(state.maxConcurrency, limited.length) }, worker));

  const failed = children.filter((c) => c.status === 'FAILED');
  const mapRunArn = `${run.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${state.label}:${mapRunId}`;
  let output: Json = { MapRunArn: mapRunArn };
  if (state.resultWriter) {
    const target = evaluateTemplate(state.resultWriter.Parameters, run.input, run.context) as {
      Bucket: string;
      Prefix?: string;
    };
    const base = `${target.Prefix ? `${target.Prefix.replace(/\/$/, '')}/` : ''}${mapRunId}/`;
    const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]> = {
      FAILED: [],
      PENDING: [],
      SUCCEEDED: [],
    };
    for (const status of ['SUCCEEDED', 'FAILED'] as const) {
      const of = children.filter((c) => c.status === status);
      if (of.length === 0) continue;
      const key = `${base}${status}_0.json`;
      const body = JSON.stringify(of.map((c) => resultEntry(c, run.stateMachineArn)));
      await put(run.s3, target.Bucket, key, body);
      files[status].push({ Key: key, Size: Buffer.byteLength(body) });
    }
    const manifestKey = `${base}manifest.json`;
    await put(
      run.s3,
      target.Bucket,
      manifestKey,
      JSON.stringify({ DestinationBucket: target.Bucket, MapRunArn: mapRunArn, ResultFiles: files }),
    );
    output = { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: target.Bucket, Key: manifestKey } };
  } else {
    // Without a ResultWriter the children's outputs come back as an array, as an inline Map's do.
    output = children.map((c) => c.output);
  }
  if (limited.length > 0 && (100 * failed.length) / limited.length > state.toleratedFailurePercentage)
    throw failure(
      'States.ExceedToleratedFailureThreshold',
      `${state.name} (${machineName}): ${failed.length} of ${limited.length} child executions failed, over the tolerated ${state.toleratedFailurePercentage}%`,
    );
  return output;
}

/** A child execution as ResultWriter writes it: Input and Output as JSON text. */
function resultEntry(child: MapRunChild, stateMachineArn: string): Record<string, Json> {
  const common = {
    ExecutionArn: child.executionArn,
    Input: JSON.stringify(child.input),
    InputDetails: { Included: true },
    Name: child.name,
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    StartDate: child.startedAt,
    StateMachineArn: stateMachineArn,
    Status: child.status,
    StopDate: child.endedAt,
  };
  if (child.status === 'SUCCEEDED')
    return { ...common, Output: JSON.stringify(child.output), OutputDetails: { Included: true } };
  const out = child.output as { error?: unknown; cause?: unknown } | null;
  return { ...common, Error: String(out?.error ?? 'States.TaskFailed'), Cause: String(out?.cause ?? '') };
}

async function put(s3: S3Client, bucket: string, key: string, body: string): Promise<void> {
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
  );
}

/** A UUID-shaped id derived from `seed`: the same run writes the same keys. */
function uuidOf(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
