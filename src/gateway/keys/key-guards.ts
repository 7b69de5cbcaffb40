import type { RequestHandler, Response } from 'express';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import type { Admission, KeyStore, VirtualKey } from './key-store.js';
import { mayUseModel, principalOf } from './principal.js';

/**
 * What a virtual key may do, mounted with the routes it guards (so a route and its guard cannot drift
 * apart): only its models, and model requests and tool calls within its `rpm_limit` and
 * `max_parallel_requests` (counted in Redis, so the limits hold across gateways). Its tools are narrowed
 * by the views the routes use (`viewFor`), and `/v1/models` by its route.
 */
export interface KeyGuards {
  /** Model routes (chat, Responses, embeddings): the key's models only, counted against its limits. */
  readonly modelRequest: RequestHandler;
  /** REST tool calls: counted against the key's limits. */
  readonly toolCall: RequestHandler;
  /** MCP messages: a `tools/call` is counted against the key's limits, anything else passes. */
  readonly mcpMessage: RequestHandler;
}

const PASS: RequestHandler = (_req, _res, next) => next();

/** Admits one request of the key, released when its response closes; throws what the client is told. */
async function admit(keys: KeyStore, key: VirtualKey, res: Response): Promise<void> {
  let admission: Admission;
  try {
    admission = await keys.admit(key);
  } catch {
    throw new AppError('unavailable', 'Virtual keys cannot be checked right now (Redis is unreachable)', {
      retryAfterSeconds: 1,
    });
  }
  if (!admission.admitted && admission.over === 'rpm_limit') {
    throw new AppError(
      'rate_limited',
      `Rate limit reached for this key: rpm_limit ${key.rpm_limit}; retry in ${admission.retryAfterSeconds} s`,
      { retryAfterSeconds: admission.retryAfterSeconds },
    );
  }
  if (!admission.admitted) {
    throw new AppError(
      'rate_limited',
      `This key already has max_parallel_requests (${key.max_parallel_requests}) requests in flight; retry when one ends`,
      { retryAfterSeconds: 1 },
    );
  }
  res.once('close', admission.release);
}

/** The guards for a gateway's keys; with no key store (embedded mode) every guard passes. */
export function createKeyGuards(keys: KeyStore | undefined): KeyGuards {
  if (keys === undefined) return { modelRequest: PASS, toolCall: PASS, mcpMessage: PASS };
  const guard =
    (check: (body: Record<string, unknown>, key: VirtualKey) => boolean): RequestHandler =>
    async (req, res, next) => {
      const principal = principalOf(res);
      if (principal.kind === 'master') return next();
      if (check(isJsonObject(req.body) ? req.body : {}, principal.key)) await admit(keys, principal.key, res);
      next();
    };
  return {
    modelRequest: guard((body, key) => {
      if (typeof body.model === 'string' && !mayUseModel({ kind: 'virtual', key }, body.model)) {
        throw new AppError(
          'forbidden',
          `This key may not use model ${body.model} (it may use: ${key.models.join(', ')})`,
        );
      }
      return true;
    }),
    toolCall: guard(() => true),
    // Which tools the key may call is the views' business (`viewFor`): this counts the call.
    mcpMessage: guard((body) => body.method === 'tools/call'),
  };
}
