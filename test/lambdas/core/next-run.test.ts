// When an EventBridge Scheduler cron fires next, in its time zone: what status shows and what the
// local pipeline's simulated clock follows. Scheduler's rules on the expression itself are checked too.
import { describe, expect, it } from 'vitest';
import {
  CronError,
  type CronSearchStats,
  nextCronRun,
  nextRunOf,
  parseCron,
} from '../../../lambdas/core/next-run.js';

/** The instant as the zone's clocks read it: `Mon 2026-03-30 02:01`. */
function local(instant: Date | null, timeZone: string): string {
  if (!instant) return 'never';
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(instant)
      .map((x) => [x.type, x.value]),
  );
  return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

describe('nextCronRun', () => {
  it('finds the next Monday 02:01 UTC after a Monday afternoon', () => {
    expect(nextCronRun('cron(1 2 ? * MON *)', 'UTC', new Date('2026-11-23T12:00:00Z'))?.toISOString()).toBe(
      '2026-11-30T02:01:00.000Z',
    );
  });

  it('reads the hour in the schedule time zone (Paris is UTC+1 in November)', () => {
    expect(
      nextCronRun('cron(1 2 ? * MON *)', 'Europe/Paris', new Date('2026-11-23T12:00:00Z'))?.toISOString(),
    ).toBe('2026-11-30T01:01:00.000Z');
  });

  it('runs the daily 08:00 check the morning after', () => {
    expect(nextCronRun('cron(0 8 * * ? *)', 'UTC', new Date('2026-11-23T02:30:00Z'))?.toISOString()).toBe(
      '2026-11-23T08:00:00.000Z',
    );
  });

  it.each([
    ['Asia/Kolkata', '2026-11-29T20:31:00.000Z'],
    ['Asia/Kathmandu', '2026-11-29T20:16:00.000Z'],
    ['Australia/Adelaide', '2026-11-29T15:31:00.000Z'],
    ['America/St_Johns', '2026-11-30T05:31:00.000Z'],
    ['Pacific/Chatham', '2026-11-29T12:16:00.000Z'],
  ])('fires in %s, a zone off the whole hour, at 02:01 on its Monday', (zone, utc) => {
    const next = nextCronRun('cron(1 2 ? * MON *)', zone, new Date('2026-11-23T12:00:00Z'));
    expect(next?.toISOString()).toBe(utc);
    expect(local(next, zone)).toBe('Mon 2026-11-30 02:01');
  });

  it('keeps the Monday in Berlin through the week clocks go forward (last Sunday of March)', () => {
    const after = new Date('2026-03-27T00:00:00Z');
    const next = nextCronRun('cron(1 2 ? * MON *)', 'Europe/Berlin', after);
    expect(local(next, 'Europe/Berlin')).toBe('Mon 2026-03-30 02:01');
    expect(next?.toISOString()).toBe('2026-03-30T00:01:00.000Z');
  });

  it('skips a local time that does not exist when the clocks go forward, as Scheduler does', () => {
    // Berlin, 2026-03-29: 02:00 becomes 03:00, so that Sunday has no 02:30.
    const next = nextCronRun('cron(30 2 ? * SUN *)', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'));
    expect(local(next, 'Europe/Berlin')).toBe('Sun 2026-04-05 02:30');
  });

  it('fires once at a local time that happens twice when the clocks go back', () => {
    // Berlin, 2026-10-25: 03:00 becomes 02:00, so 02:30 comes at 00:30Z and again at 01:30Z.
    const first = nextCronRun('cron(30 2 ? * SUN *)', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z'));
    expect(first?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    const second = nextCronRun('cron(30 2 ? * SUN *)', 'Europe/Berlin', first as Date);
    expect(second?.toISOString()).toBe('2026-11-01T01:30:00.000Z');
  });

  it('follows New York through both of its changes with the right local day', () => {
    const daily = (after: string) => nextCronRun('cron(30 1 * * ? *)', 'America/New_York', new Date(after));
    // 2026-11-01: 01:30 EDT (05:30Z), then not again at 01:30 EST; the next is Monday's.
    expect(daily('2026-10-31T12:00:00Z')?.toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(daily('2026-11-01T05:30:00Z')?.toISOString()).toBe('2026-11-02T06:30:00.000Z');
    // 2026-03-08: 02:00 becomes 03:00; 01:30 still exists, in EST.
    expect(local(daily('2026-03-07T12:00:00Z'), 'America/New_York')).toBe('Sun 2026-03-08 01:30');
    const skipped = nextCronRun('cron(30 2 * * ? *)', 'America/New_York', new Date('2026-03-07T12:00:00Z'));
    expect(local(skipped, 'America/New_York')).toBe('Mon 2026-03-09 02:30');
  });

  it('answers never for 31 February after looking at each February day once, not at every minute', () => {
    const stats: CronSearchStats = { days: 0 };
    expect(
      nextRunOf(parseCron('cron(0 0 31 2 ? *)'), 'UTC', new Date('2026-01-01T00:00:00Z'), stats),
    ).toBeNull();
    expect(stats.days).toBeLessThanOrEqual(29 * (2199 - 2026 + 1));
  });

  it("knows Scheduler's L, W and # days", () => {
    const after = new Date('2026-11-01T12:00:00Z');
    expect(local(nextCronRun('cron(0 9 ? * 6L *)', 'UTC', after), 'UTC')).toBe('Fri 2026-11-27 09:00');
    expect(local(nextCronRun('cron(0 9 ? * 3#2 *)', 'UTC', after), 'UTC')).toBe('Tue 2026-11-10 09:00');
    expect(local(nextCronRun('cron(0 9 L * ? *)', 'UTC', after), 'UTC')).toBe('Mon 2026-11-30 09:00');
    // 2026-11-15 is a Sunday: the nearest weekday is Monday the 16th.
    expect(local(nextCronRun('cron(0 9 15W * ? *)', 'UTC', after), 'UTC')).toBe('Mon 2026-11-16 09:00');
  });
});

describe("parseCron: EventBridge Scheduler's rules", () => {
  it('refuses an expression that is not six fields, naming it', () => {
    expect(() => nextCronRun('cron(1 2 * *)', 'UTC', new Date())).toThrow(CronError);
    expect(() => nextCronRun('cron(1 2 * *)', 'UTC', new Date())).toThrow('"cron(1 2 * *)" is not cron(');
  });

  it('refuses a day-of-month and a day-of-week given together (one must be ?)', () => {
    expect(() => parseCron('cron(0 8 1 * MON *)')).toThrow(
      'day-of-month (1) and day-of-week (MON) are both given: EventBridge Scheduler needs ? in one of them',
    );
    expect(() => parseCron('cron(0 8 * * * *)')).toThrow('are both given');
    expect(() => parseCron('cron(0 8 ? * ? *)')).toThrow('both ?');
  });

  it.each([
    ['cron(60 2 ? * MON *)', 'minutes 60 is outside 0-59'],
    ['cron(0 24 ? * MON *)', 'hours 24 is outside 0-23'],
    ['cron(0 2 32 * ? *)', 'day-of-month 32 is outside 1-31'],
    ['cron(0 2 ? 13 MON *)', 'month 13 is outside 1-12'],
    ['cron(0 2 ? * 8 *)', 'day-of-week 8 is outside 1-7'],
    ['cron(0 2 ? * MON 2200)', 'year 2200 is outside 1970-2199'],
    ['cron(0 2 ? * MON/2 *)', 'Scheduler allows no / step in day-of-week'],
    ['cron(0 2 ? * 3#1,6#3 *)', '# takes one day'],
    ['cron(? 2 1 * ? *)', '? is only for day-of-month or day-of-week'],
    ['cron(0 2 ? * FRI-MON *)', 'runs backwards'],
  ])('refuses %s: %s', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(message);
  });
});
