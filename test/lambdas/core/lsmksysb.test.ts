import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// Edge cases of the lsmksysb parser; real listings are covered in fixtures.test.ts.
import { describe, expect, it } from 'vitest';
import { aixDateToIso, parseFilesetList, parseLsmksysb } from '../../../lambdas/core/lsmksysb.js';

const problems = (text: string) => {
  const r = parseLsmksysb(text, 'x.txt');
  return r.ok ? [] : r.problems;
};

describe('parseLsmksysb', () => {
  it('says an empty file is empty', () => {
    expect(problems('')).toEqual(['x.txt: is empty']);
  });

  it('refuses binary junk without trying to parse it', () => {
    expect(problems('\u0000\u0001\u0002MKSYSB\u00ff\u0003')).toEqual([
      'x.txt: contains binary data, not lsmksysb text',
    ]);
  });

  it('names every missing piece of an unusable listing', () => {
    expect(problems('UNAME INFO: AIX a 1 7 00\n')).toEqual([
      'x.txt: no "VOLUME GROUP:" line',
      'x.txt: no "BACKUP DATE/TIME:" line',
      'x.txt: no logical-volume table (no "LV NAME … MOUNT POINT" header line)',
    ]);
  });

  it('reports a listing cut off in the middle of a table row', () => {
    const text = [
      'VOLUME GROUP: rootvg',
      'BACKUP DATE/TIME: Mon Nov 23 02:14:09 UTC 2026',
      'LV NAME TYPE LPs PPs PVs LV STATE MOUNT POINT',
      'hd5 boot 1 1 1 closed/syncd N/A',
      'hd6 paging 16',
    ].join('\n');
    expect(problems(text)).toEqual(['x.txt: the listing is cut off: "hd6 paging 16"']);
  });

  it('accepts tight spacing, CRLF line ends, extra blank lines and missing optional fields', () => {
    const text =
      'VOLUME GROUP:rootvg\r\n\r\n\r\nBACKUP DATE/TIME:Tue Jun 13 10:52:22 CDT 2017\r\n\r\nrootvg:\r\nLV NAME TYPE LPs PPs PVs LV STATE MOUNT POINT\r\nhd5 boot 1 1 1 closed/syncd N/A\r\n';
    const r = parseLsmksysb(text);
    expect(r.ok && r.report).toMatchObject({
      volumeGroup: 'rootvg',
      backupDate: '2017-06-13T10:52:22-05:00',
      shrinkSizeMB: null,
      maintenanceLevel: null,
      vgDataOnly: null,
      logicalVolumes: [{ name: 'hd5', mountPoint: null }],
    });
  });

  it('keeps lines it does not understand instead of dropping them silently', () => {
    const text =
      'VOLUME GROUP: datavg\nBACKUP DATE/TIME: Mon Nov 23 02:14:09 UTC 2026\nNEW FIELD: 42\nLV NAME TYPE LPs PPs PVs LV STATE MOUNT POINT\nlv01 jfs2 4 4 1 open/syncd /data\n';
    const r = parseLsmksysb(text);
    expect(r.ok && r.report.unrecognisedLines).toEqual(['NEW FIELD: 42']);
    expect(r.ok && r.report.volumeGroup).toBe('datavg');
  });
});

describe('aixDateToIso', () => {
  it('converts dates with a known zone to an instant with an offset', () => {
    expect(aixDateToIso('Mon Jun 6 04:00:06 MST 2011')).toBe('2011-06-06T04:00:06-07:00');
    expect(aixDateToIso('Fri Mar  1 23:59:59 CET 2024')).toBe('2024-03-01T23:59:59+01:00');
    expect(aixDateToIso('Wed Feb 12 03:05:32 GMT+01:00 2014')).toBe('2014-02-12T03:05:32+01:00');
  });

  it('keeps local time without an offset for an unknown or missing zone', () => {
    expect(aixDateToIso('Wed Feb 12 03:05:32 XYZ 2014')).toBe('2014-02-12T03:05:32');
    expect(aixDateToIso('Wed Feb 12 03:05:32 2014')).toBe('2014-02-12T03:05:32');
  });

  it('rejects what is not a date', () => {
    expect(aixDateToIso('yesterday')).toBeNull();
    expect(aixDateToIso('Mon Feb 31 03:05:32 UTC 2014')).toBeNull();
  });
});

describe('parseFilesetList', () => {
  const listing = [
    '  Fileset                      Level  State  Type  Description (Uninstaller)',
    '  ----------------------------------------------------------------------------',
    '  bos.rte                   7.2.5.0    C     F    Base Operating System Runtime',
    '  bos.rte                   7.2.5.0    C     F    Base Operating System Runtime',
    '  openssh.base.client     9.2.112.2401    C     F    Open Secure Shell Commands',
    '',
    'State codes:',
    ' A -- Applied.',
  ].join('\n');

  it('reads filesets with level, state and type, once each', () => {
    expect(parseFilesetList(listing)).toEqual([
      {
        name: 'bos.rte',
        level: '7.2.5.0',
        state: 'C',
        type: 'F',
        description: 'Base Operating System Runtime',
      },
      {
        name: 'openssh.base.client',
        level: '9.2.112.2401',
        state: 'C',
        type: 'F',
        description: 'Open Secure Shell Commands',
      },
    ]);
  });

  it('reads a fileset whose name is alone on its line and whose level is on the next (real lslpp -L)', () => {
    const text = readFileSync(
      fileURLToPath(new URL('../../fixtures/filesets/lslpp-L-wrapped-names.txt', import.meta.url)),
      'utf8',
    );
    expect(parseFilesetList(text).map((f) => `${f.name} ${f.level}`)).toEqual([
      'Firefox.base.adt 3.5.13.1',
      'Firefox.base.rte 3.5.13.1',
      'GSKit8.gskcrypt32.ppc.rte 8.0.14.6',
      'GSKit8.gskcrypt64.ppc.rte 8.0.14.14',
      'GSKit8.gskssl32.ppc.rte 8.0.14.6',
      'GSKit8.gskssl64.ppc.rte 8.0.14.14',
    ]);
    expect(parseFilesetList(text)[2]).toMatchObject({
      state: 'C',
      type: 'F',
      description: 'IBM GSKit Cryptography Runtime',
    });
  });
});
