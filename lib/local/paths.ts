// Where a local installation keeps its state: the project-local data directory that `npm start`
// fills and every CLI command reads. Kept between runs so history accumulates; `--reset` empties it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { FleetSchema } from '../../lambdas/core/fleet.js';

export const DEFAULT_DATA_DIR = '.mksysb-vault';
export const LOCAL_BUCKET = 'mksysb-vault-local';

export interface LocalPaths {
  readonly root: string;
  /** s3rver's directory: the image store. */
  readonly store: string;
  /** The simulated LPARs (their staging filesystems, profiles, stand-in commands). */
  readonly lpars: string;
  /** Every SNS message the local pipeline published, one JSON object per line. */
  readonly alerts: string;
  /** The simulated clock and the fleet of the last local run. */
  readonly state: string;
}

export function localPaths(dataDir: string, cwd = process.cwd()): LocalPaths {
  const root = resolve(cwd, dataDir);
  return {
    root,
    store: join(root, 'store'),
    lpars: join(root, 'lpars'),
    alerts: join(root, 'alerts.jsonl'),
    state: join(root, 'state.json'),
  };
}

/** state.json cannot be read: names the file and what is wrong. */
export class LocalStateError extends Error {
  override name = 'LocalStateError';
}

/** What `state.json` holds between local runs (lib/cli/store.ts reads it too). */
export const LocalStateSchema = z
  .object({
    /** When the next scheduled weekly run is, on the simulated clock. */
    nextRunDate: z.string(),
    /** Where the simulated clock stood when the last run ended. */
    clock: z.string().optional(),
    fleet: FleetSchema.optional(),
    /** The scenario file the store was made with and how many weeks of it have run. */
    scenario: z.string().optional(),
    scenarioWeeks: z.number().int().nonnegative().default(0),
    /** Per-host execution names used (newest last): a host-week runs once, as on AWS. */
    executions: z.array(z.string()).default([]),
  })
  .passthrough();
export type LocalState = z.infer<typeof LocalStateSchema>;

/** Execution names remembered across runs: 60 weeks of a 100-host fleet. */
export const REMEMBERED_EXECUTIONS = 6000;

export function readLocalState(path: string): LocalState | null {
  if (!existsSync(path)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new LocalStateError(`${path}: not JSON (${(error as Error).message}); --reset starts afresh`);
  }
  const parsed = LocalStateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LocalStateError(
      `${path}: not a local run state (${issue?.path.join('.') || '(root)'}: ${issue?.message}); --reset starts afresh`,
    );
  }
  return parsed.data;
}
