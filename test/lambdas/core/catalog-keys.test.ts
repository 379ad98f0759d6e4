// The run's date and the day that names its keys: the schedule's local day, in any zone offset.
import { describe, expect, it } from 'vitest';
import { dayOf, hostClaimKey, imageKey, zonedIsoTime } from '../../../lambdas/core/catalog-keys.js';

describe('zonedIsoTime', () => {
  it('writes the instant in the zone with its offset, quarter-hour offsets included', () => {
    const instant = new Date('2026-11-22T21:30:00.250Z');
    expect(zonedIsoTime(instant, 'Asia/Kolkata')).toBe('2026-11-23T03:00:00.250+05:30');
    expect(zonedIsoTime(instant, 'Asia/Kathmandu')).toBe('2026-11-23T03:15:00.250+05:45');
    expect(zonedIsoTime(instant, 'Pacific/Chatham')).toBe('2026-11-23T11:15:00.250+13:45');
    expect(zonedIsoTime(instant, 'America/St_Johns')).toBe('2026-11-22T18:00:00.250-03:30');
  });

  it('is toISOString() for UTC, so a UTC schedule dates its runs as before', () => {
    const instant = new Date('2026-11-23T02:01:00.000Z');
    expect(zonedIsoTime(instant, 'UTC')).toBe(instant.toISOString());
  });

  it('always names the same instant', () => {
    for (const zone of ['Asia/Kolkata', 'America/New_York', 'Australia/Adelaide', 'Europe/London'])
      for (const iso of ['2027-03-14T06:59:59.999Z', '2027-03-14T07:00:00.000Z', '2026-10-25T00:30:00.000Z'])
        expect(Date.parse(zonedIsoTime(new Date(iso), zone)), `${zone} ${iso}`).toBe(Date.parse(iso));
  });
});

describe('dayOf', () => {
  it('takes the day as the date writes it: the local day of a zoned run date', () => {
    expect(dayOf('2026-11-23T03:00:00.000+05:30')).toBe('2026-11-23');
    expect(dayOf('2027-03-14T20:30:00.000-04:00')).toBe('2027-03-14');
    expect(dayOf('2026-11-22T21:30:00.000Z')).toBe('2026-11-22');
  });

  it('names keys by that day', () => {
    const date = '2026-11-23T03:00:00.000+05:30';
    expect(imageKey({ host: 'aixprd01', kind: 'savevg', volumeGroup: 'datavg', date })).toBe(
      'images/aixprd01/aixprd01_savevg_datavg_2026-11-23',
    );
    expect(hostClaimKey('aixprd01', date)).toBe('locks/aixprd01/2026-11-23.json');
  });

  it('refuses a date that is not one, naming it', () => {
    expect(() => dayOf('2026-11-23T25:00:00+05:30')).toThrow(
      /"2026-11-23T25:00:00\+05:30" is not an ISO date/,
    );
  });
});
