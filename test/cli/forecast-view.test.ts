// The forecast as status --forecast and the report take it: with the config's factor, warning and
// prices, or the documented defaults without a config; what --json prints is this object.
import { describe, expect, it } from 'vitest';
import { fleetForecast, forecastLines } from '../../lib/cli/forecast-view.js';
import { parseDeployConfig } from '../../lib/config.js';
import { makeRecord, weeklyDates } from '../support/local-store.js';

const GiB = 2 ** 30;
const NOW = new Date('2026-11-24T06:00:00Z');
/** Eight weekly 20 GiB images; preflight read 40 GiB free each time, for 1.5 × 20 GiB. */
const records = weeklyDates('2026-11-23', 8).map((date) =>
  makeRecord({
    host: 'aixprd01',
    date,
    sizeBytes: 20 * GiB,
    staging: {
      mount: '/mksysb',
      freeBytes: 40 * GiB,
      requiredBytes: 30 * GiB,
      mksysbExpectedBytes: 20 * GiB,
      savevgExpectedBytes: 0,
    },
  }),
);
const view = {
  host: 'aixprd01',
  inFleet: true,
  enabled: true,
  records: [...records].reverse(),
  problems: [],
};

describe('the fleet forecast', () => {
  it('uses the documented defaults without a config: the reading’s factor, 4 weeks, us-east-1 prices', () => {
    const f = fleetForecast([view], null, NOW);
    expect(f).toMatchObject({ warnWeeks: 4, sizeFactor: null });
    expect(f.staging.map((s) => [s.host, s.outlook, s.weeksUntilFull, s.sizeFactor])).toEqual([
      ['aixprd01', 'ok', null, 1.5],
    ]);
    expect(f.bucket.pricing).toEqual({
      standardPerGbMonth: 0.023,
      coldPerGbMonth: 0.004,
      coldTransitionDays: 30,
    });
    expect(f.bucket.ahead.map((p) => p.months)).toEqual([3, 12]);
    expect(forecastLines(f).join('\n')).toMatch(/aixprd01\s+not within 52 weeks\s+40\.0 GB\s+30\.0 GB/);
  });

  it("tests with the config's stagingSizeFactor and prices with its forecast settings", () => {
    const config = parseDeployConfig(
      {
        fleet: [{ host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0' }],
        workflow: { stagingSizeFactor: 2.5 },
        storage: { coldTransitionDays: 0 },
        forecast: { stagingWarnWeeks: 8, standardPricePerGbMonth: 0.025 },
      },
      'forecast test config',
    );
    const f = fleetForecast([view], config, NOW);
    expect(f.staging[0]).toMatchObject({ outlook: 'full', weeksUntilFull: 0, requiredBytes: 50 * GiB });
    // No cold transition: every image is priced as S3 Standard, 8 × 20 GiB × $0.025.
    expect(f.bucket.now).toMatchObject({ coldBytes: 0, monthlyCost: 4 });
  });
});
