import type { Request, Response } from 'express';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { ToolExecutor } from '../executor/tool-executor.js';
import { sendJsonRpcError } from '../http/error-response.js';
import { keepSseAlive } from '../http/sse-keepalive.js';
import { resultOf } from '../tools/tool-invoker.js';
import type { SessionState } from './session-state.js';
import { nextEventId, type StreamLog } from './stream-log.js';
import { EVENT_STREAM_HEADERS, eventFrame } from '../http/sse-writer.js';

/** How often a resumed stream looks for what its call sends next. */
const FOLLOW_EVERY_MS = 100;
/**
 * A call's answer found among its worker's replies but not yet on its stream this long after is taken
 * for one its gateway will never send (it died): the resuming gateway sends it.
 */
const ANSWER_GRACE_MS = 1_000;

export interface StreamResumeDeps {
  readonly log: StreamLog;
  readonly executor: ToolExecutor;
  readonly retentionMs: number;
  readonly logger: Logger;
}

const isAnswerTo = (message: JSONRPCMessage, requestId: string | number) =>
  'id' in message && message.id === requestId && ('result' in message || 'error' in message);

/**
 * A GET with `Last-Event-ID` naming a POST stream of this session: sends what the client missed, then
 * follows the stream until the call's answer (which this gateway sends itself, from the worker's reply,
 * when the gateway that had the call died). Returns false when the id is not one of the kept streams.
 */
export async function resumeStream(
  req: Request,
  res: Response,
  session: SessionState,
  deps: StreamResumeDeps,
): Promise<boolean> {
  const lastEventId = req.get('last-event-id');
  const missed = lastEventId === undefined ? undefined : await deps.log.after(lastEventId);
  if (!missed) return false;
  const { streamId, meta } = missed;
  if (meta.sessionId !== session.id) {
    sendJsonRpcError(res, 404, -32001, 'Stream not found for this session');
    return true;
  }
  res.writeHead(200, { ...EVENT_STREAM_HEADERS, 'mcp-session-id': session.id });
  keepSseAlive(res);
  let closed = false;
  res.on('close', () => (closed = true));
  let lastSent = lastEventId!;
  let answered = false;
  const send = (events: readonly { id: string; message: JSONRPCMessage }[]) => {
    for (const { id, message } of events) {
      res.write(eventFrame(JSON.stringify(message), { event: 'message', id }));
      lastSent = id;
      answered ||= isAnswerTo(message, meta.requestId);
    }
  };
  send(missed.events);

  let recoveredAt: number | undefined;
  let recovered: JSONRPCMessage | undefined;
  for (const until = Date.now() + deps.retentionMs; !answered && !closed && Date.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS));
    const more = await deps.log.after(lastSent).catch(() => undefined);
    if (more) send(more.events);
    if (answered || !meta.job) continue;
    if (recovered === undefined) {
      const outcome = await deps.executor.recoverOutcome(meta.job).catch(() => undefined);
      if (outcome) {
        recovered = { jsonrpc: '2.0', id: meta.requestId, result: resultOf(outcome) };
        recoveredAt = Date.now();
      }
    } else if (Date.now() - (recoveredAt ?? 0) >= ANSWER_GRACE_MS) {
      deps.logger.info(
        { streamId, jobId: meta.job.jobId, gateway: meta.job.replyTo },
        'answering a resumed call whose gateway did not',
      );
      deps.log.append(streamId, recovered);
      send([{ id: nextEventId(lastSent), message: recovered }]);
    }
  }
  res.end();
  return true;
}
