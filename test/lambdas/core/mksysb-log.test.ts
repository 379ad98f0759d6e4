// Edge cases of the log classifier; real logs are covered in fixtures.test.ts.
import { describe, expect, it } from 'vitest';
import { classifyMksysbLog } from '../../../lambdas/core/mksysb-log.js';

describe('classifyMksysbLog', () => {
  it('calls an empty log unknown, never success', () => {
    expect(classifyMksysbLog('').outcome).toBe('unknown');
  });

  it('calls a run that stopped after "Backing up" failed: no completion message', () => {
    const r = classifyMksysbLog('Creating list of files to back up.\nBacking up 1200 files.....\n');
    expect(r.outcome).toBe('failed');
    expect(r.reasons).toContain('no "0512-038 … Backup Completed Successfully" message');
  });

  it('fails on an out-of-space message even if a completion line follows', () => {
    const r = classifyMksysbLog(
      'backup: There is not enough space in the file system.\n0512-038 mksysb: Backup Completed Successfully.\n',
    );
    expect(r.outcome).toBe('failed');
    expect(r.outOfSpace).toBe(true);
  });

  it('treats an unknown 0512 code as a failure and keeps its line', () => {
    const r = classifyMksysbLog('0512-099 mksysb: something new went wrong.\n');
    expect(r.outcome).toBe('failed');
    expect(r.messages).toEqual([
      { code: '0512-099', severity: 'fail', line: '0512-099 mksysb: something new went wrong.' },
    ]);
  });

  it('warns when fewer files were backed up than listed', () => {
    const r = classifyMksysbLog(
      'Backing up 100 files\n98 of 100 files backed up (98%)\n0512-038 mksysb: Backup Completed Successfully.\n',
    );
    expect(r.outcome).toBe('warning');
    expect(r.filesBackedUp).toBe(98);
    expect(r.filesToBackUp).toBe(100);
  });

  it('recognises savevg as the command', () => {
    expect(classifyMksysbLog('0512-038 savevg: Backup Completed Successfully.').command).toBe('savevg');
  });
});
