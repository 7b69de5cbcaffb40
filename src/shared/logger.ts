import { pino, type Logger, type LevelWithSilent } from 'pino';
import { activeTraceId } from './telemetry/tracing.js';

export type { Logger } from 'pino';

/**
 * Structured JSON logger. Secrets and tool arguments are never logged: the paths below are redacted in
 * case a caller passes a whole request or config by mistake.
 */
export function createLogger(options: { level: LevelWithSilent; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // With tracing on, a line written inside a trace names it, so logs and traces join up.
    mixin: () => {
      const traceId = activeTraceId();
      return traceId === undefined ? {} : { traceId };
    },
    redact: {
      paths: [
        'headers.authorization',
        'headers["x-api-key"]',
        'headers["x-litellm-api-key"]',
        '*.api_key',
        '*.master_key',
        'arguments',
        '*.arguments',
      ],
      censor: '[redacted]',
    },
  });
}
