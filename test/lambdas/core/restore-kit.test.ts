import { describe, expect, it } from 'vitest';
import {
  nimName,
  renderRestoreKit,
  restoreKit,
  restvgKit,
  shellQuote,
} from '../../../lambdas/core/restore-kit.js';

const image = {
  host: 'dbqa09',
  date: '2026-11-23T02:00:00Z',
  key: 'images/dbqa09/dbqa09_mksysb_2026-11-23',
  bucket: 'vault-bucket',
  sizeBytes: 6442450944,
  sha256: 'ab'.repeat(32),
  osLevel: '7200-05-03-2148',
  verdict: 'PASS',
};

describe('restoreKit', () => {
  it('downloads with the presigned URL, quoted for the shell', () => {
    const steps = restoreKit(image, { downloadUrl: 'https://s3.example/x?a=1&b=2' });
    expect(steps[0]?.commands).toContain(
      "curl --fail -o /export/mksysb/dbqa09_mksysb_2026-11-23 'https://s3.example/x?a=1&b=2'",
    );
  });

  it('falls back to aws s3 cp when no URL could be presigned', () => {
    const steps = restoreKit(image, { downloadUrl: null });
    expect(steps[0]?.commands[1]).toBe(
      'aws s3 cp s3://vault-bucket/images/dbqa09/dbqa09_mksysb_2026-11-23 /export/mksysb/dbqa09_mksysb_2026-11-23',
    );
  });

  it('gives the NIM define and bos_inst lines for the host', () => {
    const text = renderRestoreKit(image, restoreKit(image, { downloadUrl: null }));
    expect(text).toContain(
      'nim -o define -t mksysb -a server=master -a location=/export/mksysb/dbqa09_mksysb_2026-11-23 dbqa09_mksysb_20261123',
    );
    expect(text).toContain(
      'nim -o bos_inst -a source=mksysb -a mksysb=dbqa09_mksysb_20261123 -a spot=dbqa09_spot_20261123',
    );
    expect(text).toContain(`# expect: ${image.sha256}`);
    expect(text).toContain('alt_disk_mksysb -m /export/mksysb/dbqa09_mksysb_2026-11-23 -d hdisk1 -B');
  });

  it('makes NIM object names from host names with dots and dashes', () => {
    expect(nimName('db-qa.09', 'mksysb_20261123')).toBe('db_qa_09_mksysb_20261123');
  });

  it('quotes anything a shell would interpret', () => {
    expect(shellQuote("a b'c")).toBe("'a b'\\''c'");
    expect(shellQuote('/export/mksysb/x')).toBe('/export/mksysb/x');
  });
});

describe('restvgKit', () => {
  const savevg = { ...image, key: 'images/dbqa09/dbqa09_savevg_datavg_2026-11-23' };

  it('downloads and verifies the savevg image on the host, lists it, then restores it with restvg', () => {
    const steps = restvgKit(savevg, 'datavg', { downloadUrl: null, spareDisk: 'hdisk4' });
    expect(steps.map((s) => s.title)).toEqual([
      'Download the image to dbqa09',
      'Verify the checksum recorded when the image was made',
      'See what the image holds before restoring datavg',
      'Recreate datavg and restore its files',
    ]);
    expect(steps[0]?.commands[1]).toBe(
      'aws s3 cp s3://vault-bucket/images/dbqa09/dbqa09_savevg_datavg_2026-11-23 /export/mksysb/dbqa09_savevg_datavg_2026-11-23',
    );
    expect(steps[2]?.commands[0]).toBe('restvg -l -f /export/mksysb/dbqa09_savevg_datavg_2026-11-23');
    expect(steps[3]?.commands).toContain(
      'restvg -q -f /export/mksysb/dbqa09_savevg_datavg_2026-11-23 hdisk4',
    );
    expect(steps.flatMap((s) => s.commands).join('\n')).not.toMatch(/nim |bos_inst|alt_disk_mksysb/);
  });
});
