import type { Request, Response } from 'express';
import { SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isJsonObject } from '../../shared/json-object.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { requestIdOf } from '../http/request-id.js';
import { keepSseAlive } from '../http/sse-keepalive.js';
import type { ToolInvoker } from '../tools/tool-invoker.js';
import { answerSessionToolCall, type SessionToolCall } from './session-tool-call.js';
import type { SessionState } from './session-state.js';
import { RECONNECT_AFTER_MS, RESUMABLE_SINCE, type StreamLog, type StreamWriter } from './stream-log.js';
import type { StreamableSessions } from './streamable-sessions.js';
import { EVENT_STREAM_HEADERS, eventFrame } from '../http/sse-writer.js';

function isRequestId(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

/** A single, well-formed `tools/call` with nothing the SDK path must see (tasks, batches, odd params). */
function asSessionToolCall(body: unknown): SessionToolCall | undefined {
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
 * Streamable HTTP's `tools/call` on an established session, framed here rather than by the SDK transport
 * (whose per-request conversion to web-standard objects costs more than the call itself): an SSE response
 * with a priming event for resumable clients, the call's notifications, then its answer, all from
 * `answerSessionToolCall` as on every transport; and `notifications/cancelled` for calls on any gateway.
 * Every other request, and any off the transport rules, goes to the SDK for its exact behaviour.
 */
export function createStreamableToolCall(deps: {
  invoker: ToolInvoker;
  logger: Logger;
  sessions: StreamableSessions;
  streamLog: StreamLog;
}) {
  async function answer(req: Request, res: Response, session: SessionState, call: SessionToolCall): Promise<void> {
    res.writeHead(200, { ...EVENT_STREAM_HEADERS, 'mcp-session-id': session.id });
    // Clients of 2025-11-25 and later resume a lost stream with Last-Event-ID, on any gateway: its
    // events are logged, each sent with its id, after a priming event (id and retry, no data).
    let stream: StreamWriter | undefined;
    const write = (message: JSONRPCMessage) => {
      // Serialized once: for the client, and for the log that lets it resume.
      const text = JSON.stringify(message);
      const id = stream?.append(message, text);
      if (!res.writableEnded && !res.destroyed) res.write(eventFrame(text, { event: 'message', id }));
    };
    keepSseAlive(res);
    const answered = await answerSessionToolCall(deps, session, call, {
      send: (notification) => write({ jsonrpc: '2.0', ...notification }),
      requestId: requestIdOf(res),
      clientHeaders: req.headers,
      // In queue mode the stream is primed once the call is a job, so that its meta names the job.
      onStarted: (job) => {
        if (stream || (session.protocolVersion ?? '') < RESUMABLE_SINCE) return;
        stream = deps.streamLog.open({ sessionId: session.id, requestId: call.id, ...(job && { job }) });
        res.write(`id: ${stream.primingId}\nretry: ${RECONNECT_AFTER_MS}\ndata: \n\n`);
      },
    });
    if ('result' in answered) write({ jsonrpc: '2.0', id: call.id, result: answered.result });
    else if ('error' in answered) write({ jsonrpc: '2.0', id: call.id, error: answered.error });
    res.end();
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
      const call = asSessionToolCall(req.body);
      if (!call) return false;
      void answer(req, res, session, call);
      return true;
    },
  };
}
