import { messageOf } from '../errors.js';
import type { PlacedCall } from './thread-placement.js';
import { CALL_FLAG, CULPRIT } from './thread-protocol.js';

function crashReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'out of memory (plugin_heap_mb exceeded)';
  return messageOf(error);
}

/** What a call gets when its thread died under it: the cause and, where known, the tool that caused it. */
export function threadLossMessage(call: PlacedCall, error: unknown): string {
  const thread = call.thread;
  if (thread?.terminatedBecause !== undefined) return thread.terminatedBecause;
  const reason = crashReason(error);
  const calls = [...(thread?.calls.values() ?? [])];
  const culprit = calls.find((other) => Atomics.load(other.flags, CALL_FLAG.culprit) !== 0);
  if (culprit === call || calls.length <= 1) return `tool crashed: ${reason}`;
  if (culprit) {
    const how =
      Atomics.load(culprit.flags, CALL_FLAG.culprit) === CULPRIT.exit
        ? 'called process.exit()'
        : 'threw an uncaught error';
    return `tool crashed: its thread ended because tool "${culprit.tool}" ${how} (${reason})`;
  }
  const tools = [...new Set(calls.map((other) => other.tool))].join(', ');
  return `tool crashed: ${reason}, on a thread shared by calls of: ${tools}`;
}
