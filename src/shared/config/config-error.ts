/** Configuration that cannot be used: one line per problem, each naming its file and key path. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Formats a key path the way YAML readers think of it: `mcp_tools[2].handler`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  return (
    path
      .map((segment, index) =>
        typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
      )
      .join('') || '(root)'
  );
}
