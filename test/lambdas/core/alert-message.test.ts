// What a paged person reads: an explained size finding's subject stays one short line, and its body
// shows each change that explains it on a line of its own, with the image it was compared with.
import { describe, expect, it } from 'vitest';
import { anomalyAlert, SUBJECT_LIMIT } from '../../../lambdas/core/alert-message.js';
import { anomaly } from '../../../lambdas/core/anomaly.js';

const drop = anomaly(
  'SIZE_DROP',
  'fail',
  '11.0 GB vs 20.0 GB expected (median 20.0 GB): -45%; since 2026-11-16: -9.6 GB /home/oracle (directory removed, 2 entries); +3.1 GB /var/adm/ras/dump.1 (new); +1.2 GB /opt/app (grew: 2 entries changed)',
  { deviationPercent: -45, comparedWith: 'images/dbqa09/dbqa09_mksysb_2026-11-16' },
);
const context = {
  host: 'dbqa09',
  runId: 'run-2026-11-23',
  date: '2026-11-23T02:00:00.000Z',
  key: 'images/dbqa09/dbqa09_mksysb_2026-11-23',
};

describe('anomalyAlert', () => {
  it('shows the lines that explain a size change one to a line in the body', () => {
    expect(anomalyAlert(drop, context).message.split('\n')).toEqual([
      'FAIL SIZE_DROP on dbqa09',
      '',
      '11.0 GB vs 20.0 GB expected (median 20.0 GB): -45%',
      '  since 2026-11-16: -9.6 GB /home/oracle (directory removed, 2 entries)',
      '  +3.1 GB /var/adm/ras/dump.1 (new)',
      '  +1.2 GB /opt/app (grew: 2 entries changed)',
      '',
      'image:  images/dbqa09/dbqa09_mksysb_2026-11-23',
      'run:    run-2026-11-23 (2026-11-23T02:00:00.000Z)',
      '',
      'evidence:',
      '  deviationPercent: -45',
      '  comparedWith: images/dbqa09/dbqa09_mksysb_2026-11-16',
    ]);
  });

  it('keeps the subject to the finding itself and the image it is about, within the SNS limit', () => {
    const { subject } = anomalyAlert(drop, context);
    expect({ subject, fits: subject.length <= SUBJECT_LIMIT }).toEqual({
      subject: '[mksysb-vault] FAIL dbqa09 SIZE_DROP 11.0 GB vs 20.0 GB expected... [mksysb 2026-11-23]',
      fits: true,
    });
  });

  it('keeps both OS levels of an OS level change whole in the subject, beside the image', () => {
    // As verify words it (test/lambdas/core/verdict.test.ts), with the fileset changes after "; ".
    const upgrade = anomaly(
      'OSLEVEL_CHANGED',
      'info',
      'from 7.2.5.3 to 7.3.2.1; since 2026-11-16: bos.rte 7.2.5.0 → 7.3.2.0 and 2 more',
    );
    const { subject } = anomalyAlert(upgrade, { ...context, host: 'aixtst01' });
    expect(subject).toBe(
      '[mksysb-vault] INFO aixtst01 OSLEVEL_CHANGED from 7.2.5.3 to 7.3.2.1 [mksysb 2026-11-23]',
    );
  });

  it('tells two alerts of one code on one host apart by their image, in subject and body', () => {
    const first = anomaly('FIRST_RUN', 'info', 'first image of this series (first run)', {});
    const savevg = { ...context, key: 'images/dbqa09/dbqa09_savevg_datavg_2026-11-23' };
    const subjects = [anomalyAlert(first, context), anomalyAlert(first, savevg)].map((a) => a.subject);
    expect(subjects).toEqual([
      '[mksysb-vault] INFO dbqa09 FIRST_RUN first image of this series (first run) [mksysb 2026-11-23]',
      '[mksysb-vault] INFO dbqa09 FIRST_RUN first image of this series... [savevg datavg 2026-11-23]',
    ]);
  });

  it('names the image an alert without one is about', () => {
    const down = anomaly('HOST_UNREACHABLE', 'fail', 'LPAR unreachable over ssh during preflight', {});
    const alert = anomalyAlert(down, { ...context, key: undefined, image: 'none made 2026-11-23' });
    expect(alert.subject).toBe(
      '[mksysb-vault] FAIL dbqa09 HOST_UNREACHABLE LPAR unreachable over ssh... [none made 2026-11-23]',
    );
    expect(alert.message).toContain('\nimage:  none made 2026-11-23\n');
  });
});
