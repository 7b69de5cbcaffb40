import { randomUUID } from 'node:crypto';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createExpiringMap } from '../../shared/expiring-map.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { RedisClient } from '../../shared/queue/redis-connection.js';

/** The first protocol version whose clients resume streams (and take a priming event with no data). */
export const RESUMABLE_SINCE = '2025-11-25';
/** The `retry` a priming event gives: how soon a client that lost the stream reconnects. */
export const RECONNECT_AFTER_MS = 1_000;

/** What a resumed stream needs to know of the call it carries; stored with its first (priming) event. */
export interface StreamMeta {
  readonly sessionId: string;
  /** The JSON-RPC id of the request whose answer the stream carries. */
  readonly requestId: string | number;
  /** In queue mode: the call's job, and the gateway its replies go to (to recover them if it died). */
  readonly job?: { readonly jobId: string; readonly replyTo: string };
}

/**
 * One stream's entries in order: the meta first (the priming event), then each message sent; `lost` once
 * its messages outgrew what a stream may keep (it can no longer be resumed).
 */
type Entry = { readonly meta: StreamMeta } | { readonly message: JSONRPCMessage } | { readonly lost: true };

export interface StreamEvents {
  readonly streamId: string;
  readonly meta: StreamMeta;
  /** Messages after the one the client last saw, with their event ids. */
  readonly events: readonly { readonly id: string; readonly message: JSONRPCMessage }[];
}

/**
 * The SSE events of POST streams, kept for `retention_ms` so a client that lost its stream can resume
 * it with `Last-Event-ID` on any gateway (queue mode: in Redis). Event ids are `<stream>.<n>`, assigned
 * here in order: appends go down one connection in the order they are made, so the n-th append is
 * entry n.
 */
export interface StreamLog {
  /** Opens a stream: its first event, the priming one; returns the writer for the rest. */
  open(meta: StreamMeta): StreamWriter;
  /** What a client that saw `lastEventId` missed; undefined when that is not an event id of a kept stream. */
  after(lastEventId: string): Promise<StreamEvents | undefined>;
  /** Appends to a stream by its id (the answer to a call its own gateway could not send). */
  append(streamId: string, message: JSONRPCMessage): void;
  close(): void;
}

export interface StreamWriter {
  readonly primingId: string;
  /** Logs a message, already serialized for the wire as `serialized`, and returns its event id. */
  append(message: JSONRPCMessage, serialized: string): string;
}

const eventId = (streamId: string, index: number) => `${streamId}.${index}`;

function parseEventId(id: string): { streamId: string; index: number } | undefined {
  const dot = id.lastIndexOf('.');
  const index = Number(id.slice(dot + 1));
  return dot > 0 && Number.isInteger(index) && index >= 0 ? { streamId: id.slice(0, dot), index } : undefined;
}

/** The id the event after `id` gets (the stream's next entry). */
export function nextEventId(id: string): string {
  const parsed = parseEventId(id);
  if (!parsed) throw new Error(`not a stream event id: ${id}`);
  return eventId(parsed.streamId, parsed.index + 1);
}

/** What a log keeps its entries in: a list per stream. */
interface EntryStore {
  /** `text` is the entry as JSON, made once by the log (the message's own text is reused). */
  push(streamId: string, entry: Entry, text: string): void;
  /** Its entries, or undefined when the stream is not kept. */
  entries(streamId: string): Promise<Entry[] | undefined>;
  close(): void;
}

function createStreamLog(store: EntryStore, maxStreamBytes: number): StreamLog {
  const readEvents = async (streamId: string, from: number): Promise<StreamEvents | undefined> => {
    const entries = await store.entries(streamId);
    const first = entries?.[0];
    if (!entries || !first || !('meta' in first) || entries.some((entry) => 'lost' in entry)) return undefined;
    const events = entries
      .slice(from)
      .flatMap((entry, offset) =>
        'message' in entry ? [{ id: eventId(streamId, from + offset), message: entry.message }] : [],
      );
    return { streamId, meta: first.meta, events };
  };
  return {
    open(meta) {
      const streamId = randomUUID();
      store.push(streamId, { meta }, JSON.stringify({ meta }));
      let next = 1;
      let kept = 0;
      return {
        primingId: eventId(streamId, 0),
        append(message, serialized) {
          // Past its budget a stream keeps nothing more (a large result is not held for minutes).
          if (kept <= maxStreamBytes) {
            kept += serialized.length;
            if (kept <= maxStreamBytes) store.push(streamId, { message }, `{"message":${serialized}}`);
            else store.push(streamId, { lost: true }, '{"lost":true}');
          }
          return eventId(streamId, next++);
        },
      };
    },
    async after(lastEventId) {
      const parsed = parseEventId(lastEventId);
      return parsed && readEvents(parsed.streamId, parsed.index + 1);
    },
    append: (streamId, message) => store.push(streamId, { message }, JSON.stringify({ message })),
    close: () => store.close(),
  };
}

/** Embedded mode: streams in this process, each keeping at most `maxStreamBytes` of messages. */
export function createMemoryStreamLog(retentionMs: number, maxStreamBytes: number): StreamLog {
  const streams = createExpiringMap<Entry[]>(retentionMs);
  return createStreamLog(
    {
      push(streamId, entry) {
        const entries = streams.get(streamId) ?? [];
        entries.push(entry);
        streams.set(streamId, entries);
      },
      entries: async (streamId) => streams.get(streamId),
      close: () => streams.close(),
    },
    maxStreamBytes,
  );
}

/** Queue mode: a Redis list per stream, expiring `retentionMs` after its last entry. */
export function createRedisStreamLog(
  redis: RedisClient,
  key: (streamId: string) => string,
  retentionMs: number,
  maxStreamBytes: number,
  logger: Logger,
): StreamLog {
  return createStreamLog(
    {
      push(streamId, _entry, text) {
        // Not awaited: the client's stream does not wait for Redis; one connection keeps the order.
        Promise.all([redis.rpush(key(streamId), text), redis.pexpire(key(streamId), retentionMs)]).catch(
          (error: unknown) => logger.debug({ err: error, streamId }, 'could not log a stream event'),
        );
      },
      async entries(streamId) {
        const values = await redis.lrange(key(streamId), 0, -1);
        return values.length === 0 ? undefined : values.map((value) => JSON.parse(value) as Entry);
      },
      close: () => {},
    },
    maxStreamBytes,
  );
}
