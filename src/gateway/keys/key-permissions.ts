import type { RequestHandler } from 'express';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import { isMcpProtocolPath } from '../http/route-family.js';
import type { Admission, KeyStore } from './key-store.js';
import { mayUseModel, principalOf } from './principal.js';

const MODEL_PATHS = new Set([
  '/v1/chat/completions',
  '/chat/completions',
  '/v1/responses',
  '/responses',
  '/v1/embeddings',
  '/embeddings',
]);
const TOOL_CALL_PATHS = new Set(['/mcp/call_tool', '/mcp/tools/call', '/mcp-rest/tools/call']);

/**
 * What a virtual key may do, checked before the route runs: only its models, and chat requests and tool
 * calls (REST and MCP) within its `rpm_limit` and `max_parallel_requests` (counted in Redis, so the limits
 * hold across gateways). Its tools are narrowed by the views the routes use (`viewFor`), and
 * `/v1/models` by its route.
 */
export function enforceKeyPermissions(keys: KeyStore | undefined): RequestHandler {
  return async (req, res, next) => {
    const principal = principalOf(res);
    if (principal.kind === 'master' || keys === undefined) return next();
    const body = isJsonObject(req.body) ? req.body : {};
    let counted = false;
    if (req.method === 'POST' && MODEL_PATHS.has(req.path)) {
      if (typeof body.model === 'string' && !mayUseModel(principal, body.model)) {
        throw new AppError(
          'forbidden',
          `This key may not use model ${body.model} (it may use: ${principal.key.models.join(', ')})`,
        );
      }
      counted = true;
    } else if (
      req.method === 'POST' &&
      (TOOL_CALL_PATHS.has(req.path) || (isMcpProtocolPath(req.path) && body.method === 'tools/call'))
    ) {
      // Which tools the key may call is the views' business (`viewFor`): this counts the call.
      counted = true;
    }
    if (counted) {
      let admission: Admission;
      try {
        admission = await keys.admit(principal.key);
      } catch {
        throw new AppError('unavailable', 'Virtual keys cannot be checked right now (Redis is unreachable)', {
          retryAfterSeconds: 1,
        });
      }
      if (!admission.admitted && admission.over === 'rpm_limit') {
        throw new AppError(
          'rate_limited',
          `Rate limit reached for this key: rpm_limit ${principal.key.rpm_limit}; retry in ${admission.retryAfterSeconds} s`,
          { retryAfterSeconds: admission.retryAfterSeconds },
        );
      }
      if (!admission.admitted) {
        throw new AppError(
          'rate_limited',
          `This key already has max_parallel_requests (${principal.key.max_parallel_requests}) requests in flight; retry when one ends`,
          { retryAfterSeconds: 1 },
        );
      }
      res.once('close', admission.release);
    }
    next();
  };
}
