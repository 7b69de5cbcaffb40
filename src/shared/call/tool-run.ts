import type { CallEvent } from './call-event.js';

/**
 * How a plugin tool shares its thread: `shared` (default) interleaves its calls with others on a thread;
 * `exclusive` runs each call alone on one.
 */
export const TOOL_ISOLATIONS = ['shared', 'exclusive'] as const;
export type ToolIsolation = (typeof TOOL_ISOLATIONS)[number];

/** Where a tool's code is: a module (path relative to the plugins folder) and an export or declared tool. */
export type HandlerTarget =
  { readonly module: string; readonly exportName: string } | { readonly module: string; readonly declaredTool: string };

/** What runs a tool: a plugin handler in a pool thread, or a tool of an upstream MCP server. */
export type ToolTarget =
  | { readonly kind: 'plugin'; readonly handler: HandlerTarget }
  /** `tool` is the upstream's own name for it. */
  | { readonly kind: 'upstream'; readonly server: string; readonly tool: string };

/** One call, as an executor hands it to a runner: the same in embedded mode and on a worker. */
export interface ToolRun {
  readonly tool: string;
  readonly target: ToolTarget;
  readonly isolation: ToolIsolation;
  /** `max_concurrency`: enforced per process. */
  readonly maxConcurrency: number | undefined;
  readonly args: Record<string, unknown>;
  readonly requestId: string;
  /** Epoch milliseconds (gateway clock). */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** For an upstream tool: client headers its server gets with the call. */
  readonly headers?: Record<string, string>;
}

/** What a caller passes along with a running call. */
export interface CallHooks {
  /** Cancels the call: the handler's signal aborts, then the call is given up after the grace. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: CallEvent) => void;
}
