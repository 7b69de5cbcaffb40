import { z } from 'zod';

/** The longest delay a Node timer takes; longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** `toolgate_settings`: every field has a default. */
export const toolgateSettingsSchema = z
  .object({
    tool_timeout_ms: z.number().int().positive().max(MAX_TIMER_MS).default(55_000),
    cancel_grace_ms: z.number().int().nonnegative().max(MAX_TIMER_MS).default(2_000),
    /** Shared calls a pool thread runs at once (see docs/architecture.md); the default was chosen by measurement (bench/). */
    thread_concurrency: z.number().int().positive().max(10_000).default(64),
    max_result_bytes: z
      .number()
      .int()
      .positive()
      .default(10 * 1024 * 1024),
    max_request_bytes: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024),
    /** How long a client may take to send a request, headers and body: past it, 408 and the connection closes. */
    request_body_timeout_ms: z.number().int().positive().max(MAX_TIMER_MS).default(30_000),
    max_queue_depth: z.number().int().positive().default(10_000),
    plugin_heap_mb: z.number().int().min(16).default(512),
    session_idle_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMER_MS)
      .default(30 * 60 * 1000),
    /**
     * Queue mode: MCP sessions in Redis, so that any gateway serves any session. `false` keeps them in
     * the gateway's memory (one Redis round trip less per request), for deployments of one gateway.
     */
    shared_sessions: z.boolean().default(true),
    /** Open MCP sessions of each transport one virtual key may hold at once. */
    max_sessions_per_key: z.number().int().positive().default(100),
    /** Open MCP sessions of each transport the deployment holds at once, whoever opened them. */
    max_sessions: z.number().int().positive().default(10_000),
    /** What one call's SSE stream keeps for resumption; past it (a large result) the stream cannot be resumed. */
    stream_log_max_bytes: z.number().int().positive().default(1_048_576),
    /** How long a call's SSE events are kept for a client that reconnects with `Last-Event-ID`. */
    stream_retention_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMER_MS)
      .default(5 * 60 * 1000),
    allowed_origins: z.array(z.string()).default([]),
    /** Host names the gateway is reached by, besides localhost (and IP addresses when bound beyond loopback). */
    allowed_hosts: z.array(z.string()).default([]),
    /**
     * Lets the gateway listen beyond loopback with no master key, so anyone who reaches it may use every
     * tool and model. Off: such a gateway refuses to start, so that auth is off only by decision.
     */
    allow_unauthenticated: z.boolean().default(false),
    /** Responses API conversations kept per key (the master key counts as one): the oldest go first. */
    max_stored_responses_per_key: z.number().int().positive().default(1_000),
    /** How long a Responses API response is kept for `previous_response_id`. */
    response_retention_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMER_MS)
      .default(60 * 60 * 1000),
    /** Rounds of tool calls the chat gateway runs for `type: "mcp"` tools before it stops the loop. */
    max_tool_rounds: z.number().int().positive().max(100).default(10),
    /** Between an upstream server's prefix and its tool names (LiteLLM's `-`). */
    tool_prefix_separator: z
      .string()
      .regex(/^[A-Za-z0-9_-]{0,4}$/, 'expected up to four of A-Za-z0-9_-')
      .default('-'),
  })
  .strict();

export type ToolgateSettings = z.infer<typeof toolgateSettingsSchema>;

export const defaultToolgateSettings: ToolgateSettings = Object.freeze(toolgateSettingsSchema.parse({}));
