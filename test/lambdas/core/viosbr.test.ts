// The viosbr archive check: a readable tar.gz holding its XML, what the VIOS hashed, or a VIOSBR_*
// anomaly naming what is wrong. Archives are made with the system's tar and gzip (the same ustar
// format viosbr's own tar writes) in a temp dir.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { imageObjectKeys, owningImage } from '../../../lambdas/core/catalog-keys.js';
import { FleetHostSchema, parseFleet } from '../../../lambdas/core/fleet.js';
import { judgeViosbr, readViosbrArchive, type ViosbrClaim } from '../../../lambdas/core/viosbr.js';

const KEY = 'images/vios1/vios1_mksysb_2025-01-06.viosbr.tar.gz';

function archiveOf(files: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'mvviosbr'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  execFileSync('tar', ['-cf', join(dir, 'out.tar'), '--format=ustar', '-C', dir, ...Object.keys(files)]);
  return gzipSync(readFileSync(join(dir, 'out.tar')));
}

const XML = '<?xml version="1.0"?>\n<vios-backup hostname="vios1"><devices/></vios-backup>\n';
const good = archiveOf({ 'nightly.xml': XML });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const claim = (over: Partial<ViosbrClaim> = {}): ViosbrClaim => ({
  status: 'ok',
  exit: 0,
  sizeBytes: good.length,
  sha256: sha(good),
  ...over,
});

describe('readViosbrArchive', () => {
  it('lists the XML files of a whole archive', () => {
    expect(readViosbrArchive(good)).toEqual({
      ok: true,
      entries: [{ name: 'nightly.xml', sizeBytes: XML.length }],
      xmlFiles: ['nightly.xml'],
    });
  });

  it('refuses bytes that are not gzip', () => {
    expect(readViosbrArchive(Buffer.from('not an archive'))).toMatchObject({
      ok: false,
      problem: expect.stringContaining('gzip'),
    });
  });

  it('refuses an archive without an XML file', () => {
    expect(readViosbrArchive(archiveOf({ 'notes.txt': 'hello' }))).toMatchObject({
      ok: false,
      problem: expect.stringContaining('no XML file'),
    });
  });

  it('refuses an XML file that is not XML', () => {
    expect(readViosbrArchive(archiveOf({ 'nightly.xml': 'garbage' }))).toMatchObject({
      ok: false,
      problem: '"nightly.xml" in the archive is not XML',
    });
  });

  it('refuses a tar cut short inside its entry', () => {
    const tar = execFileSync('gzip', ['-dc'], { input: good });
    expect(readViosbrArchive(gzipSync(tar.subarray(0, 600)))).toMatchObject({ ok: false });
  });
});

describe('judgeViosbr', () => {
  it('passes a stored archive that is what the VIOS hashed, recording its SHA-256 and XML', () => {
    const j = judgeViosbr(claim(), good, KEY);
    expect(j.anomalies).toEqual([]);
    expect(j.check).toEqual({
      key: KEY,
      sizeBytes: good.length,
      sha256: sha(good),
      xmlFiles: ['nightly.xml'],
      codes: [],
    });
  });

  it('is VIOSBR_MISSING (fail) when viosbr failed on the VIOS', () => {
    const j = judgeViosbr(claim({ status: 'failed', exit: 1, sha256: null }), null, KEY);
    expect(j.anomalies.map((a) => [a.code, a.severity])).toEqual([['VIOSBR_MISSING', 'fail']]);
    expect(j.anomalies[0]?.message).toContain('exit 1');
    expect(j.check.codes).toEqual(['VIOSBR_MISSING']);
  });

  it('is VIOSBR_MISSING when the reported archive is not in the store', () => {
    expect(judgeViosbr(claim(), null, KEY).anomalies[0]?.code).toBe('VIOSBR_MISSING');
  });

  it('is VIOSBR_INVALID when the stored bytes are not what the VIOS hashed', () => {
    const j = judgeViosbr(claim({ sha256: 'a'.repeat(64) }), good, KEY);
    expect(j.anomalies.map((a) => a.code)).toEqual(['VIOSBR_INVALID']);
    expect(j.check.sha256).toBe(sha(good));
  });

  it('is VIOSBR_INVALID, saying why, when the archive is larger than the check reads', () => {
    const j = judgeViosbr(claim({ sizeBytes: 65 * 1024 * 1024 }), good, KEY);
    expect(j.anomalies[0]?.message).toContain('more than the 67108864 a viosbr archive is checked up to');
  });

  it('is VIOSBR_INVALID when the stored archive cannot be read', () => {
    const bad = Buffer.from('PK broken');
    expect(judgeViosbr(claim({ sha256: sha(bad) }), bad, KEY).anomalies[0]?.code).toBe('VIOSBR_INVALID');
  });
});

describe('a VIOS in the fleet', () => {
  const vios = { host: 'vios1', managedNodeId: 'mi-0123456789abcdef0', kind: 'vios' } as const;

  it('is padmin through the relay, with the shell the site allows', () => {
    const h = FleetHostSchema.parse({ ...vios, viosShell: 'oem_setup_env' });
    expect([h.kind, h.sshUser, h.viosShell, h.mode, h.mksysbFlags]).toEqual([
      'vios',
      'padmin',
      'oem_setup_env',
      'relay',
      '',
    ]);
    expect(FleetHostSchema.parse({ host: 'lpar1', managedNodeId: vios.managedNodeId }).sshUser).toBe('root');
  });

  it('must say which shell, and takes no savevg, exclude list or direct mode', () => {
    const r = FleetHostSchema.safeParse({
      ...vios,
      volumeGroups: ['datavg'],
      exclude: ['^./tmp/'],
      mode: 'direct',
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'exclude',
      'mode',
      'viosShell',
      'volumeGroups',
    ]);
    expect(
      FleetHostSchema.safeParse({ host: 'lpar1', managedNodeId: vios.managedNodeId, viosShell: 'ioscli' })
        .success,
    ).toBe(false);
  });
});

describe('an ioscli-only VIOS in the fleet', () => {
  const vios = {
    host: 'vios2',
    managedNodeId: 'mi-0123456789abcdef0',
    kind: 'vios',
    viosShell: 'ioscli',
  } as const;

  it("writes through the relay's NFS export: its staging is its directory there, mounted at /mnt", () => {
    const h = FleetHostSchema.parse({ ...vios, nfsExport: 'relay1.example.com:/export/mksysb-vault/' });
    expect([h.staging, h.nfsExport, h.nfsMountPoint]).toEqual([
      '/export/mksysb-vault/vios2',
      'relay1.example.com:/export/mksysb-vault/',
      '/mnt',
    ]);
    expect(
      FleetHostSchema.parse({ ...vios, nfsExport: 'relay1:/srv/nfs', nfsMountPoint: '/vault' }).nfsMountPoint,
    ).toBe('/vault');
  });

  it('needs nfsExport, and the error names the host and the field', () => {
    expect(() => parseFleet(JSON.stringify([vios]), 'fleet parameter')).toThrow(
      /\[0\]\.nfsExport: host "vios2": a VIOS with viosShell "ioscli" needs nfsExport/,
    );
    const bad = FleetHostSchema.safeParse({ ...vios, nfsExport: '/export/mksysb-vault' });
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['nfsExport', 'an NFS export <relay host>:<directory>, e.g. relay1.example.com:/export/mksysb-vault'],
    ]);
    expect(
      FleetHostSchema.safeParse({ ...vios, nfsExport: 'relay1:/usr' }).error?.issues[0]?.message,
    ).toMatch(/^host "vios2": its directory of the export: /);
  });

  it('refuses a staging of its own, naming the directory it stages in instead', () => {
    const nfs = { ...vios, nfsExport: 'relay1:/export/mksysb-vault' };
    const bad = FleetHostSchema.safeParse({ ...nfs, staging: '/backup' });
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'staging',
        'host "vios2": a VIOS with viosShell "ioscli" stages in its directory of nfsExport on the relay (/export/mksysb-vault/vios2), not /backup: remove staging',
      ],
    ]);
    // The default, or that very directory, is no contradiction.
    expect(FleetHostSchema.parse(nfs).staging).toBe('/export/mksysb-vault/vios2');
    expect(FleetHostSchema.parse({ ...nfs, staging: '/export/mksysb-vault/vios2' }).staging).toBe(
      '/export/mksysb-vault/vios2',
    );
  });

  it('is the only host with an nfsExport or nfsMountPoint', () => {
    const lpar = FleetHostSchema.safeParse({
      host: 'lpar1',
      managedNodeId: vios.managedNodeId,
      nfsExport: 'r:/x',
    });
    expect(lpar.error?.issues.map((i) => i.path.join('.'))).toEqual(['nfsExport']);
    const oem = FleetHostSchema.safeParse({ ...vios, viosShell: 'oem_setup_env', nfsMountPoint: '/mnt' });
    expect(oem.error?.issues.map((i) => i.message)).toEqual([
      `host "vios2": only a VIOS with viosShell "ioscli" writes through the relay's NFS export`,
    ]);
  });
});

describe('the viosbr archive in the store', () => {
  it('belongs to its image: retention deletes it with the image, before the record', () => {
    const image = 'images/vios1/vios1_mksysb_2025-01-06';
    expect(imageObjectKeys(image).rest).toContain(`${image}.viosbr.tar.gz`);
    expect(owningImage(`${image}.viosbr.tar.gz`)?.key).toBe(image);
  });
});
