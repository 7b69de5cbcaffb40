import type { Response } from 'express';
import { AppError } from '../../shared/errors.js';
import type { ToolCatalog } from '../tools/tool-catalog.js';
import type { ToolView } from '../tools/tool-view.js';
import type { VirtualKey } from './key-store.js';

/** Who sent a request: the master key (or anyone, with auth off), or a virtual key. */
export type Principal = { readonly kind: 'master' } | { readonly kind: 'virtual'; readonly key: VirtualKey };

const MASTER: Principal = { kind: 'master' };

export function principalOf(res: Response): Principal {
  return (res.locals.principal as Principal | undefined) ?? MASTER;
}

export function setPrincipal(res: Response, principal: Principal): void {
  res.locals.principal = principal;
}

/** Whether the principal may use a model group (a key with no `models` may use every one). */
export function mayUseModel(principal: Principal, model: string): boolean {
  return principal.kind === 'master' || principal.key.models.length === 0 || principal.key.models.includes(model);
}

/** Whether the principal may list and call a tool (a key with no `tools` may use every one). */
export function mayUseTool(principal: Principal, tool: string): boolean {
  return principal.kind === 'master' || principal.key.tools.length === 0 || principal.key.tools.includes(tool);
}

/**
 * A view narrowed to what the principal may use: tools outside its key are not listed, and calling one
 * is refused saying so.
 */
export function viewFor(principal: Principal, view: ToolView): ToolView {
  if (principal.kind === 'master' || principal.key.tools.length === 0) return view;
  const allowed = (catalog: ToolCatalog, name: string) => {
    const resolved = view.resolve(catalog, name);
    return resolved !== undefined && mayUseTool(principal, resolved);
  };
  return {
    ...view,
    list: (catalog) => view.list(catalog).filter((tool) => allowed(catalog, tool.name)),
    resolve(catalog, name) {
      const resolved = view.resolve(catalog, name);
      if (resolved !== undefined && !mayUseTool(principal, resolved)) throw new AppError('forbidden', `This key may not call tool ${name} (it may call: ${principal.key.tools.join(', ')})`);
      return resolved;
    },
  };
}
