import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestHandler } from 'express';
import { CALL_LATENCY_BUCKETS, sampledGauge } from '../shared/prometheus.js';
import type { CallOutcomeLabel } from '../shared/call/outcome-label.js';

export interface QueueGauges {
  readonly queueDepth: number;
  readonly liveWorkers: number;
}

export interface GatewayMetrics {
  /** A finished call; upstream tools are counted by server too. */
  recordToolCall(tool: string, outcome: CallOutcomeLabel, seconds: number, server?: string): void;
  /** A call given up while its handler kept running (embedded mode; see docs/architecture.md). */
  recordAbandonedCall(tool: string): void;
  recordChatRequest(model: string, status: number): void;
  /** A finished call made with a virtual key, by the key's alias. */
  recordKeyToolCall(keyAlias: string, tool: string, outcome: CallOutcomeLabel): void;
  /** A model request made with a virtual key, and the tokens it used when the answer said. */
  recordKeyChatRequest(
    keyAlias: string,
    model: string,
    status: number,
    tokens: { readonly prompt: number; readonly completion: number } | undefined,
  ): void;
  recordUpstreamLatency(model: string, seconds: number): void;
  /** A deployment that failed (the request may still succeed on another). */
  recordUpstreamFailure(model: string, status: number): void;
  /** `GET /metrics` in the Prometheus text format. */
  readonly handler: RequestHandler;
}

/**
 * Prometheus metrics of one gateway process, on a registry of its own (no global state).
 * `upstreamConnections`: open connections per upstream server, where this process holds them (embedded mode).
 */
export function createGatewayMetrics(
  options: { queueGauges?: () => QueueGauges; upstreamConnections?: () => Record<string, number> } = {},
): GatewayMetrics {
  const registry = new Registry();
  const toolCalls = new Counter({
    name: 'toolgate_tool_calls_total',
    help: 'Tool calls by tool and outcome',
    labelNames: ['tool', 'outcome'],
    registers: [registry],
  });
  const callLatency = (name: string, help: string, label: string) =>
    new Histogram({ name, help, labelNames: [label], buckets: CALL_LATENCY_BUCKETS, registers: [registry] });
  const toolLatency = callLatency(
    'toolgate_tool_call_duration_seconds',
    'Tool call latency from receipt to result, queue wait included',
    'tool',
  );
  const upstreamCalls = new Counter({
    name: 'toolgate_upstream_calls_total',
    help: 'Calls of upstream MCP servers’ tools by server and outcome',
    labelNames: ['server', 'outcome'],
    registers: [registry],
  });
  const upstreamCallLatency = callLatency(
    'toolgate_upstream_call_duration_seconds',
    'Latency of upstream MCP servers’ tool calls, from receipt to result',
    'server',
  );
  const abandonedCalls = new Counter({
    name: 'toolgate_abandoned_tool_calls_total',
    help: 'Tool calls given up after their deadline or cancellation while the handler kept running',
    labelNames: ['tool'],
    registers: [registry],
  });
  const chatRequests = new Counter({
    name: 'toolgate_chat_requests_total',
    help: 'Chat completion requests by model and HTTP status',
    labelNames: ['model', 'status'],
    registers: [registry],
  });
  const keyToolCalls = new Counter({
    name: 'toolgate_key_tool_calls_total',
    help: 'Tool calls made with virtual keys, by key alias, tool and outcome',
    labelNames: ['key_alias', 'tool', 'outcome'],
    registers: [registry],
  });
  const keyChatRequests = new Counter({
    name: 'toolgate_key_chat_requests_total',
    help: 'Model requests made with virtual keys, by key alias, model and HTTP status',
    labelNames: ['key_alias', 'model', 'status'],
    registers: [registry],
  });
  const keyTokens = new Counter({
    name: 'toolgate_key_tokens_total',
    help: 'Tokens used with virtual keys, by key alias and kind (prompt or completion)',
    labelNames: ['key_alias', 'kind'],
    registers: [registry],
  });
  const upstreamLatency = new Histogram({
    name: 'toolgate_upstream_duration_seconds',
    help: 'Time to the upstream model answer (first byte when streaming)',
    labelNames: ['model'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const upstreamFailures = new Counter({
    name: 'toolgate_upstream_failures_total',
    help: 'Failed calls to model deployments, by model and status (502: unreachable, 504: timeout)',
    labelNames: ['model', 'status'],
    registers: [registry],
  });
  const { queueGauges, upstreamConnections } = options;
  if (upstreamConnections) {
    new Gauge({
      name: 'toolgate_upstream_connections_open',
      help: 'Connections open to each upstream MCP server (stdio children or HTTP sessions)',
      labelNames: ['server'],
      registers: [registry],
      collect() {
        for (const [server, open] of Object.entries(upstreamConnections())) this.set({ server }, open);
      },
    });
  }
  if (queueGauges) {
    sampledGauge(
      registry,
      'toolgate_queue_depth',
      'call_tool jobs waiting for a worker',
      () => queueGauges().queueDepth,
    );
    sampledGauge(
      registry,
      'toolgate_live_workers',
      'Workers with a current heartbeat',
      () => queueGauges().liveWorkers,
    );
  }

  return {
    recordToolCall(tool, outcome, seconds, server) {
      toolCalls.inc({ tool, outcome });
      toolLatency.observe({ tool }, seconds);
      if (server === undefined) return;
      upstreamCalls.inc({ server, outcome });
      upstreamCallLatency.observe({ server }, seconds);
    },
    recordAbandonedCall(tool) {
      abandonedCalls.inc({ tool });
    },
    recordChatRequest(model, status) {
      chatRequests.inc({ model, status: String(status) });
    },
    recordKeyToolCall(keyAlias, tool, outcome) {
      keyToolCalls.inc({ key_alias: keyAlias, tool, outcome });
    },
    recordKeyChatRequest(keyAlias, model, status, tokens) {
      keyChatRequests.inc({ key_alias: keyAlias, model, status: String(status) });
      if (!tokens) return;
      keyTokens.inc({ key_alias: keyAlias, kind: 'prompt' }, tokens.prompt);
      keyTokens.inc({ key_alias: keyAlias, kind: 'completion' }, tokens.completion);
    },
    recordUpstreamLatency(model, seconds) {
      upstreamLatency.observe({ model }, seconds);
    },
    recordUpstreamFailure(model, status) {
      upstreamFailures.inc({ model, status: String(status) });
    },
    handler: async (_req, res) => {
      res.setHeader('Content-Type', registry.contentType);
      res.send(await registry.metrics());
    },
  };
}
