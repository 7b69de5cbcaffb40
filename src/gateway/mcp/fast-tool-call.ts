import type { Request, Response } from 'express';
import { SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isJsonObject } from '../../shared/json-object.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { requestIdOf } from '../http/request-id.js';
import { keepSseAlive } from '../http/sse-keepalive.js';
import type { ToolInvoker } from '../tools/tool-invoker.js';
import { createCallEventRelay } from './call-event-relay.js';
import { toolCallError } from './protocol-error.js';
import type { QueuedJob } from '../executor/tool-executor.js';
import type { SessionState } from './session-state.js';
import { RECONNECT_AFTER_MS, RESUMABLE_SINCE, type StreamLog, type StreamWriter } from './stream-log.js';
import type { StreamableSessions } from './streamable-sessions.js';
import { EVENT_STREAM_HEADERS, eventFrame } from '../http/sse-writer.js';

interface PlainToolCall {
  readonly id: string | number;
  readonly name: string;
  readonly arguments: unknown;
  readonly progressToken: string | number | undefined;
}

function isRequestId(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

/** A single, well-formed `tools/call` with nothing the SDK path must see (tasks, batches, odd params). */
function asPlainToolCall(body: unknown): PlainToolCall | undefined {
  if (!isJsonObject(body) || body.jsonrpc !== '2.0' || body.method !== 'tools/call' || !isRequestId(body.id))
    return undefined;
  const params = body.params;
  if (!isJsonObject(params) || typeof params.name !== 'string' || 'task' in params) return undefined;
  if (params.arguments !== undefined && !isJsonObject(params.arguments)) return undefined;
  const meta = params._meta;
  if (
    meta !== undefined &&
    (!isJsonObject(meta) || (meta.progressToken !== undefined && !isRequestId(meta.progressToken)))
  )
    return undefined;
  return {
    id: body.id,
    name: params.name,
    arguments: params.arguments,
    progressToken: meta?.progressToken as string | number | undefined,
  };
}

function cancelledRequestId(body: unknown): string | number | undefined {
  if (!isJsonObject(body) || body.method !== 'notifications/cancelled' || 'id' in body || !isJsonObject(body.params))
    return undefined;
  return isRequestId(body.params.requestId) ? body.params.requestId : undefined;
}

/** The transport rules the SDK would enforce; anything off them goes to the SDK for its exact error. */
function meetsTransportRules(req: Request): boolean {
  const accept = req.get('accept') ?? '';
  const version = req.get('mcp-protocol-version');
  return (
    accept.includes('application/json') &&
    accept.includes('text/event-stream') &&
    (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version))
  );
}

/**
 * The hot path of streamable HTTP: a plain `tools/call` on an established session is answered here,
 * without the SDK transport's per-request conversion to web-standard objects (which cost more than the
 * call itself). It keeps what the SDK path does: an SSE response carrying progress and log
 * notifications before the result, JSON-RPC errors for unknown tools, cancellation by
 * `notifications/cancelled` (no response, stream ended), keep-alives. Everything else, and any request
 * off the transport rules, goes to the SDK.
 */
export function createFastToolCall(deps: {
  invoker: ToolInvoker;
  logger: Logger;
  sessions: StreamableSessions;
  streamLog: StreamLog;
}) {
  async function answer(req: Request, res: Response, session: SessionState, call: PlainToolCall): Promise<void> {
    const controller = new AbortController();
    session.calls.set(call.id, controller);
    res.writeHead(200, { ...EVENT_STREAM_HEADERS, 'mcp-session-id': session.id });
    // Clients of 2025-11-25 and later resume a lost stream with Last-Event-ID, on any gateway: its
    // events are logged, each sent with its id, after a priming event (id and retry, no data).
    let stream: StreamWriter | undefined;
    const prime = (job?: QueuedJob) => {
      if (stream || (session.protocolVersion ?? '') < RESUMABLE_SINCE) return;
      stream = deps.streamLog.open({ sessionId: session.id, requestId: call.id, ...(job && { job }) });
      res.write(`id: ${stream.primingId}\nretry: ${RECONNECT_AFTER_MS}\ndata: \n\n`);
    };
    const write = (message: JSONRPCMessage) => {
      const id = stream?.append(message);
      if (!res.writableEnded && !res.destroyed)
        res.write(eventFrame(JSON.stringify(message), { event: 'message', id }));
    };
    keepSseAlive(res);
    const requestId = requestIdOf(res);
    const onEvent = createCallEventRelay({
      tool: call.name,
      progressToken: call.progressToken,
      session,
      send: (notification) => write({ jsonrpc: '2.0', ...notification }),
    });
    try {
      // In queue mode the stream is primed once the call is a job, so that its meta names the job.
      const answered = deps.invoker.invoke(call.name, call.arguments, {
        requestId,
        signal: controller.signal,
        onEvent,
        onQueued: prime,
        view: session.view,
        caller: session.caller,
        clientHeaders: req.headers,
      });
      prime();
      const result = await answered;
      if (!controller.signal.aborted) write({ jsonrpc: '2.0', id: call.id, result });
    } catch (error) {
      if (!controller.signal.aborted)
        write({
          jsonrpc: '2.0',
          id: call.id,
          error: toolCallError(error, deps.logger, { tool: call.name, requestId }),
        });
    } finally {
      session.calls.delete(call.id);
      res.end();
    }
  }

  return {
    /** Answers the request when it is a plain tools/call, or cancels a call answered here; false otherwise. */
    tryHandle(req: Request, res: Response, session: SessionState): boolean {
      if (!meetsTransportRules(req)) return false;
      const cancelled = cancelledRequestId(req.body);
      if (cancelled !== undefined) {
        // The call may be running on this gateway or another: the cancellation reaches it either way.
        void deps.sessions
          .cancel(session, cancelled)
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not pass a cancellation on'));
        res.status(202).end();
        return true;
      }
      const call = asPlainToolCall(req.body);
      if (!call) return false;
      void answer(req, res, session, call);
      return true;
    },
  };
}
