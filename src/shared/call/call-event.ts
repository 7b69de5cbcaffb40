/** MCP logging levels, lowest first (RFC 5424 order, as `logging/setLevel` uses them). */
export const TOOL_LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;
export type ToolLogLevel = (typeof TOOL_LOG_LEVELS)[number];

/** What a running call reports to its caller. */
export type CallEvent =
  | { readonly type: 'progress'; readonly progress: number; readonly total?: number; readonly message?: string }
  | { readonly type: 'log'; readonly level: ToolLogLevel; readonly data: unknown };
