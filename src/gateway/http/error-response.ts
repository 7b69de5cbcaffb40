import type { Request, Response } from 'express';
import { errorRegistry, type AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import { answersJsonRpc } from './route-family.js';

/** A JSON-RPC error as an HTTP response (transport-level failures on MCP routes). */
export function sendJsonRpcError(
  res: Response,
  status: number,
  code: number,
  message: string,
  id: string | number | null = null,
): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id });
}

/** The id of the JSON-RPC request a body holds, so its error answers it; null when there is none. */
function requestIdIn(body: unknown): string | number | null {
  const id = isJsonObject(body) ? body.id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/** OpenAI's error shape: `{ error: { message, type, param, code } }`. */
export function sendOpenAiError(
  res: Response,
  status: number,
  message: string,
  type: string,
  code: string | null = null,
): void {
  res.status(status).json({ error: { message, type, param: null, code } });
}

/** Sends an AppError in the format of the route family the request belongs to. */
export function sendAppError(req: Request, res: Response, error: AppError): void {
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  if (answersJsonRpc(req)) sendJsonRpcError(res, error.status, error.jsonRpcCode, error.message, requestIdIn(req.body));
  else sendOpenAiError(res, error.status, error.message, errorRegistry[error.code].openAiType, error.code);
}
