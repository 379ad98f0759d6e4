// The restore kit of a VIOS's image: installios or NIM for the mksysb, then viosbr -restore of the
// archive stored beside it, each checked against the SHA-256 the record holds.
import { describe, expect, it } from 'vitest';
import { renderRestoreKit, viosKit } from '../../../lambdas/core/restore-kit.js';

const image = {
  host: 'vios1',
  date: '2025-01-06T02:01:00Z',
  key: 'images/vios1/vios1_mksysb_2025-01-06',
  bucket: 'vault',
  sizeBytes: 4_000_000_000,
  sha256: 'a'.repeat(64),
  osLevel: '7200-05-03-2148',
  verdict: 'PASS',
};
const viosbr = { key: 'images/vios1/vios1_mksysb_2025-01-06.viosbr.tar.gz', sha256: 'b'.repeat(64) };

describe('viosKit', () => {
  it('downloads and checks both objects, reinstalls with installios or NIM, then restores the mappings', () => {
    const text = renderRestoreKit(image, viosKit(image, viosbr, { downloadUrl: null }));
    expect(text).toContain(
      'aws s3 cp s3://vault/images/vios1/vios1_mksysb_2025-01-06.viosbr.tar.gz /export/mksysb/vios1_mksysb_2025-01-06.viosbr.tar.gz',
    );
    expect(text).toContain(`# expect: ${'b'.repeat(64)}`);
    expect(text).toContain('installios -s <managed system> -p vios1');
    expect(text).toContain('-d <nim master>:/export/mksysb/vios1_mksysb_2025-01-06');
    expect(text).toContain('nim -o bos_inst -a source=mksysb');
    const cfg = '/home/padmin/cfgbackups/vios1_mksysb_2025-01-06.viosbr.tar.gz';
    expect(text.indexOf(`viosbr -restore -file ${cfg} -validate`)).toBeLessThan(
      text.indexOf(`viosbr -restore -file ${cfg}\n`),
    );
  });

  it('says the mappings are re-made by hand when no archive was stored', () => {
    const text = renderRestoreKit(image, viosKit(image, null, { downloadUrl: null }));
    expect(text).not.toContain('viosbr -restore');
    expect(text).toContain('Re-make the virtual device mappings by hand');
  });
});
