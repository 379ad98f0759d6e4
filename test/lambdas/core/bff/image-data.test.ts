// The image.data parser on real mkszfile output (test/fixtures/image-data/, sources in its README) and
// on the ways a file can be broken.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseImageData, summariseImageData } from '../../../../lambdas/core/bff/image-data.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/image-data/', import.meta.url));
const read = (name: string) => readFileSync(`${FIXTURES}${name}`, 'utf8');
const problemsOf = (text: string) => {
  const r = parseImageData(text, 'x.data');
  return r.ok ? [] : r.problems;
};

describe('parseImageData on real image.data', () => {
  const head = parseImageData(read('ahix-p770-2-aix61-rootvg-head.image.data'), 'ahix');

  it('reads the volume group, its PP size and its disks from the vg_data stanza', () => {
    expect(head.imageData.volumeGroup).toMatchObject({
      name: 'rootvg',
      ppSizeMB: 32,
      sourceDisks: ['hdisk0', 'hdisk1'],
    });
  });

  it('keeps every field of the image_data stanza as written', () => {
    expect(head.imageData.image).toMatchObject({
      IMAGE_TYPE: 'bff',
      DATE_TIME: 'Tue Jun 10 18:25:56 CEST 2014',
      OSLEVEL: '6.1.8.0',
      OSLEVEL_R: '6100-03',
      USERVG_LIST: 'data3vg data2vg data4vg data5vg',
    });
    expect(head.imageData.logicalVolumePolicy).toEqual({ SHRINK: 'no', EXACT_FIT: 'no' });
    expect(head.imageData.ilsData).toEqual({ LANG: 'C' });
  });

  it('reads one source_disk_data stanza per disk', () => {
    expect(head.imageData.sourceDisks.map((d) => [d.name, d.sizeMB])).toEqual([
      ['hdisk0', 30848],
      ['hdisk1', 30848],
    ]);
  });

  it('reads the boot logical volume with an empty mount point as null', () => {
    expect(head.imageData.logicalVolumes[0]).toMatchObject({
      name: 'hd5',
      type: 'boot',
      lps: 1,
      mountPoint: null,
      volumeGroup: 'rootvg',
    });
    expect(head.imageData.logicalVolumes[0]?.fields.LABEL).toBe('primary_bootlv');
  });

  it('reports the stanza the file is cut in, and the missing fs_data, by line', () => {
    expect(head.ok).toBe(false);
    if (head.ok) return;
    expect(head.problems).toEqual([
      'ahix: line 87: lv_data has no LOGICAL_VOLUME (the stanza is cut short)',
      'ahix: no fs_data stanza',
    ]);
  });

  it('reads an indented stanza and drops the trailing spaces after values', () => {
    const r = parseImageData(read('bond-huang-hd5-indented.lv_data'));
    expect(r.imageData.logicalVolumes).toHaveLength(1);
    expect(r.imageData.logicalVolumes[0]).toMatchObject({
      name: 'hd5',
      sourceDisks: ['hdisk0'],
      mountPoint: null,
      lps: 1,
    });
    expect(r.imageData.logicalVolumes[0]?.fields.FS_TAG).toBe('');
  });

  it('keeps a mirrored logical volume’s map file and copies', () => {
    const r = parseImageData(read('unixhealthcheck-hd6-mirrored.lv_data'));
    expect(r.imageData.logicalVolumes[0]).toMatchObject({ name: 'hd6', type: 'paging', lps: 124 });
    expect(r.imageData.logicalVolumes[0]?.fields).toMatchObject({
      COPIES: '2',
      PP: '248',
      MAPFILE: '/tmp/vgdata/rootvg/hd6.map',
    });
  });

  it('says a lone lv_data stanza lacks its vg_data and fs_data', () => {
    expect(problemsOf(read('unixhealthcheck-hd6-mirrored.lv_data'))).toEqual([
      'x.data: no vg_data stanza',
      'x.data: no fs_data stanza',
    ]);
  });
});

describe('parseImageData on the complete composite', () => {
  const r = parseImageData(read('synthetic-composite-rootvg.image.data'));

  it('accepts a complete file', () => {
    expect(r.ok ? [] : r.problems).toEqual([]);
  });

  it('summarises the volume group, logical volumes and mount points', () => {
    expect(summariseImageData(r.imageData)).toEqual({
      volumeGroup: 'rootvg',
      logicalVolumes: ['hd5', 'hd6', 'hd4', 'hd2'],
      fileSystems: ['/', '/usr'],
    });
  });

  it('reads fs_data sizes and strips /dev/ from the logical volume', () => {
    expect(r.imageData.fileSystems[1]).toMatchObject({
      mountPoint: '/usr',
      logicalVolume: 'hd2',
      sizeBlocks: 4194304,
      minSizeBlocks: 3900000,
    });
  });

  it('skips stanzas it does not know (post_install_data) without a problem', () => {
    expect(JSON.stringify(r.imageData)).not.toContain('BOSINST_FILE');
  });
});

describe('parseImageData on broken input', () => {
  it('says an empty file is empty', () => {
    expect(problemsOf('  \n')).toEqual(['x.data: is empty']);
  });

  it('refuses binary data without parsing it', () => {
    expect(problemsOf('\u0000\u0001vg_data:\u00ff')).toEqual([
      'x.data: contains binary data, not image.data text',
    ]);
  });

  it('reads KEY=value and KEY = value as well as KEY= value', () => {
    const r = parseImageData('vg_data:\n    VGNAME=datavg\n    PPSIZE = 64\n');
    expect(r.imageData.volumeGroup).toMatchObject({ name: 'datavg', ppSizeMB: 64 });
  });

  it('names a field outside any stanza and a line that is neither field nor header', () => {
    const text = 'VGNAME= rootvg\nvg_data:\nVGNAME= rootvg\nthis is not image.data\n';
    expect(problemsOf(text).slice(0, 2)).toEqual([
      'x.data: line 1: field outside any stanza: "VGNAME= rootvg"',
      'x.data: line 4: neither a stanza header nor a field: "this is not image.data"',
    ]);
  });

  it('reports a logical volume of another volume group and a file system on an unknown LV', () => {
    const text = [
      'vg_data:',
      'VGNAME= rootvg',
      'lv_data:',
      'VOLUME_GROUP= datavg',
      'LOGICAL_VOLUME= lv01',
      'fs_data:',
      'FS_NAME= /data',
      'FS_LV= /dev/lv02',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      'x.data: line 3: lv_data lv01 is in VOLUME_GROUP datavg, the vg_data is rootvg',
      'x.data: line 6: fs_data /data is on lv02, which has no lv_data stanza',
    ]);
  });

  it('reports two vg_data stanzas and a repeated logical volume', () => {
    const text =
      'vg_data:\nVGNAME= a\nvg_data:\nVGNAME= b\nlv_data:\nLOGICAL_VOLUME= x\nlv_data:\nLOGICAL_VOLUME= x\n';
    expect(problemsOf(text).slice(0, 2)).toEqual([
      'x.data: 2 vg_data stanzas (lines 1, 3); image.data holds exactly one',
      'x.data: line 7: lv_data repeats logical volume x',
    ]);
  });

  it('reports an LPs value that is not a whole number', () => {
    const text = 'vg_data:\nVGNAME= rootvg\nlv_data:\nLOGICAL_VOLUME= hd4\nLPs= many\n';
    expect(problemsOf(text)).toContain('x.data: line 3: lv_data hd4: LPs "many" is not a whole number');
  });

  it('caps the problems it reports for a long junk file', () => {
    const junk = Array.from({ length: 500 }, (_, i) => `junk line ${i}`).join('\n');
    const problems = problemsOf(junk);
    expect(problems).toHaveLength(51);
    expect(problems.at(-1)).toMatch(/… and \d+ more problems$/);
  });
});
