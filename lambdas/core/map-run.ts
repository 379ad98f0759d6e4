// The weekly run's Distributed Map, as the store holds it: the items load-fleet writes for it (the
// run's fleet snapshot, read by the Map's ItemReader) and what its ResultWriter writes back (a
// manifest and result files, in Step Functions' layout), turned into one result line per host for the
// run report. Nothing per host travels in the state: 10,000 hosts cost a few keys there. Pure: no SDK.
//
// ResultWriter's layout (Step Functions developer guide, "ResultWriter (Map)"): under
// `<Prefix>/<map run id>/`, `manifest.json` names the result files by status, and each
// `SUCCEEDED_<n>.json` / `FAILED_<n>.json` / `PENDING_<n>.json` is a JSON array of the child
// executions, whose `Input` and `Output` are JSON text.
import { z } from 'zod';
import { dayOf, HostNameSchema, RUNS_PREFIX, validateRunId } from './catalog-keys.js';
import { encodeHostResult } from './run-summary.js';

/** One item of the weekly Map (an element of the fleet snapshot): the rest comes from the state. */
export const MapItemSchema = z.object({ host: HostNameSchema });
export type MapItem = z.infer<typeof MapItemSchema>;

export const NotStartedSchema = z.array(z.object({ host: z.string(), reason: z.string() }));
export type NotStarted = z.infer<typeof NotStartedSchema>;

/** `runs/<day>/<runId>/` : the weekly run's working objects, beside its report `runs/<day>/<runId>.json`. */
export function runWorkPrefix(date: string, runId: string): string {
  return `${RUNS_PREFIX}${dayOf(date)}/${validateRunId(runId)}/`;
}

/** The fleet snapshot the Map's ItemReader reads: a JSON array of MapItem, one per host to start. */
export function runFleetKey(date: string, runId: string): string {
  return `${runWorkPrefix(date, runId)}fleet.json`;
}

/** The hosts asked for or inventoried that the run will not start, with why (a JSON array). */
export function notStartedKey(date: string, runId: string): string {
  return `${runWorkPrefix(date, runId)}not-started.json`;
}

/** Where the Map's ResultWriter writes (`<prefix>/<map run id>/manifest.json` and the result files). */
export function mapResultsPrefix(date: string, runId: string): string {
  return `${runWorkPrefix(date, runId)}map`;
}

const ResultFileSchema = z.object({ Key: z.string().min(1), Size: z.number().optional() });

/** ResultWriter's manifest.json. */
export const MapRunManifestSchema = z.object({
  DestinationBucket: z.string(),
  MapRunArn: z.string(),
  ResultFiles: z.object({
    FAILED: z.array(ResultFileSchema).default([]),
    PENDING: z.array(ResultFileSchema).default([]),
    SUCCEEDED: z.array(ResultFileSchema).default([]),
  }),
});
export type MapRunManifest = z.infer<typeof MapRunManifestSchema>;
export type MapRunStatus = keyof MapRunManifest['ResultFiles'];

/** One child execution in a result file (the fields the run report reads; AWS writes more). */
export const MapRunResultSchema = z
  .object({
    ExecutionArn: z.string().optional(),
    Name: z.string().optional(),
    Status: z.string().optional(),
    Input: z.string(),
    Output: z.string().optional(),
    Error: z.string().optional(),
    Cause: z.string().optional(),
  })
  .passthrough();
export type MapRunResult = z.infer<typeof MapRunResultSchema>;
export const MapRunResultFileSchema = z.array(MapRunResultSchema);

/** What the Distributed Map state returns when it has a ResultWriter. */
export const MapRunOutputSchema = z.object({
  MapRunArn: z.string(),
  ResultWriterDetails: z.object({ Bucket: z.string(), Key: z.string() }),
});
export type MapRunOutput = z.infer<typeof MapRunOutputSchema>;

export class MapRunError extends Error {
  override name = 'MapRunError';
}

function hostOfInput(entry: MapRunResult, where: string): string {
  let input: unknown;
  try {
    input = JSON.parse(entry.Input);
  } catch {
    throw new MapRunError(`${where}: a child execution's Input is not JSON`);
  }
  const host = (input as { host?: unknown } | null)?.host;
  const parsed = HostNameSchema.safeParse(host);
  if (!parsed.success) throw new MapRunError(`${where}: a child execution's Input has no host name`);
  return parsed.data;
}

/**
 * The host's result line of one child execution: a succeeded child's output is its line (the StartHost
 * state's `$.line`); a failed or pending one is the host failing with BACKUP_FAILED, as the Map's
 * own Catch says for a child execution that failed.
 */
export function hostLineOf(entry: MapRunResult, status: MapRunStatus, where: string): string {
  const host = hostOfInput(entry, where);
  if (status === 'SUCCEEDED' && entry.Output !== undefined) {
    let output: unknown;
    try {
      output = JSON.parse(entry.Output);
    } catch {
      throw new MapRunError(`${where}: the Output of host ${host}'s child execution is not JSON`);
    }
    const line = typeof output === 'string' ? output : (output as { line?: unknown } | null)?.line;
    if (typeof line === 'string') return line;
    throw new MapRunError(`${where}: the Output of host ${host}'s child execution holds no result line`);
  }
  return encodeHostResult({
    host,
    verdict: 'FAIL',
    outcome: 'error',
    sizeBytes: 0,
    codes: ['BACKUP_FAILED'],
  });
}

/**
 * The fleet parameter entries load-fleet skipped as invalid (a JSON array of FleetParameterProblem),
 * beside the snapshot: the daily freshness check alerts on each (FLEET_PARAMETER_INVALID).
 */
export function fleetProblemsKey(date: string, runId: string): string {
  return `${runWorkPrefix(date, runId)}fleet-problems.json`;
}

/** The daily freshness check's findings, beside its inventory snapshot (lambdas/core/freshness.ts). */
export function freshnessFindingsKey(date: string, runId: string): string {
  return `${runWorkPrefix(date, runId)}findings.json`;
}
