// The parsers against every AIX output in test/fixtures/ (sources in test/fixtures/README.md; real
// outputs under lsmksysb/ and logs/, labelled synthetic ones under synthetic/). The expected values
// were read off each file by eye and written to test/fixtures/expected.json.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type LogicalVolume, parseLsmksysb } from '../../../lambdas/core/lsmksysb.js';
import { classifyMksysbLog } from '../../../lambdas/core/mksysb-log.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const expected = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8')) as Record<
  string,
  Record<string, unknown>
>;
const read = (name: string) => readFileSync(`${FIXTURES}${name}`, 'utf8');
const files = (dir: string) => readdirSync(`${FIXTURES}${dir}`).map((f) => `${dir}/${f}`);
const all = [...files('lsmksysb'), ...files('logs'), ...files('synthetic')];
const listings = all.filter((f) => !f.endsWith('.log'));
const logs = all.filter((f) => f.endsWith('.log'));

/** The fixtures write `N/A` as AIX prints it; the parser reports an absent mount point as null. */
function lvAsExpected(lv: LogicalVolume | undefined) {
  return lv ? { ...lv, mountPoint: lv.mountPoint ?? 'N/A' } : null;
}

describe('fixtures', () => {
  it('every fixture file has expected values', () => {
    for (const name of all) expect(expected[name], `${name} in expected.json`).toBeDefined();
  });

  it('every fixture file has a row in the README table of its kind (real ones with their source)', () => {
    const readme = read('README.md');
    const section = (title: string) => readme.split(`## ${title}`)[1]?.split('\n## ')[0] ?? '';
    const real = section('Real');
    const synthetic = section('Synthetic');
    for (const name of all) {
      const table = name.startsWith('synthetic/') ? synthetic : real;
      expect(table, `${name} listed in README`).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
    }
  });
});

describe('lsmksysb -lf listings', () => {
  it.each(listings)('%s parses to the values read off it', (name) => {
    const want = expected[name] as Record<string, unknown>;
    const parsed = parseLsmksysb(read(name), name);
    if (want.expectParseFailure) {
      expect(parsed.ok).toBe(false);
      return;
    }
    const r = parsed.ok ? parsed.report : parsed.found;
    if (!r)
      throw new Error(`${name}: parsed to no field at all: ${parsed.ok ? '' : parsed.problems.join('; ')}`);
    const got: Record<string, unknown> = {
      volumeGroup: r.volumeGroup,
      backupDateRaw: r.backupDateRaw,
      uname: r.uname,
      osLevel: r.osLevel,
      maintenanceLevel: r.maintenanceLevel,
      backupSizeMB: r.backupSizeMB,
      shrinkSizeMB: r.shrinkSizeMB,
      vgDataOnly: r.vgDataOnly,
      lvCount: r.logicalVolumes?.length || null,
      firstLv: lvAsExpected(r.logicalVolumes?.[0]),
      lastLv: lvAsExpected(r.logicalVolumes?.at(-1)),
    };
    for (const key of Object.keys(got))
      if (key in want) expect(got[key], `${name}: ${key}`).toEqual(want[key]);
    // A listing without its table, or cut inside it, is unusable for verification, and says why.
    const usable = want.lvCount !== null && !want.truncated;
    expect(parsed.ok, `${name}: usable`).toBe(usable);
    if (!parsed.ok && want.lvCount === null)
      expect(parsed.problems.join()).toMatch(/no logical-volume table/);
    if (!parsed.ok && want.truncated) expect(parsed.problems.join()).toMatch(/cut off/);
  });
});

describe('mksysb and savevg logs', () => {
  it('include failures', () => {
    expect(logs.filter((l) => expected[l]?.outcome === 'failed').length).toBeGreaterThanOrEqual(3);
  });

  it.each(logs)('%s is classified as read off it', (name) => {
    const want = expected[name] as Record<string, unknown>;
    const r = classifyMksysbLog(read(name));
    const got: Record<string, unknown> = {
      command: r.command,
      outcome: r.outcome,
      codes: r.codes,
      filesBackedUp: r.filesBackedUp,
      filesTotal: r.filesToBackUp,
      requiredKB: r.requiredKB,
      availableKB: r.availableKB,
    };
    for (const key of Object.keys(got))
      if (key in want) expect(got[key], `${name}: ${key}`).toEqual(want[key]);
  });
});
