import type { Request, Response, Router } from 'express';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import type { KeyStore, VirtualKey } from './key-store.js';
import { principalOf } from './principal.js';

/** A key record as the routes show it: `token` is the key's hash (the key itself is never stored). */
const shown = (record: VirtualKey) => ({ ...record });

/**
 * LiteLLM's key routes, master key only: generate, info, update, delete, list. Without Redis there is
 * nowhere all gateways can share keys, so they answer 501.
 */
export function mountKeyRoutes(router: Router, deps: { keys: KeyStore | undefined; masterKeySet: boolean }): void {
  const store = (res: Response): KeyStore => {
    if (!deps.masterKeySet) throw new AppError('forbidden', 'Virtual keys need a master key: set general_settings.master_key');
    if (principalOf(res).kind !== 'master') throw new AppError('forbidden', 'The key routes need the master key');
    if (!deps.keys) throw new AppError('not_implemented', 'Virtual keys need Redis: set REDIS_URL (queue mode) to create and use them');
    return deps.keys;
  };
  const body = (req: Request) => {
    if (!isJsonObject(req.body)) throw new AppError('invalid_request', 'Request body must be a JSON object');
    return req.body;
  };
  const keyIn = (value: unknown) => {
    if (typeof value !== 'string' || value === '') throw new AppError('invalid_request', "Missing required parameter: 'key'");
    return value;
  };

  router.post('/key/generate', async (req, res) => {
    const { key, record } = await store(res).generate(body(req));
    res.json({ key, ...shown(record) });
  });
  router.get('/key/info', async (req, res) => {
    const key = keyIn(req.query.key);
    const record = await store(res).lookup(key);
    if (!record) throw new AppError('not_found', 'Key not found');
    res.json({ key: record.token, info: shown(record) });
  });
  router.post('/key/update', async (req, res) => {
    const fields = body(req);
    const record = await store(res).update(keyIn(fields.key), fields);
    res.json(shown(record));
  });
  router.post('/key/delete', async (req, res) => {
    const keys = body(req).keys;
    if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) throw new AppError('invalid_request', "Missing required parameter: 'keys' (an array of keys)");
    await store(res).delete(keys);
    res.json({ deleted_keys: keys });
  });
  router.get('/key/list', async (req, res) => {
    const records = await store(res).list();
    res.json({ keys: records.map((record) => record.token), total_count: records.length });
  });
}
