import type { ErrorRequestHandler } from 'express';
import { toAppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { sendAppError } from './error-response.js';

/** The last middleware: every error becomes a clean response in the route family's format, never a stack. */
export function errorHandler(options: { logger: Logger }): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(error);
    if (appError.code === 'internal')
      options.logger.error({ err: error, path: req.path, requestId: res.locals.requestId }, 'unhandled error');
    sendAppError(req, res, appError);
  };
}
