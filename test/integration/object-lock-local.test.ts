// The local runner wires each Lambda through the function's own composition root (lambdas/<fn>/deps.ts),
// as its entry does: what the template's environment says reaches the logic. Before, the runner read
// the environment a second way and dropped OBJECT_LOCK_MODE, so a GOVERNANCE bucket got COMPLIANCE
// locks locally (which nobody can shorten) while AWS would have set GOVERNANCE ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseDeployConfig } from '../../lib/config.js';
import { synthesizeLocalStack } from '../../lib/local/pipeline.js';
import { LocalWorkflow } from '../../lib/local/workflow-runner.js';
import { createSimulatedFleet } from '../../lib/sim-lpar/index.js';
import { startTestStore, type TestStore } from '../support/local-store.js';

const MiB = 1024 * 1024;
let store: TestStore | undefined;
const dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-lock-'));
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('locks the images it keeps in the GOVERNANCE mode the config asks for, as the deployed retention does', async () => {
  const sim = createSimulatedFleet(dir, [{ host: 'aixprd01', sizeBytes: 16 * MiB }]);
  const config = parseDeployConfig(
    {
      fleet: [
        {
          host: 'aixprd01',
          managedNodeId: 'mi-0123456789abcdef0',
          knownHostsPath: sim.knownHostsPath,
          expectedSizeBytes: 16 * MiB,
        },
      ],
      verification: { absoluteFloorBytes: 8 * MiB, sizeMismatchSlackBytes: 4 * MiB },
      transfer: { partSizeMiB: 8, retryDelaySeconds: 0 },
      storage: { objectLock: { mode: 'GOVERNANCE', days: 14 } },
    },
    'object lock test config',
  );
  store = await startTestStore();
  const workflow = new LocalWorkflow({
    template: synthesizeLocalStack(config),
    store,
    simFleetDir: dir,
    fleet: config.fleet,
  });
  const run = await workflow.runWeekly({ date: '2026-11-23T02:01:00.000Z' });
  expect(run.output.results.map((line) => line.split('|').slice(0, 2).join(' '))).toEqual(['aixprd01 PASS']);
  expect(store.retentionOf('images/aixprd01/aixprd01_mksysb_2026-11-23')?.mode).toBe('GOVERNANCE');
});
