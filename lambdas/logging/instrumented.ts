// Structured logs for every Lambda, with Powertools for AWS Lambda's Logger: one JSON line when an
// invocation starts and one when it ends (its verdict, outcome or status) or fails (the error's name
// and message), each carrying the handler, the host and the run id, so CloudWatch Logs Insights
// finds a host's whole week with one filter. Only entries (index.ts) use this; the logic modules
// stay free of logging and are tested without it.
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'mksysb-vault' });

type Context = Parameters<Logger['addContext']>[0];

/** The fields of an event or result worth a log line; never payloads (URLs, listings, logs). */
const SUMMARY_FIELDS = ['host', 'runId', 'step', 'kind', 'volumeGroup', 'action'] as const;
const RESULT_FIELDS = ['verdict', 'outcome', 'status', 'done', 'published', 'line', 'recordKey'] as const;

function pick(value: unknown, fields: readonly string[]): Record<string, unknown> {
  if (!value || typeof value !== 'object') return {};
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const v = (value as Record<string, unknown>)[field];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[field] = v;
  }
  return out;
}

export function instrumented<R>(
  handler: string,
  fn: (event: unknown) => Promise<R>,
): (event: unknown, context?: Context) => Promise<R> {
  return async (event, context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    logger.appendKeys({ handler, ...pick(event, SUMMARY_FIELDS) });
    logger.info('start');
    try {
      const result = await fn(event);
      logger.info('done', pick(result, RESULT_FIELDS));
      return result;
    } catch (error) {
      logger.error('failed', error as Error);
      throw error;
    }
  };
}
