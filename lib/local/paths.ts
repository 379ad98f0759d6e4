// Where a local installation keeps its state: the project-local data directory that `npm start`
// fills and every CLI command reads. Kept between runs so history accumulates; `--reset` empties it.
import { join, resolve } from 'node:path';

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
