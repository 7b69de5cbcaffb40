import type { IncomingHttpHeaders } from 'node:http';
import type { JSONRPCNotification } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '../../shared/call/tool-result.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { QueuedJob } from '../executor/tool-executor.js';
import type { ToolInvoker } from '../tools/tool-invoker.js';
import { createCallEventRelay } from './call-event-relay.js';
import { toolCallError } from './protocol-error.js';
import type { SessionState } from './session-state.js';

/**
 * SDK clients dispatch notifications a microtask later than responses, so a progress notification that
 * reaches the client in the same read as the result is dropped (the request is already answered). That
 * happens whenever the two are written back to back; leaving this gap after the last notification puts
 * the result in a read of its own.
 */
const NOTIFICATION_GAP_MS = 10;

/** A session's `tools/call`, as either transport reads it off the wire. */
export interface SessionToolCall {
  /** The JSON-RPC id: cancellations (`notifications/cancelled`) name it. */
  readonly id: string | number;
  readonly name: string;
  readonly arguments: unknown;
  /** Present when the client asked for progress (`params._meta.progressToken`). */
  readonly progressToken: string | number | undefined;
}

/** How a transport carries one call: where its notifications go, and what it learns of the call. */
export interface CallStream {
  /** Sends a notification on the call's stream; a promise when sending is asynchronous. */
  send(notification: Omit<JSONRPCNotification, 'jsonrpc'>): Promise<void> | void;
  readonly requestId: string;
  readonly clientHeaders: IncomingHttpHeaders | undefined;
  /** Cancels the call from the transport's side (the SDK's own cancellation handling). */
  readonly signal?: AbortSignal;
  /** The call is under way (queue mode: it became a job, named in `job`). */
  readonly onStarted?: (job?: QueuedJob) => void;
  /** The call was cancelled, by the client or from another gateway: no answer is sent. */
  readonly onCancelled?: () => void;
}

/** What a call answers with: its result, the JSON-RPC error it failed with, or nothing once cancelled. */
export type SessionCallAnswer =
  | { readonly result: CallToolResult }
  | { readonly error: { readonly code: number; readonly message: string } }
  | { readonly cancelled: true };

/**
 * Runs a session's `tools/call`, for every transport: registers it so that a cancellation reaches it
 * (from this request, another one, or another gateway), relays its progress and logs as notifications,
 * and answers only once every notification has gone out ahead of the result.
 */
export async function answerSessionToolCall(
  deps: { readonly invoker: ToolInvoker; readonly logger: Logger },
  session: SessionState,
  call: SessionToolCall,
  stream: CallStream,
): Promise<SessionCallAnswer> {
  const sending = new Set<Promise<void>>();
  let lastNotifiedAt = 0;
  const onEvent = createCallEventRelay({
    tool: call.name,
    progressToken: call.progressToken,
    session,
    send: (notification) => {
      lastNotifiedAt = Date.now();
      const sent = stream.send(notification);
      if (sent === undefined) return;
      const settled = sent.catch(() => {});
      sending.add(settled);
      void settled.finally(() => sending.delete(settled));
    },
  });
  const controller = new AbortController();
  const abort = () => controller.abort();
  stream.signal?.addEventListener('abort', abort, { once: true });
  controller.signal.addEventListener('abort', () => stream.onCancelled?.(), { once: true });
  session.calls.set(call.id, controller);
  const { requestId } = stream;
  try {
    const answered = deps.invoker.invoke(call.name, call.arguments, {
      requestId,
      signal: controller.signal,
      onEvent,
      onQueued: stream.onStarted,
      view: session.view,
      caller: session.caller,
      clientHeaders: stream.clientHeaders,
    });
    stream.onStarted?.();
    const result = await answered;
    await Promise.all(sending);
    const sinceNotified = Date.now() - lastNotifiedAt;
    if (sinceNotified < NOTIFICATION_GAP_MS)
      await new Promise((resolve) => setTimeout(resolve, NOTIFICATION_GAP_MS - sinceNotified));
    return controller.signal.aborted ? { cancelled: true } : { result };
  } catch (error) {
    if (controller.signal.aborted) return { cancelled: true };
    return { error: toolCallError(error, deps.logger, { tool: call.name, requestId }) };
  } finally {
    stream.signal?.removeEventListener('abort', abort);
    session.calls.delete(call.id);
  }
}
