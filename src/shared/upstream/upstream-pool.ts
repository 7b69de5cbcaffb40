import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CallToolResultSchema,
  ErrorCode,
  McpError,
  ProgressNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamServerConfig } from '../config/mcp-servers.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import { openTransport, withRequestHeaders } from '../mcp/transports.js';
import { closeConnection, transportSpec, type Connection } from './upstream-connection.js';
import { inventoryOf, type UpstreamInventory } from './upstream-inventory.js';
import { packageVersion } from '../package-version.js';
import { type CallEvent } from '../call/call-event.js';
import { callFailure, CANCELLED, timedOut, type CallOutcome } from '../call/call-outcome.js';
import type { CallHooks } from '../call/tool-run.js';
import { limitResultSize } from '../call/tool-result.js';
import {
  FORWARDED_RESULT_SCHEMAS,
  isForwardedMethod,
  type ForwardedResult,
  type UpstreamRequest,
} from '../call/forwarded-request.js';

/** A connection unused this long is closed (a stdio child is ended); the next call opens another. */
const IDLE_CLOSE_MS = 60_000;
/** Waits between failed attempts to connect: doubling from this, up to the cap. */
const RECONNECT_BASE_MS = 500;
const RECONNECT_MAX_MS = 30_000;
const CONNECT_TIMEOUT_MS = 30_000;

export interface UpstreamCall {
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Client headers passed on with this call's HTTP requests. */
  readonly headers?: Record<string, string>;
}

/** The connections to one upstream server in this process. */
export interface UpstreamPool {
  call(call: UpstreamCall, hooks?: CallHooks): Promise<CallOutcome>;
  /** Forwards a request (resources, prompts, completion) as it is; the server's own answer comes back. */
  request(request: UpstreamRequest, signal?: AbortSignal): Promise<CallOutcome<ForwardedResult>>;
  list(timeoutMs: number): Promise<UpstreamInventory>;
  /** Connections open now (stdio: children alive). */
  readonly openConnections: number;
  close(): Promise<void>;
}

/**
 * Up to `max_connections` connections to one server, opened when calls need them (a call shares the
 * least busy one once all are busy and the cap is reached: MCP multiplexes requests), closed when idle,
 * reopened with backoff after failures. A connection that dies fails its calls in flight, naming the
 * server; a stdio child is always ended with its whole process tree.
 */
export function createUpstreamPool(
  server: UpstreamServerConfig,
  logger: Logger,
  options: { maxResultBytes: number; onListChanged?: () => void },
): UpstreamPool {
  const { maxResultBytes } = options;
  const connections = new Set<Connection>();
  let opening: Promise<Connection> | undefined;
  let failures = 0;
  let retryAt = 0;
  let closing = false;
  // Progress is routed by our own tokens rather than the SDK's `onprogress`: the SDK forgets a call's
  // progress handler the moment its result arrives, and a stdio server that writes its last progress
  // notification and the result together would lose that notification (it is dispatched a microtask
  // later). Here a call's route lives until a turn after its result.
  const progressRoutes = new Map<string, (event: CallEvent) => void>();
  let nextToken = 0;
  const named = (message: string) => `upstream server "${server.name}": ${message}`;

  const open = async (): Promise<Connection> => {
    const wait = retryAt - Date.now();
    if (wait > 0)
      throw new Error(
        named(`unavailable after ${failures} failed connection attempts; retrying in ${Math.ceil(wait / 1000)} s`),
      );
    const client = new Client({ name: 'toolgate', version: packageVersion });
    const transport = openTransport(transportSpec(server), {
      onStderrLine: (line) => logger.info({ server: server.name, stderr: line }, 'upstream server stderr'),
    });
    try {
      await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS });
    } catch (error) {
      failures += 1;
      retryAt = Date.now() + Math.min(RECONNECT_BASE_MS * 2 ** (failures - 1), RECONNECT_MAX_MS);
      await client.close().catch(() => {});
      throw new Error(named(`could not connect: ${messageOf(error)}`), { cause: error });
    }
    failures = 0;
    const pid = server.transport.kind === 'stdio' ? ((transport as StdioClientTransport).pid ?? undefined) : undefined;
    const connection: Connection = { client, pid, inFlight: 0, closed: false, idleTimer: undefined };
    for (const schema of [
      ToolListChangedNotificationSchema,
      ResourceListChangedNotificationSchema,
      PromptListChangedNotificationSchema,
    ]) {
      client.setNotificationHandler(schema, () => options.onListChanged?.());
    }
    client.setNotificationHandler(ProgressNotificationSchema, ({ params }) => {
      progressRoutes.get(String(params.progressToken))?.({
        type: 'progress',
        progress: params.progress,
        total: params.total,
        message: params.message,
      });
    });
    client.onclose = () => {
      if (!connection.closed && !closing) logger.warn({ server: server.name, pid }, 'upstream connection closed');
      void closeConnection(connection, connections);
    };
    connections.add(connection);
    logger.info(
      { server: server.name, transport: server.transport.kind, pid, open: connections.size },
      'upstream connection opened',
    );
    return connection;
  };

  const acquire = async (): Promise<Connection> => {
    if (closing) throw new Error(named('shutting down'));
    const live = [...connections].filter((connection) => !connection.closed);
    const leastBusy = live.sort((a, b) => a.inFlight - b.inFlight)[0];
    if (
      leastBusy &&
      (leastBusy.inFlight === 0 || live.length + (opening ? 1 : 0) >= server.maxConnections || retryAt > Date.now())
    )
      return leastBusy;
    // One connection opens at a time, so a burst does not start a crowd of children at once.
    opening ??= open().finally(() => (opening = undefined));
    try {
      return await opening;
    } catch (error) {
      // A live connection, busy as it is, can still carry the call (MCP multiplexes requests).
      const fallback = [...connections]
        .filter((connection) => !connection.closed)
        .sort((a, b) => a.inFlight - b.inFlight)[0];
      if (fallback) return fallback;
      throw error;
    }
  };

  /** A connection, or why there is none, by the call's deadline and before its cancellation. */
  const acquireFor = (
    request: { deadline: number; timeoutMs: number },
    signal: AbortSignal | undefined,
  ): Promise<Connection | CallOutcome<never>> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(timedOut(request.timeoutMs)), Math.max(request.deadline - Date.now(), 0));
      const onAbort = () => resolve(CANCELLED);
      signal?.addEventListener('abort', onAbort, { once: true });
      acquire()
        .then(resolve, (error: unknown) => resolve(callFailure('upstream_error', messageOf(error))))
        .finally(() => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        });
    });

  const release = (connection: Connection) => {
    connection.inFlight -= 1;
    if (connection.inFlight > 0 || connection.closed) return;
    clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(() => void closeConnection(connection, connections), IDLE_CLOSE_MS);
    connection.idleTimer.unref();
  };

  /**
   * Runs `use` on a connection by the request's deadline: failures become outcomes naming the server. A
   * connection whose transport failed (an HTTP session the upstream lost, a dropped stream) is retired,
   * so that the next request opens a fresh one.
   */
  async function onConnection<Result>(
    request: { deadline: number; timeoutMs: number },
    signal: AbortSignal | undefined,
    use: (connection: Connection) => Promise<Result>,
  ): Promise<CallOutcome<Result>> {
    if (request.deadline - Date.now() <= 0) return timedOut(request.timeoutMs);
    if (signal?.aborted) return CANCELLED;
    const acquired = await acquireFor(request, signal);
    if ('ok' in acquired) return acquired;
    const connection = acquired;
    connection.inFlight += 1;
    clearTimeout(connection.idleTimer);
    try {
      return { ok: true, result: await use(connection) };
    } catch (error) {
      if (signal?.aborted) return CANCELLED;
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return timedOut(request.timeoutMs);
      if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed)
        return callFailure('upstream_error', named('the connection closed during the call'));
      if (error instanceof McpError) return callFailure('upstream_error', named(error.message), error.code);
      void closeConnection(connection, connections);
      return callFailure('upstream_error', named(messageOf(error)));
    } finally {
      release(connection);
    }
  }

  const requestOptions = (request: { deadline: number }, signal: AbortSignal | undefined) => ({
    signal,
    timeout: Math.max(request.deadline - Date.now(), 1),
  });

  return {
    call: (request, hooks = {}) =>
      onConnection(request, hooks.signal, async (connection) => {
        const progressToken = `${server.name}-${nextToken++}`;
        if (hooks.onEvent) progressRoutes.set(progressToken, hooks.onEvent);
        try {
          const params = {
            name: request.tool,
            arguments: request.args,
            ...(hooks.onEvent && { _meta: { progressToken } }),
          };
          const result = await withRequestHeaders(request.headers, () =>
            connection.client.callTool(params, CallToolResultSchema, requestOptions(request, hooks.signal)),
          );
          // Notifications that arrived with the result are dispatched by now.
          await new Promise((resolve) => setImmediate(resolve));
          return limitResultSize(result as CallToolResult, maxResultBytes);
        } finally {
          progressRoutes.delete(progressToken);
        }
      }),
    async request(request, signal) {
      if (!isForwardedMethod(request.method))
        return callFailure('upstream_error', named(`${String(request.method)} is not forwarded`));
      const schema = FORWARDED_RESULT_SCHEMAS[request.method];
      const outcome = await onConnection(request, signal, (connection) =>
        withRequestHeaders(request.headers, () =>
          connection.client.request(
            { method: request.method, params: request.params },
            schema,
            requestOptions(request, signal),
          ),
        ),
      );
      // A resource or prompt is held and relayed like a tool's result: the same bound applies.
      if (outcome.ok && JSON.stringify(outcome.result).length > maxResultBytes)
        return callFailure('upstream_error', named(`its answer is larger than max_result_bytes (${maxResultBytes})`));
      return outcome;
    },
    async list(timeoutMs) {
      const connection = await acquire();
      connection.inFlight += 1;
      clearTimeout(connection.idleTimer);
      try {
        return await inventoryOf(connection.client, timeoutMs);
      } finally {
        release(connection);
      }
    },
    get openConnections() {
      return [...connections].filter((connection) => !connection.closed).length;
    },
    async close() {
      closing = true;
      await opening?.catch(() => {});
      await Promise.all([...connections].map((connection) => closeConnection(connection, connections)));
    },
  };
}
