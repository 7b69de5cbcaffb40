import type { ErrorRequestHandler } from 'express';
import { AppError, toAppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { sendAppError } from './error-response.js';

/** The last middleware: every error becomes a clean response in the route family's format, never a stack. */
export function errorHandler(options: { logger: Logger }): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    // express could not decode a path parameter: the client's URL is malformed, not our fault.
    const appError =
      error instanceof URIError
        ? new AppError('invalid_request', 'Malformed URL: its percent-encoding does not decode')
        : toAppError(error);
    if (appError.code === 'internal')
      options.logger.error({ err: error, path: req.path, requestId: res.locals.requestId }, 'unhandled error');
    sendAppError(req, res, appError);
  };
}
