/** A tool a module declares, without its handler (functions cannot cross threads). */
export interface DeclaredToolInfo {
  readonly name: unknown;
  readonly description: unknown;
  readonly inputSchema: unknown;
  readonly annotations: unknown;
  readonly timeoutMs: unknown;
  readonly isolation: unknown;
  readonly maxConcurrency: unknown;
  readonly hasHandler: boolean;
}

export interface ModuleDescription {
  readonly module: string;
  readonly functionExports: readonly string[];
  readonly declaredTools: readonly DeclaredToolInfo[] | undefined;
  readonly loadError: string | undefined;
}
