import express, { type RequestHandler } from 'express';
import { AppError } from '../../shared/errors.js';

/**
 * How deeply a request body may nest. Tool arguments, MCP messages and chat requests need a handful of
 * levels; far deeper values exist only to exhaust the recursion of what reads them next (schema
 * validation, structured clone, serialisers).
 */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `limit` (arrays and objects count; iterative, no recursion). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > limit) return true;
    for (const child of Object.values(next.value)) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth });
    }
  }
  return false;
}

/** What went wrong reading a body, as the client should hear it; nothing here is a server fault. */
function bodyError(error: unknown, encoding: string | undefined, maxBytes: number): AppError {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.parse.failed') return new AppError('parse_error', 'Parse error: request body is not valid JSON');
  if (type === 'entity.too.large')
    return new AppError('payload_too_large', `Request body too large: limit is ${maxBytes} bytes`);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new AppError('invalid_request', 'Unsupported request body encoding');
  if (type === 'request.aborted') return new AppError('invalid_request', 'Request aborted');
  // zlib and brotli report a corrupt body as a plain stream error.
  if (encoding !== undefined && encoding !== 'identity')
    return new AppError('invalid_request', `Request body could not be decoded as Content-Encoding: ${encoding}`);
  return new AppError('invalid_request', 'Request body could not be read');
}

/**
 * The one path request bodies are read through: a declared length over the limit is refused at the
 * headers, before a byte of the body is read; the body is parsed (and decompressed) by express, whose
 * errors the error handler turns into 4xx; a body nested deeper than `MAX_JSON_DEPTH` is refused before
 * anything else touches it.
 */
export function jsonBody(options: { maxBytes: number }): RequestHandler[] {
  const refuseDeclaredOversize: RequestHandler = (req, res, next) => {
    const declared = Number(req.headers['content-length']);
    if (!Number.isFinite(declared) || declared <= options.maxBytes) return next();
    // The body is never read, so the connection cannot be reused for another request.
    res.setHeader('Connection', 'close');
    next(new AppError('payload_too_large', `Request body too large: limit is ${options.maxBytes} bytes`));
  };
  const refuseDeepBody: RequestHandler = (req, _res, next) => {
    if (nestsDeeperThan(req.body, MAX_JSON_DEPTH))
      return next(new AppError('invalid_request', `Request body nests deeper than ${MAX_JSON_DEPTH} levels`));
    next();
  };
  // express's default limit is 100 kB; MCP messages may be larger.
  const parse = express.json({ limit: options.maxBytes });
  const parseBody: RequestHandler = (req, res, next) =>
    parse(req, res, (error?: unknown) => {
      if (error === undefined) return next();
      // Past a decoding or size failure, the rest of the body may still be on its way: do not reuse it.
      if ((error as { type?: unknown }).type !== 'entity.parse.failed') res.setHeader('Connection', 'close');
      next(bodyError(error, req.headers['content-encoding'], options.maxBytes));
    });
  return [refuseDeclaredOversize, parseBody, refuseDeepBody];
}
