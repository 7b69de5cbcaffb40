import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Names a gateway or worker process in Redis and in logs: host, pid, and a suffix unique across restarts. */
export function newInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}
