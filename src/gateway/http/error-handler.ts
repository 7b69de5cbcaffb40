import type { ErrorRequestHandler } from 'express';
import { AppError, toAppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { sendAppError } from './error-response.js';

/** Errors body-parser reports, with the `type` it sets. */
function fromBodyParser(error: unknown, maxBytes: number): AppError | undefined {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.parse.failed') return new AppError('parse_error', 'Parse error: request body is not valid JSON');
  if (type === 'entity.too.large') return new AppError('payload_too_large', `Request body too large: limit is ${maxBytes} bytes`);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new AppError('invalid_request', 'Unsupported request body encoding');
  if (type === 'request.aborted') return new AppError('invalid_request', 'Request aborted');
  return undefined;
}

/** The last middleware: every error becomes a clean response in the route family's format, never a stack. */
export function errorHandler(options: { logger: Logger; maxRequestBytes: number }): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = fromBodyParser(error, options.maxRequestBytes) ?? toAppError(error);
    if (appError.code === 'internal') options.logger.error({ err: error, path: req.path, requestId: res.locals.requestId }, 'unhandled error');
    sendAppError(req, res, appError);
  };
}
