import { Gauge, type Registry } from 'prom-client';

/** Histogram buckets in seconds for tool calls of every kind, gateway and worker alike: a millisecond to a minute. */
export const CALL_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A gauge read from `read` at each scrape (no state of its own to keep in step). */
export function sampledGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
