import { pino, type Logger, type LevelWithSilent } from 'pino';
import { activeTraceId, tracingEnabled } from './tracing.js';

const NO_TRACE = {};
const traceFields = () => {
  const traceId = activeTraceId();
  return traceId === undefined ? NO_TRACE : { traceId };
};

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
    // With tracing on (started before any logger), a line written inside a trace names it, so logs and
    // traces join up; with it off, lines carry nothing more and cost nothing more.
    ...(tracingEnabled() && { mixin: traceFields }),
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
