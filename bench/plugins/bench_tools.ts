/** The trivial tool every configuration calls, so the figures measure the path, not the work. */
export function noop({ text = 'ok' }: { text?: string }): string {
  return text;
}
