import { createServer, type Server } from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';
import { CALL_LATENCY_BUCKETS, sampledGauge } from '../shared/prometheus.js';
import type { CallOutcomeLabel } from '../shared/call/outcome-label.js';
import type { PoolLoad } from '../shared/execution/pool-contract.js';
import type { WorkerCounts } from '../shared/queue/worker-beat.js';

export interface WorkerStats {
  jobStarted(queue: string): void;
  jobEnded(): void;
  /** A tool call's job ended, with this outcome, after `seconds` on this worker. */
  callFinished(tool: string, outcome: CallOutcomeLabel, seconds: number): void;
  snapshot(): WorkerCounts;
  /** Serves `GET /metrics` in the Prometheus text format on `port`, until the returned server closes. */
  serve(port: number, host: string): Promise<Server>;
}

/**
 * A worker's own counts: in a Prometheus registry of its own (each replica is scraped on its
 * `WORKER_METRICS_PORT`), and as the snapshot its heartbeat carries to the gateways.
 */
export function createWorkerStats(load: () => PoolLoad): WorkerStats {
  const registry = new Registry();
  const jobs = new Counter({
    name: 'toolgate_worker_jobs_total',
    help: 'Jobs this worker took, by queue',
    labelNames: ['queue'],
    registers: [registry],
  });
  const calls = new Counter({
    name: 'toolgate_worker_tool_calls_total',
    help: 'Tool calls this worker ran, by tool and outcome',
    labelNames: ['tool', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'toolgate_worker_tool_call_duration_seconds',
    help: 'Time a call ran on this worker, from taking its job to its result',
    labelNames: ['tool'],
    buckets: CALL_LATENCY_BUCKETS,
    registers: [registry],
  });
  let jobsTaken = 0;
  let inFlight = 0;
  let finished = 0;
  let failed = 0;
  sampledGauge(registry, 'toolgate_worker_jobs_in_flight', 'Jobs this worker is running now', () => inFlight);
  sampledGauge(registry, 'toolgate_worker_threads', 'Plugin threads in this worker’s pool', () => load().threads);
  sampledGauge(
    registry,
    'toolgate_worker_threads_busy',
    'Plugin threads running at least one call',
    () => load().busyThreads,
  );
  return {
    jobStarted(queue) {
      jobsTaken += 1;
      inFlight += 1;
      jobs.inc({ queue });
    },
    jobEnded() {
      inFlight -= 1;
    },
    callFinished(tool, outcome, seconds) {
      finished += 1;
      if (outcome !== 'success') failed += 1;
      calls.inc({ tool, outcome });
      latency.observe({ tool }, seconds);
    },
    snapshot() {
      const { threads, busyThreads } = load();
      return { jobsTaken, inFlight, calls: finished, failedCalls: failed, threads, busyThreads };
    },
    serve(port, host) {
      const server = createServer((req, res) => {
        if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: this port serves GET /metrics\n');
          return;
        }
        registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
      });
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(server));
      });
    },
  };
}
