/** Redis keys outside BullMQ's own, all under the deployment's prefix. */
export function queueKeys(prefix: string) {
  return {
    /** A list per gateway: workers LPUSH replies, the gateway drains it with BLMPOP. */
    replies: (gatewayId: string) => `${prefix}:tg:replies:${gatewayId}`,
    /** Pub/sub channel on which gateways ask workers to cancel an active job. */
    cancel: `${prefix}:tg:cancel`,
    /** Worker ids that have announced themselves, and a heartbeat each with a TTL: present while alive. */
    workerPresence: { set: `${prefix}:tg:workers`, beat: (workerId: string) => `${prefix}:tg:heartbeat:${workerId}` },
    /** What workers can run, under each catalog's hash (their heartbeats name the hash). */
    workerCatalog: (hash: string) => `${prefix}:tg:catalog:${hash}`,
    /** The same for gateways (queue mode), for the dashboard. */
    gatewayPresence: { set: `${prefix}:tg:gateways`, beat: (gatewayId: string) => `${prefix}:tg:gateway:${gatewayId}` },
    /** The latest listing of an upstream MCP server, written by the workers that connect to it. */
    upstreamListing: (server: string) => `${prefix}:tg:upstream:${server}`,
    /** A streamable HTTP session's record: any gateway serves it. */
    session: (sessionId: string) => `${prefix}:tg:session:${sessionId}`,
    /** Open streamable HTTP sessions, scored by when each lapses: `all`, and one set per virtual key. */
    openSessions: (owner: string) => `${prefix}:tg:sessions-open:${owner}`,
    /** The same for legacy SSE sessions. */
    openLegacySessions: (owner: string) => `${prefix}:tg:sse-sessions-open:${owner}`,
    /** Present while some gateway holds a legacy SSE session's stream. */
    legacySession: (sessionId: string) => `${prefix}:tg:sse-session:${sessionId}`,
    /** A POST stream's SSE events, for clients that resume it on any gateway. */
    stream: (streamId: string) => `${prefix}:tg:stream:${streamId}`,
    /** The responses a principal has stored, scored by when each was made. */
    responsesOf: (owner: string) => `${prefix}:tg:responses-of:${owner}`,
    /** A Responses API response's conversation, for `previous_response_id`. */
    response: (responseId: string) => `${prefix}:tg:response:${responseId}`,
    /** Pub/sub channel on which gateways pass session messages (cancellations, deletions, legacy posts). */
    sessionBus: `${prefix}:tg:sessions`,
  };
}
