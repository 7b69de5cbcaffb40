import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/shared/config/config-error.js';
import { loadConfig } from '../../src/shared/config/load-config.js';
import { resolveConfigValue } from '../../src/shared/config/secret.js';
import { writeTempConfig } from '../helpers/gateway-process.js';

function load(yaml: string, env: Record<string, string> = {}) {
  const file = writeTempConfig(yaml);
  return loadConfig({ flags: { configPath: file }, env: { ...env } });
}

function problemsOf(yaml: string, env: Record<string, string> = {}): readonly string[] {
  try {
    load(yaml, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('loadConfig', () => {
  it('reads YAML as LiteLLM does (YAML 1.1): digit separators, yes/no and on/off', () => {
    const config = load(`
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      tpm: 20_000
      rpm: 1_000
general_settings:
  master_key: sk-1234
toolgate_settings:
  shared_sessions: no
  allow_unauthenticated: yes
mcp_tools:
  - name: y
    handler: mcp_tools.n
    input_schema: { type: object, required: [n, y] }
`);
    expect(config.models[0]).toMatchObject({ tpm: 20000, rpm: 1000 });
    expect(config.settings).toMatchObject({ shared_sessions: false, allow_unauthenticated: true });
    // PyYAML keeps the single letters y and n as strings, unlike the YAML 1.1 of the letter.
    expect(config.tools[0]).toMatchObject({
      name: 'y',
      handler: 'mcp_tools.n',
      input_schema: { required: ['n', 'y'] },
    });
  });

  it('reads mcp_servers as a list of entries that name themselves with server_name', () => {
    const config = load(`
mcp_servers:
  - server_name: wiki
    url: https://wiki.example.test/mcp
  - server_name: files
    command: node
    args: [files.js]
`);
    expect(config.upstreamServers.map((server) => [server.name, server.transport.kind])).toEqual([
      ['wiki', 'http'],
      ['files', 'stdio'],
    ]);
    expect(config.warnings).toEqual([]);
    expect(
      problemsOf(`
mcp_servers:
  - url: https://a.example.test/mcp
  - server_name: twice
    url: https://b.example.test/mcp
  - server_name: twice
    url: https://c.example.test/mcp
`),
    ).toEqual([
      expect.stringMatching(/mcp_servers\[0\]\.server_name: expected the server's name$/),
      expect.stringMatching(/mcp_servers\[2\]\.server_name: "twice" is named twice$/),
    ]);
  });

  it('loads the LiteLLM example config unchanged and applies defaults', () => {
    const config = load(`
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: sk-xxxxxxx
mcp_tools:
  - name: "get_current_time"
    description: "Get the current time"
    input_schema: { "type": "object", "properties": { "format": { "type": "string", "enum": ["short"] } } }
    handler: "mcp_tools.get_current_time"
`);
    expect(config.tools).toHaveLength(1);
    expect(config.tools[0]).toMatchObject({ name: 'get_current_time', handler: 'mcp_tools.get_current_time' });
    expect(config.models[0]).toMatchObject({
      modelName: 'gpt-4o',
      model: 'openai/gpt-4o',
      apiKey: { literal: 'sk-xxxxxxx' },
    });
    expect(config.settings.tool_timeout_ms).toBe(55_000);
    expect(config.settings.max_request_bytes).toBe(4 * 1024 * 1024);
    expect(config.runtime).toMatchObject({ port: 4000, host: '127.0.0.1', redisUrl: undefined });
    expect(config.warnings).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names the file, the key path and what was expected, one line per problem', () => {
    const problems = problemsOf(`
mcp_tools:
  - name: ok_tool
    handler: a.b
  - name: "bad name!"
    handler: a.b
  - name: no_handler
toolgate_settings:
  tool_timeout_ms: -5
`);
    // The file's other problems first, then its mcp_tools entries'.
    expect(problems).toHaveLength(3);
    expect(problems[1]).toMatch(/config\.yaml: mcp_tools\[1\]\.name: expected a name matching/);
    expect(problems[2]).toMatch(/config\.yaml: mcp_tools\[2\]\.handler: /);
    expect(problems[0]).toMatch(/config\.yaml: toolgate_settings\.tool_timeout_ms: /);
  });

  it('reports YAML syntax errors and a missing file clearly', () => {
    expect(problemsOf('mcp_tools: [\n')[0]).toMatch(/config\.yaml: YAML: /);
    expect(() => loadConfig({ flags: { configPath: '/nonexistent/toolgate.yaml' }, env: {} })).toThrow(
      /toolgate\.yaml: file not found/,
    );
  });

  it('warns about unknown keys where LiteLLM configs have them, without failing', () => {
    const config = load(`
router_settings: { routing_strategy: simple-shuffle, enable_pre_call_checks: true }
model_list:
  - model_name: m
    litellm_params: { model: gpt-4o, rpm: 10, some_future_param: 1 }
general_settings: { database_url: postgres://x }
litellm_settings: { drop_params: true }
`);
    expect(config.warnings).toEqual([
      expect.stringMatching(/: model_list\[0\]\.litellm_params\.some_future_param: unknown key/),
      expect.stringMatching(/: general_settings\.database_url: unknown key/),
      expect.stringMatching(
        /: router_settings\.enable_pre_call_checks: not served by toolgate, ignored \(no context-window check before the call\)$/,
      ),
    ]);
    expect(config.models[0]?.model).toBe('openai/gpt-4o');
  });

  it('resolves os.environ/ references lazily, after environment_variables', () => {
    const config = load(
      `
environment_variables: { UPSTREAM_KEY: from-config }
model_list:
  - model_name: a
    params: { model: openai/a, api_key: os.environ/UPSTREAM_KEY }
  - model_name: b
    litellm_params: { model: openai/b, api_key: os.environ/NOT_SET_ANYWHERE }
`,
    );
    const [first, second] = config.models;
    expect(resolveConfigValue(first!.apiKey!, config.env, 'model a')).toBe('from-config');
    expect(() => resolveConfigValue(second!.apiKey!, config.env, 'model_list[1].litellm_params.api_key')).toThrow(
      'model_list[1].litellm_params.api_key: environment variable NOT_SET_ANYWHERE is not set',
    );
  });

  it('refuses to start when master_key names a missing or empty variable', () => {
    expect(problemsOf('general_settings: { master_key: os.environ/TG_KEY }')[0]).toMatch(
      /environment variable TG_KEY is not set/,
    );
    expect(problemsOf('general_settings: { master_key: os.environ/TG_KEY }', { TG_KEY: '' })[0]).toMatch(
      /TG_KEY is not set/,
    );
    expect(load('general_settings: { master_key: os.environ/TG_KEY }', { TG_KEY: 'sk-1' }).masterKey).toBe('sk-1');
  });

  it('names the known key an unknown one was probably meant to be', () => {
    const config = load('general_settings: { master_kye: sk-1, totally_unrelated_setting: 1 }');
    expect(config.warnings).toEqual([
      expect.stringMatching(/general_settings\.master_kye: unknown key, ignored \(did you mean master_key\?\)$/),
      expect.stringMatching(/general_settings\.totally_unrelated_setting: unknown key, ignored$/),
    ]);
    expect(config.masterKey).toBeUndefined();
  });

  it('refuses an empty literal master_key, which an empty header would match', () => {
    expect(problemsOf('general_settings: { master_key: "" }')[0]).toMatch(/master_key is empty/);
    expect(problemsOf('general_settings: { master_key: "  " }')[0]).toMatch(/master_key is empty/);
  });

  it('takes PORT, HOST and REDIS_URL from the environment, with CLI flags winning', () => {
    const file = writeTempConfig('{}');
    const config = loadConfig({
      flags: { configPath: file, port: 5000 },
      env: { PORT: '4100', HOST: '0.0.0.0', REDIS_URL: 'redis://127.0.0.1:6379' },
    });
    expect(config.runtime).toMatchObject({ port: 5000, host: '0.0.0.0', redisUrl: 'redis://127.0.0.1:6379' });
    expect(() => loadConfig({ flags: { configPath: file }, env: { PORT: 'eighty' } })).toThrow(
      /PORT must be a port number/,
    );
  });
});
