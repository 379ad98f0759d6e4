// The bundled local scenario and its loader: it validates, its events change only what they name,
// and a bad scenario is refused with the file and the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCENARIO_PATH,
  eventsOfWeek,
  loadScenario,
  scenarioFleet,
} from '../../../lib/local/scenario.js';

describe('the local scenario', () => {
  const scenario = loadScenario(DEFAULT_SCENARIO_PATH);

  it('bundles ten LPARs, two VIOS, a restore-test LPAR and an event in weeks 3 to 7', () => {
    expect(scenario.hosts).toHaveLength(13);
    expect(scenario.hosts.filter((h) => h.kind === 'vios').map((h) => h.host)).toEqual(['vios1', 'vios2']);
    expect([3, 4, 5, 6, 7].map((week) => eventsOfWeek(scenario, week).length > 0)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('changes only the fields an event names (no default size or OS level slipped in)', () => {
    const freed = eventsOfWeek(scenario, 6).find((e) => e.host === 'aixapp03');
    expect(freed?.profile).toEqual({ stagingFreeBytes: 536870912000 });
    const upgraded = eventsOfWeek(scenario, 7).find((e) => e.host === 'aixtst01');
    expect(upgraded?.profile).toEqual({ oslevel: '7300-02-01-2346' });
  });

  it("gives the dev hosts' fleet entries their exclude list, and the others none", () => {
    const fleet = scenarioFleet(scenario, '/tmp/known_hosts');
    expect(fleet.find((h) => h.host === 'aixdev01')?.exclude).toEqual([
      '^./mksysb/',
      '^./var/adm/ras/livedump/',
    ]);
    expect(fleet.find((h) => h.host === 'aixprd01')?.exclude).toEqual([]);
  });

  it('reaches its VIOS as padmin through oem_setup_env', () => {
    const vios = scenarioFleet(scenario, '/tmp/known_hosts').find((h) => h.host === 'vios1');
    expect([vios?.kind, vios?.sshUser, vios?.viosShell, vios?.volumeGroups]).toEqual([
      'vios',
      'padmin',
      'oem_setup_env',
      [],
    ]);
  });

  it("reaches vios2 through ioscli alone, writing into the simulated relay's NFS export", () => {
    const vios = scenarioFleet(scenario, '/tmp/known_hosts').find((h) => h.host === 'vios2');
    expect([vios?.viosShell, vios?.nfsExport, vios?.nfsMountPoint, vios?.staging]).toEqual([
      'ioscli',
      'relay1:/export/mksysb-vault',
      '/mnt',
      '/export/mksysb-vault/vios2',
    ]);
  });

  it('names the host and the field of a bad exclude pattern', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-scenario-'));
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ hosts: [{ host: 'aixa01', exclude: ['^/tmp/'] }] }));
    expect(() => loadScenario(path)).toThrow(
      /hosts\[0\]\.exclude\[0\]: "\^\/tmp\/": names in a mksysb start with/,
    );
  });

  it('names the file and the field of a bad event', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-scenario-'));
    const path = join(dir, 'bad.json');
    writeFileSync(
      path,
      JSON.stringify({
        hosts: [{ host: 'aixa01' }],
        events: [{ week: 2, host: 'aixzz9', what: 'x', profile: {} }],
      }),
    );
    expect(() => loadScenario(path)).toThrow(
      /bad\.json: invalid scenario[\s\S]*events\[0\]\.host.*no simulated host "aixzz9"/,
    );
  });

  it('says when the file is missing', () => {
    expect(() => loadScenario('/nonexistent/scenario.json')).toThrow(
      '/nonexistent/scenario.json: scenario file not found',
    );
  });
});
