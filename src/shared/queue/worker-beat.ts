import type { ProcessBeat } from './presence.js';

/** A worker's counts as of now: its stats snapshot, carried by each heartbeat. */
export interface WorkerCounts {
  readonly jobsTaken: number;
  readonly inFlight: number;
  readonly calls: number;
  /** Calls that did not succeed (any outcome but `success`). */
  readonly failedCalls: number;
  readonly threads: number;
  readonly busyThreads: number;
}

/** What a worker's heartbeat key holds (JSON): who it is, and its counts as of the beat. */
export interface WorkerBeat extends WorkerCounts, ProcessBeat {
  readonly workerId: string;
  /** The hash of what it can run (`WorkerCatalog`); absent from workers of earlier versions. */
  readonly catalog?: string;
}
