import type { ToolLogLevel } from '../call/call-event.js';
import type { ToolIsolation } from '../call/tool-run.js';

export type { ToolLogLevel };

/** What a handler gets besides its arguments. */
export interface ToolContext {
  /** Aborts when the call passes its deadline or the client cancels it. Stop work when it fires. */
  readonly signal: AbortSignal;
  /** The id that follows this call through the logs, from gateway to worker. */
  readonly requestId: string;
  /** Reports progress to the client when it asked for it (`_meta.progressToken`); values should grow. */
  progress(progress: number, total?: number, message?: string): void;
  /** Writes to the structured log and, when the client's `logging/setLevel` allows it, to the client. */
  log(level: ToolLogLevel, data: unknown): void;
}

/** JSON object arguments, as validated against the tool's input schema. */
export type ToolArguments = Record<string, unknown>;

/**
 * A tool handler. A string result becomes one text block; an object with a `content` array is taken as an
 * MCP `CallToolResult`; any other JSON value becomes text (and `structuredContent` for objects). A thrown
 * error becomes `isError: true` with its message.
 */
export type ToolHandler<Args extends ToolArguments = ToolArguments> = (args: Args, ctx: ToolContext) => unknown;

export interface ToolAnnotationHints {
  readonly title?: string;
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

/** A tool a plugin module declares itself, via `export const tools = [defineTool({...})]`. */
export interface ToolDefinition<Args extends ToolArguments = ToolArguments> {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema for the arguments; defaults to `{ type: 'object' }`. */
  readonly inputSchema?: Record<string, unknown>;
  readonly annotations?: ToolAnnotationHints;
  /** Overrides `toolgate_settings.tool_timeout_ms` for this tool. */
  readonly timeoutMs?: number;
  /**
   * `shared` (default): calls interleave with others on a thread. `exclusive`: each call runs alone on a
   * thread, for CPU-heavy or untrusted code that would hold up the calls beside it.
   */
  readonly isolation?: ToolIsolation;
  /** At most this many calls of the tool in flight per process; more wait, within their deadline. */
  readonly maxConcurrency?: number;
  readonly handler: ToolHandler<Args>;
}

/** Declares a tool in a plugin module; the identity function, there for the types. */
export function defineTool<Args extends ToolArguments = ToolArguments>(
  definition: ToolDefinition<Args>,
): ToolDefinition<Args> {
  return definition;
}
