// The bundled local scenario: a simulated fleet and what happens to it week by week, so that
// `npm start -- --weeks 8 --reset` shows every kind of trouble mksysb-vault exists to catch — an
// image that suddenly shrinks, a host that stops answering, a full staging disk, an OS upgrade —
// and retention pruning old images. Validated like any other input; errors name the field.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ExcludeListSchema } from '../../lambdas/core/exclude-list.js';
import { describeIssues, type FleetHost, FleetHostSchema } from '../../lambdas/core/fleet.js';
import { type RestoreTestTarget, RestoreTestTargetSchema } from '../../lambdas/core/restore-test.js';
import { packagePath } from '../package-root.js';
import { HostProfileSchema, SIM_RELAY, treesBytes } from '../sim-lpar/index.js';

export const DEFAULT_SCENARIO_PATH = 'config/local-scenario.json';

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** A change to one simulated host from a given week on (1 = the first week of the scenario). */
const ScenarioEventSchema = z
  .object({
    week: z.number().int().min(1).max(520),
    host: z.string(),
    /** Shown in the run's output: what the scenario does to the host this week. */
    what: z.string().min(1),
    profile: HostProfileSchema.omit({ host: true }).partial(),
    /**
     * After this week's run, the store's copy of the host's new mksysb image is damaged (64 KiB
     * zeroed mid-image, as bit rot or a bad copy would): verified PASS before, its next restore
     * test fails on the checksum. @default false
     */
    damageStoredImage: z.boolean().default(false),
  })
  .strict();
export type ScenarioEvent = z.infer<typeof ScenarioEventSchema>;

/**
 * A simulated LPAR and, beside its profile, the exclude list its fleet entry gets (`fleet[].exclude`;
 * the simulated mksysb -e honours it). In the hosts rather than the scenario's `config`: a group
 * there names hosts, and a CLI reading a local store parses that config with the store's own fleet.
 */
const ScenarioHostSchema = HostProfileSchema.extend({
  exclude: ExcludeListSchema.default([]),
  /**
   * A test LPAR for restore tests: not backed up; its spare disks (`spareDisks`) are the restore
   * tests' targets (restoreTests.targets of the local config). @default false
   */
  testLpar: z.boolean().default(false),
});

export const ScenarioSchema = z
  .object({
    $schema: z.string().optional(),
    description: z.string().default(''),
    /** The simulated LPARs (the stand-in for the real fleet). */
    hosts: z.array(ScenarioHostSchema).min(1),
    events: z.array(ScenarioEventSchema).default([]),
    /** Deploy-config sections for the local run (verification thresholds scaled to the small images…). */
    config: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    const hosts = new Set(s.hosts.map((h) => h.host));
    s.events.forEach((e, i) => {
      if (!hosts.has(e.host))
        ctx.addIssue({
          code: 'custom',
          path: ['events', i, 'host'],
          message: `no simulated host "${e.host}"`,
        });
    });
  });
export type Scenario = z.infer<typeof ScenarioSchema>;

/**
 * The file a scenario path names, from `cwd`: the default path where the directory has no such file
 * (`mksysb-vault run --local` outside a checkout) is the scenario this package ships.
 */
function scenarioFile(path: string, cwd = process.cwd()): string {
  const file = resolve(cwd, path);
  if (existsSync(file) || file !== resolve(cwd, DEFAULT_SCENARIO_PATH)) return file;
  return packagePath(DEFAULT_SCENARIO_PATH);
}

/** A scenario file by its path from `cwd` (errors name the path as given). */
export function loadScenario(path: string, cwd = process.cwd()): Scenario {
  const file = scenarioFile(path, cwd);
  if (!existsSync(file)) throw new ScenarioError(`${path}: scenario file not found`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ScenarioError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ScenarioSchema.safeParse(value);
  if (!parsed.success)
    throw new ScenarioError(`${path}: invalid scenario\n${describeIssues(parsed.error, '')}`);
  return { ...parsed.data, events: parsed.data.events.map((e, i) => onlyGiven(e, value, i)) };
}

/**
 * An event changes only the fields it names: zod fills a partial object's defaults in (an event
 * that only frees disk space would otherwise also reset the host's size and OS level).
 */
function onlyGiven(event: ScenarioEvent, raw: unknown, index: number): ScenarioEvent {
  const given = (raw as { events?: { profile?: Record<string, unknown> }[] }).events?.[index]?.profile ?? {};
  const profile = Object.fromEntries(
    Object.entries(event.profile).filter(([key]) => Object.hasOwn(given, key)),
  ) as ScenarioEvent['profile'];
  return { ...event, profile };
}

/** The events that take effect in `week` (1-based). */
export function eventsOfWeek(scenario: Scenario, week: number): ScenarioEvent[] {
  return scenario.events.filter((e) => e.week === week);
}

/** The fleet the workflow sees for the simulated hosts: relay mode through the simulated ssh. */
export function scenarioFleet(scenario: Scenario, knownHostsPath: string): FleetHost[] {
  return scenario.hosts
    .filter((h) => !h.testLpar)
    .map((h) =>
      FleetHostSchema.parse({
        host: h.host,
        address: h.address,
        // A simulated VIOS is reached as padmin through the shell its profile allows; one that may use
        // ioscli alone writes through the simulated relay's NFS export.
        ...(h.kind === 'vios' ? { kind: 'vios', viosShell: h.viosShell } : {}),
        ...(h.kind === 'vios' && h.viosShell === 'ioscli'
          ? { nfsExport: `${SIM_RELAY.name}:${SIM_RELAY.exportDir}` }
          : {}),
        managedNodeId: 'mi-00000000000000000',
        knownHostsPath,
        volumeGroups: h.volumeGroups.filter((vg) => vg !== 'rootvg'),
        mksysbFlags: '-X',
        staging: '/mksysb',
        keepLocal: 2,
        expectedSizeBytes: h.sizeBytes + treesBytes(h),
        exclude: h.exclude,
      }),
    );
}

/**
 * The scenario's test LPARs as restore-test targets, reached like the fleet (relay mode, the simulated
 * ssh): their spare disks are the hdisks lspv lists after one disk per volume group.
 */
export function scenarioRestoreTargets(scenario: Scenario, knownHostsPath: string): RestoreTestTarget[] {
  return scenario.hosts
    .filter((h) => h.testLpar)
    .map((h) =>
      RestoreTestTargetSchema.parse({
        host: h.host,
        address: h.address,
        managedNodeId: 'mi-00000000000000000',
        knownHostsPath,
        disks: Array.from({ length: h.spareDisks }, (_, i) => `hdisk${h.volumeGroups.length + i}`),
      }),
    );
}
