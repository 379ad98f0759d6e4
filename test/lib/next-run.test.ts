// When an EventBridge Scheduler cron fires next, in its time zone: what status shows and what the
// local pipeline's simulated clock follows.
import { describe, expect, it } from 'vitest';
import { CronError, nextCronRun } from '../../lib/next-run.js';

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

  it('refuses an expression that is not six fields, naming it', () => {
    expect(() => nextCronRun('cron(1 2 * *)', 'UTC', new Date())).toThrow(CronError);
    expect(() => nextCronRun('cron(1 2 * *)', 'UTC', new Date())).toThrow('"cron(1 2 * *)" is not cron(');
  });
});
