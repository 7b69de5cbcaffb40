import type { CallOutcome } from './call-outcome.js';

/** How a finished call went, for logs, metrics and traces, on the gateway and the workers alike. */
export type CallOutcomeLabel =
  | 'success'
  | 'tool_error'
  | 'invalid_arguments'
  | 'timeout'
  | 'crashed'
  | 'cancelled'
  | 'worker_lost'
  | 'load_error'
  | 'upstream_error';

/** The label of an outcome: a result flagged `isError` and a handler's throw are both `tool_error`. */
export function outcomeLabel(outcome: CallOutcome): CallOutcomeLabel {
  if (outcome.ok) return outcome.result.isError ? 'tool_error' : 'success';
  return outcome.error.kind === 'handler_error' ? 'tool_error' : outcome.error.kind;
}
