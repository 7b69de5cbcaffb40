import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/shared/config/config-error.js';
import { loadConfig } from '../../src/shared/config/load-config.js';
import { withProviderPrefix } from '../../src/shared/config/provider-route.js';
import { writeTempConfig } from '../helpers/gateway-process.js';

function load(yaml: string, env: Record<string, string> = {}) {
  return loadConfig({ flags: { configPath: writeTempConfig(yaml) }, env: { ...env } });
}

describe('LiteLLM settings', () => {
  it('loads sections that hold only comments as empty', () => {
    const config = load(`
general_settings:
  # master_key: sk-1234
litellm_settings:
  # drop_params: true
model_list:
  - model_name: demo
    litellm_params: { model: openai/demo, mock_response: hi }
`);
    expect(config.masterKey).toBeUndefined();
    expect(config.routing.dropParams).toBe(false);
  });

  it('reads the master key from the config, else LITELLM_MASTER_KEY, else TOOLGATE_MASTER_KEY', () => {
    expect(load('general_settings: { master_key: sk-config }', { LITELLM_MASTER_KEY: 'sk-env' })).toMatchObject({
      masterKey: 'sk-config',
      masterKeySource: 'general_settings.master_key',
    });
    expect(load('{}', { LITELLM_MASTER_KEY: 'sk-env', TOOLGATE_MASTER_KEY: 'sk-other' })).toMatchObject({
      masterKey: 'sk-env',
      masterKeySource: 'LITELLM_MASTER_KEY',
    });
    expect(load('{}', { TOOLGATE_MASTER_KEY: 'sk-other' })).toMatchObject({
      masterKey: 'sk-other',
      masterKeySource: 'TOOLGATE_MASTER_KEY',
    });
    expect(load('{}')).toMatchObject({ masterKey: undefined, masterKeySource: undefined });
  });

  it('serves the routing keys of both sections, router_settings winning', () => {
    const { routing } = load(`
litellm_settings:
  num_retries: 1
  request_timeout: 30
  drop_params: true
  fallbacks: [{ a: [b, c] }]
router_settings:
  num_retries: 3
  timeout: 10
  allowed_fails: 1
  cooldown_time: 2
  context_window_fallbacks: [{ small: [large] }]
  model_group_alias: { latest: a, hidden: { model: b, hidden: true } }
`);
    expect(routing).toMatchObject({
      numRetries: 3,
      timeoutMs: 10_000,
      dropParams: true,
      allowedFails: 1,
      cooldownMs: 2_000,
    });
    expect([...routing.fallbacks]).toEqual([['a', ['b', 'c']]]);
    expect([...routing.contextWindowFallbacks]).toEqual([['small', ['large']]]);
    expect([...routing.modelGroupAlias]).toEqual([
      ['latest', 'a'],
      ['hidden', 'b'],
    ]);
  });

  it('warns about each key it does not serve, by name, and refuses served keys of the wrong type', () => {
    const config = load('litellm_settings: { cache: true, set_verbose: true, some_future_key: 1 }');
    expect(config.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/litellm_settings\.cache: not served by toolgate, ignored \(responses are not cached\)$/),
        expect.stringMatching(/litellm_settings\.set_verbose: not served .*LOG_LEVEL=debug/),
        expect.stringMatching(/litellm_settings\.some_future_key: not served by toolgate, ignored$/),
      ]),
    );
    const refused = (() => {
      try {
        load('router_settings: { num_retries: many, fallbacks: [{ a: b }] }');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([
      expect.stringMatching(/router_settings\.num_retries: /),
      expect.stringMatching(/router_settings\.fallbacks\.\[0\]\.a: /),
    ]);
  });

  it.each([
    ['claude-opus-4-6', 'anthropic/claude-opus-4-6'],
    ['gemini-2.5-pro', 'gemini/gemini-2.5-pro'],
    ['mistral-large-latest', 'mistral/mistral-large-latest'],
    ['deepseek-chat', 'deepseek/deepseek-chat'],
    ['grok-4', 'xai/grok-4'],
    ['command-r-plus', 'cohere/command-r-plus'],
    ['gpt-4o', 'openai/gpt-4o'],
    ['my-local-model', 'openai/my-local-model'],
    ['groq/llama-3.1-8b', 'groq/llama-3.1-8b'],
  ])('places %s with the provider it belongs to', (model, expected) => {
    expect(withProviderPrefix(model)).toBe(expected);
  });
});
