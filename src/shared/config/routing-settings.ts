import { z } from 'zod';
import { formatKeyPath } from './config-error.js';

/** How chat requests are routed, retried and failed over: LiteLLM's `litellm_settings` and `router_settings`. */
export interface RoutingSettings {
  /** Further tries of a whole group after every deployment in it failed (`num_retries`). */
  readonly numRetries: number;
  /** Per upstream request, unless a deployment sets its own `timeout` (`request_timeout`, `timeout`). */
  readonly timeoutMs: number | undefined;
  /** Groups tried in order once a group has failed (`fallbacks`). */
  readonly fallbacks: ReadonlyMap<string, readonly string[]>;
  /** Groups tried when a group answers that the prompt is over its context window (`context_window_fallbacks`). */
  readonly contextWindowFallbacks: ReadonlyMap<string, readonly string[]>;
  /** Failures in a row after which a deployment rests for `cooldownMs` (`allowed_fails`, `cooldown_time`). */
  readonly allowedFails: number;
  readonly cooldownMs: number;
  /** Drop request parameters a provider does not take instead of refusing them (`drop_params`). */
  readonly dropParams: boolean;
  /** Names that stand for a group (`model_group_alias`). */
  readonly modelGroupAlias: ReadonlyMap<string, string>;
}

/** LiteLLM's defaults: no retries, three failures before a five-second cooldown. */
export const DEFAULT_ROUTING: RoutingSettings = Object.freeze({
  numRetries: 0,
  timeoutMs: undefined,
  fallbacks: new Map(),
  contextWindowFallbacks: new Map(),
  allowedFails: 3,
  cooldownMs: 5_000,
  dropParams: false,
  modelGroupAlias: new Map(),
});

/** `[{ group: [fallback, …] }, …]`, LiteLLM's shape for both kinds of fallback. */
const fallbackList = z.array(z.record(z.string(), z.array(z.string())));
const seconds = z.number().positive();
const aliasTarget = z.union([z.string(), z.object({ model: z.string(), hidden: z.boolean().optional() })]);

const servedKeys = {
  num_retries: z.number().int().nonnegative(),
  request_timeout: seconds,
  timeout: seconds,
  fallbacks: fallbackList,
  context_window_fallbacks: fallbackList,
  allowed_fails: z.number().int().nonnegative(),
  cooldown_time: z.number().nonnegative(),
  drop_params: z.boolean(),
  model_group_alias: z.record(z.string(), aliasTarget),
  routing_strategy: z.string(),
} as const;
type ServedKey = keyof typeof servedKeys;

/** Keys served in each section (LiteLLM reads most in both). */
const SECTION_KEYS: Record<'litellm_settings' | 'router_settings', readonly ServedKey[]> = {
  litellm_settings: [
    'num_retries',
    'request_timeout',
    'fallbacks',
    'context_window_fallbacks',
    'drop_params',
    'allowed_fails',
    'cooldown_time',
    'model_group_alias',
  ],
  router_settings: [
    'num_retries',
    'timeout',
    'fallbacks',
    'context_window_fallbacks',
    'allowed_fails',
    'cooldown_time',
    'model_group_alias',
    'routing_strategy',
  ],
};

/** What a user loses for LiteLLM keys often seen in configs that toolgate does not serve. */
const NOT_SERVED: Record<string, string> = {
  success_callback: 'no logging callbacks are called',
  failure_callback: 'no logging callbacks are called',
  callbacks: 'no callbacks are called',
  cache: 'responses are not cached',
  cache_params: 'responses are not cached',
  set_verbose: 'use LOG_LEVEL=debug instead',
  json_logs: 'logs are always JSON',
  redis_host: 'router state is not shared through Redis',
  redis_port: 'router state is not shared through Redis',
  redis_password: 'router state is not shared through Redis',
  enable_pre_call_checks: 'no context-window check before the call',
  retry_policy: 'retries follow num_retries for every error kind',
  allowed_fails_policy: 'cooldowns follow allowed_fails for every error kind',
  content_policy_fallbacks: 'content-policy errors are not failed over',
  default_fallbacks: 'only the groups named in fallbacks are failed over',
  max_budget: 'no spend budget is enforced',
  guardrails: 'no guardrails run',
};

/** Routing strategies LiteLLM has; toolgate weighs by `weight`, `rpm` or `tpm` (simple-shuffle) for all. */
const STRATEGIES = [
  'simple-shuffle',
  'least-busy',
  'usage-based-routing',
  'usage-based-routing-v2',
  'latency-based-routing',
  'cost-based-routing',
];

export interface ParsedRoutingSettings {
  readonly routing: RoutingSettings;
  readonly warnings: string[];
  readonly problems: string[];
}

function toMap(list: z.infer<typeof fallbackList> | undefined): Map<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  for (const entry of list ?? []) for (const [group, targets] of Object.entries(entry)) map.set(group, targets);
  return map;
}

/**
 * Reads the routing keys of `litellm_settings` and `router_settings` (a key in `router_settings` wins).
 * Every other key is warned about once, by name, saying what the user loses; a served key of the wrong
 * type is a problem naming its path.
 */
export function parseRoutingSettings(
  file: string,
  sections: { litellm_settings?: Record<string, unknown>; router_settings?: Record<string, unknown> },
): ParsedRoutingSettings {
  const warnings: string[] = [];
  const problems: string[] = [];
  const values: Partial<{ [K in ServedKey]: z.infer<(typeof servedKeys)[K]> }> = {};

  for (const section of ['litellm_settings', 'router_settings'] as const) {
    for (const [key, raw] of Object.entries(sections[section] ?? {})) {
      if (!(SECTION_KEYS[section] as readonly string[]).includes(key)) {
        const loss = NOT_SERVED[key];
        warnings.push(`${file}: ${section}.${key}: not served by toolgate, ignored${loss ? ` (${loss})` : ''}`);
        continue;
      }
      const parsed = servedKeys[key as ServedKey].safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          problems.push(
            `${file}: ${section}.${key}${issue.path.length ? `.${formatKeyPath(issue.path)}` : ''}: ${issue.message}`,
          );
        continue;
      }
      (values as Record<string, unknown>)[key] = parsed.data;
    }
  }

  if (values.routing_strategy !== undefined && values.routing_strategy !== 'simple-shuffle') {
    const known = STRATEGIES.includes(values.routing_strategy);
    warnings.push(
      `${file}: router_settings.routing_strategy: ${known ? `"${values.routing_strategy}" is not served` : `unknown strategy "${values.routing_strategy}"`}; toolgate uses simple-shuffle (weighted by weight, rpm or tpm)`,
    );
  }
  const timeoutSeconds = values.timeout ?? values.request_timeout;
  const alias = new Map(
    Object.entries(values.model_group_alias ?? {}).map(([name, target]) => [
      name,
      typeof target === 'string' ? target : target.model,
    ]),
  );
  return {
    routing: {
      numRetries: values.num_retries ?? DEFAULT_ROUTING.numRetries,
      timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
      fallbacks: toMap(values.fallbacks),
      contextWindowFallbacks: toMap(values.context_window_fallbacks),
      allowedFails: values.allowed_fails ?? DEFAULT_ROUTING.allowedFails,
      cooldownMs: values.cooldown_time === undefined ? DEFAULT_ROUTING.cooldownMs : values.cooldown_time * 1000,
      dropParams: values.drop_params ?? DEFAULT_ROUTING.dropParams,
      modelGroupAlias: alias,
    },
    warnings,
    problems,
  };
}
