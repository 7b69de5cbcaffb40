import type { Response } from 'express';
import type { VirtualKey } from './key-store.js';

/** Who sent a request: the master key (or anyone, with auth off), or a virtual key. */
export type Principal = { readonly kind: 'master' } | { readonly kind: 'virtual'; readonly key: VirtualKey };

export const MASTER: Principal = { kind: 'master' };

export function principalOf(res: Response): Principal {
  return (res.locals.principal as Principal | undefined) ?? MASTER;
}

export function setPrincipal(res: Response, principal: Principal): void {
  res.locals.principal = principal;
}

/**
 * Who owns what a request creates (a session, a stored response): the master key, or a virtual key by the
 * hash of its key. Only the same principal may use it again.
 */
export function principalId(principal: Principal): string {
  return principal.kind === 'master' ? 'master' : `key:${principal.key.token}`;
}

/** The virtual key behind a request, whose usage is counted; undefined for the master key. */
export function callerOf(principal: Principal): VirtualKey | undefined {
  return principal.kind === 'virtual' ? principal.key : undefined;
}

/** Whether the principal may use a model group (a key with no `models` may use every one). */
export function mayUseModel(principal: Principal, model: string): boolean {
  return principal.kind === 'master' || principal.key.models.length === 0 || principal.key.models.includes(model);
}
