// The Lambda entries' structured logs: a JSON line at the start and at the end of each invocation,
// with the handler, host and run id, the result's verdict — and the error's name when it fails.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { instrumented } from '../../../lambdas/logging/instrumented.js';

let lines: Record<string, unknown>[];

beforeEach(() => {
  lines = [];
  const capture = (chunk: unknown) => {
    for (const line of String(chunk).split('\n'))
      if (line.trim().startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture as typeof process.stdout.write);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture as typeof process.stderr.write);
});

afterEach(() => {
  vi.restoreAllMocks();
});

const event = { host: 'dbqa09', runId: 'run-1', manifestUrl: 'https://secret.example/x' };

describe('instrumented Lambda entries', () => {
  it('logs the start and the verdict as JSON, with handler, host and run id, never the payload', async () => {
    const handler = instrumented('verify', async () => ({ verdict: 'FAIL', anomalies: ['x'] }));
    await expect(handler(event)).resolves.toEqual({ verdict: 'FAIL', anomalies: ['x'] });
    expect(lines.map((l) => l.message)).toEqual(['start', 'done']);
    expect(lines[1]).toMatchObject({ handler: 'verify', host: 'dbqa09', runId: 'run-1', verdict: 'FAIL' });
    expect(JSON.stringify(lines)).not.toContain('secret.example');
  });

  it('logs a failure with the error and rethrows it', async () => {
    const handler = instrumented('verify', async () => {
      throw Object.assign(new Error('dbqa09: record PUT refused'), { name: 'StoreError' });
    });
    await expect(handler(event)).rejects.toThrow('record PUT refused');
    const failed = lines.find((l) => l.message === 'failed');
    expect(failed).toMatchObject({ level: 'ERROR', host: 'dbqa09', error: { name: 'StoreError' } });
  });
});
