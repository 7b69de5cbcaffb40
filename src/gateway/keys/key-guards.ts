import type { RequestHandler } from 'express';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import { callsOf } from '../../shared/json-rpc.js';
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
  /** MCP messages: each `tools/call` (a batch may hold many) is counted against the key's limits. */
  readonly mcpMessage: RequestHandler;
  /**
   * A tool call the gateway makes for a key's model request (the tool loop, approved calls): counted
   * against its `rpm_limit` (the request holds its parallel place). Throws when over it.
   */
  admitInnerCall(key: VirtualKey): Promise<void>;
}

const PASS: RequestHandler = (_req, _res, next) => next();

/** Admits `count` requests of the key; throws what the client is told when it may not make them. */
async function admit(
  keys: KeyStore,
  key: VirtualKey,
  count: number,
  options?: { readonly holdsParallel: boolean },
): Promise<() => void> {
  let admission: Admission;
  try {
    admission = await keys.admit(key, count, options);
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
  return admission.release;
}

/** The guards for a gateway's keys; with no key store (embedded mode) every guard passes. */
export function createKeyGuards(keys: KeyStore | undefined): KeyGuards {
  if (keys === undefined)
    return { modelRequest: PASS, toolCall: PASS, mcpMessage: PASS, admitInnerCall: async () => {} };
  /** Counts what `count` says the request holds, until its response closes. */
  const guard =
    (count: (body: unknown, key: VirtualKey) => number): RequestHandler =>
    async (req, res, next) => {
      const principal = principalOf(res);
      if (principal.kind === 'master') return next();
      const requests = count(req.body, principal.key);
      if (requests > 0) res.once('close', await admit(keys, principal.key, requests));
      next();
    };
  return {
    modelRequest: guard((body, key) => {
      const model = isJsonObject(body) ? body.model : undefined;
      if (typeof model === 'string' && !mayUseModel({ kind: 'virtual', key }, model)) {
        throw new AppError('forbidden', `This key may not use model ${model} (it may use: ${key.models.join(', ')})`);
      }
      return 1;
    }),
    toolCall: guard(() => 1),
    // Which tools the key may call is the views' business (`viewFor`): this counts the calls.
    mcpMessage: guard((body) => callsOf(body, 'tools/call')),
    async admitInnerCall(key) {
      // Released at once: the request it is made for holds the parallel place.
      (await admit(keys, key, 1, { holdsParallel: false }))();
    },
  };
}

/** Refuses every principal but the master key (with auth off, everyone is the master key). */
export function masterOnly(what: string): RequestHandler {
  return (_req, res, next) => {
    if (principalOf(res).kind !== 'master') throw new AppError('forbidden', `${what}: the master key only`);
    next();
  };
}
