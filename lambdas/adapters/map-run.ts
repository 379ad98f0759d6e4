// The weekly Distributed Map's objects in the store (lambdas/core/map-run.ts): load-fleet writes the
// run's fleet snapshot and the hosts it will not start; run-report reads the ResultWriter's manifest
// and result files back as one line per host. The daily freshness check keeps its inventory the same
// way (the snapshot and the fleet's problems), and its findings beside them. Each read or write names
// its key when it fails.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type FleetParameterProblem, FleetParameterProblemSchema } from '../core/fleet.js';
import { type FreshnessFindingsFile, FreshnessFindingsFileSchema } from '../core/freshness.js';
import {
  hostLineOf,
  type MapItem,
  MapItemSchema,
  MapRunError,
  MapRunManifestSchema,
  type MapRunOutput,
  MapRunResultFileSchema,
  type MapRunStatus,
  type NotStarted,
  NotStartedSchema,
} from '../core/map-run.js';
import { readText, type StoreLocation } from './catalog.js';
import { storeCall } from './store-error.js';

async function putJson(store: StoreLocation, key: string, value: unknown, action: string): Promise<void> {
  await storeCall({ action, key }, () =>
    store.client.send(
      new PutObjectCommand({
        Bucket: store.bucket,
        Key: key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
      }),
    ),
  );
}

async function readJson(store: StoreLocation, key: string, action: string): Promise<unknown> {
  const text = (await readText(store, key, { action })) ?? '';
  try {
    return JSON.parse(text);
  } catch {
    throw new MapRunError(`${key}: not JSON (${action})`);
  }
}

/** The Map's items (one per host to start) and the hosts not started, each as one object. */
export async function writeRunFleet(
  store: StoreLocation,
  keys: { fleet: string; notStarted: string },
  items: readonly MapItem[],
  notStarted: NotStarted,
): Promise<void> {
  await putJson(store, keys.fleet, items, 'writing the run fleet snapshot');
  await putJson(store, keys.notStarted, notStarted, 'writing the hosts not started');
}

/** The run's fleet snapshot, as load-fleet wrote it: one item per host. */
export async function readRunFleet(store: StoreLocation, key: string): Promise<MapItem[]> {
  const parsed = MapItemSchema.array().safeParse(
    await readJson(store, key, 'reading the run fleet snapshot'),
  );
  if (!parsed.success) throw new MapRunError(`${key}: not a fleet snapshot (a list of { host })`);
  return parsed.data;
}

/** The fleet parameter entries skipped as invalid, beside the snapshot (lambdas/core/map-run.ts). */
export async function writeFleetProblems(
  store: StoreLocation,
  key: string,
  problems: readonly FleetParameterProblem[],
): Promise<void> {
  await putJson(store, key, problems, 'writing the fleet problems');
}

export async function readFleetProblems(store: StoreLocation, key: string): Promise<FleetParameterProblem[]> {
  const parsed = FleetParameterProblemSchema.array().safeParse(
    await readJson(store, key, 'reading the fleet problems'),
  );
  if (!parsed.success) throw new MapRunError(`${key}: not a list of fleet parameter problems`);
  return parsed.data;
}

/** The freshness check's findings, beside its inventory snapshot. */
export async function writeFreshnessFindings(
  store: StoreLocation,
  key: string,
  file: FreshnessFindingsFile,
): Promise<void> {
  await putJson(store, key, file, 'writing the freshness findings');
}

export async function readFreshnessFindings(
  store: StoreLocation,
  key: string,
): Promise<FreshnessFindingsFile> {
  const parsed = FreshnessFindingsFileSchema.safeParse(
    await readJson(store, key, 'reading the freshness findings'),
  );
  if (!parsed.success)
    throw new MapRunError(
      `${key}: not the freshness findings (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`,
    );
  return parsed.data;
}

export async function readNotStarted(store: StoreLocation, key: string): Promise<NotStarted> {
  const parsed = NotStartedSchema.safeParse(await readJson(store, key, 'reading the hosts not started'));
  if (!parsed.success) throw new MapRunError(`${key}: not a list of hosts not started`);
  return parsed.data;
}

const STATUSES: readonly MapRunStatus[] = ['SUCCEEDED', 'FAILED', 'PENDING'];

/**
 * One result line per child execution of the Map run whose ResultWriter wrote `details`: every
 * result file its manifest names, succeeded, failed and pending alike (a host is never dropped).
 */
export async function readMapRunLines(
  client: StoreLocation['client'],
  details: MapRunOutput['ResultWriterDetails'],
): Promise<string[]> {
  const store = { client, bucket: details.Bucket };
  const manifest = MapRunManifestSchema.safeParse(
    await readJson(store, details.Key, 'reading the Map run manifest'),
  );
  if (!manifest.success)
    throw new MapRunError(
      `${details.Key}: not a ResultWriter manifest (${manifest.error.issues[0]?.path.join('.')}: ${manifest.error.issues[0]?.message})`,
    );
  const lines: string[] = [];
  for (const status of STATUSES)
    for (const file of manifest.data.ResultFiles[status]) {
      const entries = MapRunResultFileSchema.safeParse(
        await readJson(store, file.Key, 'reading a Map run result file'),
      );
      if (!entries.success) throw new MapRunError(`${file.Key}: not a ResultWriter result file`);
      for (const entry of entries.data) lines.push(hostLineOf(entry, status, file.Key));
    }
  return lines;
}
