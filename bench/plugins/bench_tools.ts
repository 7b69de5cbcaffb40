/**
 * The benchmark's workloads, called the same way by every configuration (the SDK baseline imports them
 * too), so the figures compare the paths, not the work.
 */

/** trivial: returns its text. */
export function noop({ text = 'ok' }: { text?: string }): string {
  return text;
}

/** io: awaits 50 ms, as a tool waiting on an API or a database would. */
export async function io_wait({ text = 'ok' }: { text?: string }): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return text;
}

/** cpu: keeps its thread busy for 5 ms. */
export function cpu_spin({ text = 'ok' }: { text?: string }): string {
  const until = performance.now() + 5;
  while (performance.now() < until) {
    // busy
  }
  return text;
}
