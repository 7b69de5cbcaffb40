import { AppError } from '../errors.js';

const ENV_PREFIX = 'os.environ/';

/**
 * A config value that may name an environment variable (`os.environ/NAME`, LiteLLM's form). It is
 * resolved against the environment captured when the config loaded, only when the value is needed, so a
 * missing variable is an error only for the feature that uses it.
 */
export type ConfigValue = { readonly literal: string } | { readonly envName: string };

export function parseConfigValue(raw: string): ConfigValue {
  return raw.startsWith(ENV_PREFIX) ? { envName: raw.slice(ENV_PREFIX.length) } : { literal: raw };
}

export type EnvSnapshot = Readonly<Record<string, string | undefined>>;

/** Resolves a value; `where` names the key for the error when the variable is missing or empty. */
export function resolveConfigValue(value: ConfigValue, env: EnvSnapshot, where: string): string {
  if ('literal' in value) return value.literal;
  const resolved = env[value.envName];
  if (resolved === undefined || resolved === '') {
    throw new AppError('internal', `${where}: environment variable ${value.envName} is not set`);
  }
  return resolved;
}
