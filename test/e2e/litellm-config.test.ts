import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, writeTempConfig, type SpawnedGateway } from '../helpers/gateway-process.js';
import {
  completionBody,
  startMockUpstream,
  type MockUpstream,
  type UpstreamBehaviour,
} from '../helpers/mock-upstream.js';

// LiteLLM configs doing what they say, against local mock upstreams that record what they receive: one
// OpenAI-compatible, one speaking Anthropic's Messages API (under /anthropic). No request leaves the machine.

const ANTHROPIC_KEY = 'sk-ant-test-key';
const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
};

function anthropicMessage(body: Record<string, unknown>) {
  const wantsTool =
    Array.isArray(body.tools) &&
    !(body.messages as { content: unknown }[]).some((message) =>
      JSON.stringify(message.content).includes('tool_result'),
    );
  return {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model: String(body.model),
    content: wantsTool
      ? [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }]
      : [{ type: 'text', text: `claude says hi (system: ${String(body.system ?? '')})` }],
    stop_reason: wantsTool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 11, output_tokens: 7 },
  };
}

function anthropicEvents(body: Record<string, unknown>): UpstreamBehaviour {
  const start = {
    type: 'message_start',
    message: {
      ...anthropicMessage(body),
      content: [],
      stop_reason: null,
      usage: { input_tokens: 11, output_tokens: 0 },
    },
  };
  return {
    events: [
      { event: 'message_start', data: start },
      {
        event: 'content_block_start',
        data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'streamed ' } },
      },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'claude' } },
      },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'content_block_start',
        data: {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} },
        },
      },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
      },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Oslo"}' } },
      },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 1 } },
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: 'tool_use', stop_sequence: null },
          usage: { output_tokens: 9 },
        },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ],
  };
}

let upstream: MockUpstream;
let flakyCalls = 0;
const started: SpawnedGateway[] = [];

beforeAll(async () => {
  upstream = await startMockUpstream((path, body) => {
    if (path.startsWith('/anthropic/'))
      return body.stream === true ? anthropicEvents(body) : { status: 200, json: anthropicMessage(body) };
    if (path.startsWith('/failing/'))
      return { status: 500, json: { error: { message: 'group a is down', type: 'server_error' } } };
    if (path.startsWith('/small/'))
      return {
        status: 400,
        json: {
          error: {
            message: "This model's maximum context length is 8 tokens",
            type: 'invalid_request_error',
            code: 'context_length_exceeded',
          },
        },
      };
    if (path.startsWith('/flaky/')) {
      flakyCalls += 1;
      return flakyCalls <= 2
        ? { status: 503, json: { error: { message: 'try again', type: 'server_error' } } }
        : { status: 200, json: completionBody('third time lucky') };
    }
    if (path.startsWith('/slow/')) return { status: 200, json: completionBody('too late'), delayMs: 4_000 };
    if (path.includes('/embeddings')) {
      // As OpenAI does: floats, or their float32 bytes in base64 when asked (the openai client asks).
      const vector = [0.25, 0.5, 0.75];
      const embedding =
        body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return {
        status: 200,
        json: {
          object: 'list',
          model: String(body.model),
          data: [{ object: 'embedding', index: 0, embedding }],
          usage: { prompt_tokens: 2, total_tokens: 2 },
        },
      };
    }
    return {
      status: 200,
      json: completionBody(`answer from ${path.split('/')[1]} as ${String(body.model)}`, String(body.model)),
    };
  });
});

afterAll(async () => {
  await Promise.all(started.map((gateway) => gateway.stop()));
  await upstream?.close();
});

async function gatewayWith(
  yaml: string,
  env: Record<string, string> = {},
): Promise<{ gateway: SpawnedGateway; openai: OpenAI }> {
  const gateway = await startGateway({
    config: writeTempConfig(yaml),
    env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY, OPENAI_API_KEY: undefined as unknown as string, ...env },
  });
  started.push(gateway);
  return {
    gateway,
    openai: new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: env.LITELLM_MASTER_KEY ?? 'none', maxRetries: 0 }),
  };
}

const requestsTo = (prefix: string) => upstream.requests.filter((request) => request.path.startsWith(prefix));

describe('a LiteLLM config, served as it says', () => {
  let gateway: SpawnedGateway;
  let openai: OpenAI;

  beforeAll(async () => {
    ({ gateway, openai } = await gatewayWith(`
model_list:
  - model_name: claude
    litellm_params: { model: claude-opus-4-6, api_key: os.environ/ANTHROPIC_API_KEY, api_base: ${upstream.url}/anthropic }
  - model_name: "anthropic/*"
    litellm_params: { model: "anthropic/*", api_key: os.environ/ANTHROPIC_API_KEY, api_base: ${upstream.url}/anthropic }
  - model_name: "*"
    litellm_params: { model: "openai/*", api_base: ${upstream.url}/wild/v1, api_key: sk-wild }
  - model_name: a
    litellm_params: { model: openai/a, api_base: ${upstream.url}/failing/v1, api_key: sk-a }
  - model_name: b
    litellm_params: { model: openai/b, api_base: ${upstream.url}/good/v1, api_key: sk-b }
  - model_name: small
    litellm_params: { model: openai/small, api_base: ${upstream.url}/small/v1, api_key: sk-s }
  - model_name: large
    litellm_params: { model: openai/large, api_base: ${upstream.url}/large/v1, api_key: sk-l }
  - model_name: flaky
    litellm_params: { model: openai/flaky, api_base: ${upstream.url}/flaky/v1, api_key: sk-f }
  - model_name: azure-gpt
    litellm_params: { model: azure/my-deployment, api_base: ${upstream.url}/azure, api_key: sk-az }
  - model_name: local-llama
    litellm_params: { model: ollama/llama3, api_base: ${upstream.url} }
  - model_name: embedder
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${upstream.url}/emb/v1, api_key: sk-e }
  - model_name: misrouted
    litellm_params: { model: my-custom-model, api_key: os.environ/ANTHROPIC_API_KEY }
  - model_name: unservable
    litellm_params: { model: bedrock/anthropic.claude-v2 }
  - model_name: tuned
    litellm_params: { model: openai/tuned, api_base: ${upstream.url}/tuned/v1, api_key: sk-t, temperature: 0.1, max_tokens: 33 }
litellm_settings:
  num_retries: 2
  fallbacks: [{ a: [b] }]
  context_window_fallbacks: [{ small: [large] }]
  success_callback: [langfuse]
router_settings:
  model_group_alias: { gpt-4-latest: b }
  routing_strategy: least-busy
general_settings:
  # only comments here: LiteLLM reads this as an empty section
`));
  });

  it('sends an unprefixed claude model to Anthropic with its key, and translates the answer', async () => {
    const before = upstream.requests.length;
    const response = await openai.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(response.choices[0]?.message.content).toBe('claude says hi (system: be brief)');
    expect(response.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    const sent = upstream.requests.slice(before);
    expect(sent.map((request) => request.path)).toEqual(['/anthropic/v1/messages']);
    expect(sent[0]?.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(sent[0]?.headers.authorization).toBeUndefined();
    expect(sent[0]?.body).toMatchObject({
      model: 'claude-opus-4-6',
      system: 'be brief',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
  });

  it('round-trips a tool call through the Anthropic translation', async () => {
    const first = await openai.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [WEATHER_TOOL],
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({
      id: 'toolu_1',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    const before = upstream.requests.length;
    const second = await openai.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(second.choices[0]?.message.content).toMatch(/^claude says hi/);
    expect(upstream.requests[before]?.body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
    ]);
    expect(upstream.requests[before]?.body.tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: WEATHER_TOOL.function.parameters },
    ]);
  });

  it('streams from Anthropic as OpenAI chunks, tool calls and usage included', async () => {
    const stream = await openai.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'go' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let argumentsText = '';
    let finish: string | null | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      argumentsText += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('streamed claude');
    expect(JSON.parse(argumentsText)).toEqual({ city: 'Oslo' });
    expect(finish).toBe('tool_calls');
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 9, total_tokens: 20 });
  });

  it('refuses, sending nothing, a model whose key belongs to another provider', async () => {
    const before = upstream.requests.length;
    const error = await openai.chat.completions
      .create({ model: 'misrouted', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toMatch(/ANTHROPIC_API_KEY, a anthropic key: refusing to send it/);
    expect(upstream.requests.length).toBe(before);
    expect(
      gateway.logs.some(
        (line) => String(line.msg).includes('model_list[11]') && String(line.msg).includes('refusing to send it'),
      ),
    ).toBe(true);
  });

  it('retries a failing group num_retries times', async () => {
    const response = await openai.chat.completions.create({
      model: 'flaky',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.choices[0]?.message.content).toBe('third time lucky');
    expect(requestsTo('/flaky/')).toHaveLength(3);
  });

  it('falls back to the group fallbacks name when a group fails', async () => {
    const response = await openai.chat.completions.create({ model: 'a', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.choices[0]?.message.content).toBe('answer from good as b');
  });

  it('falls back on a context-length error to the context_window_fallbacks group', async () => {
    const response = await openai.chat.completions.create({
      model: 'small',
      messages: [{ role: 'user', content: 'a long prompt' }],
    });
    expect(response.choices[0]?.message.content).toBe('answer from large as large');
    // A context-length error is not retried on the same group.
    expect(requestsTo('/small/')).toHaveLength(1);
  });

  it('serves unlisted names through wildcard groups, the most specific first', async () => {
    const openaiWild = await openai.chat.completions.create({
      model: 'some-new-model',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(openaiWild.choices[0]?.message.content).toBe('answer from wild as some-new-model');
    const before = upstream.requests.length;
    const claudeWild = await openai.chat.completions.create({
      model: 'anthropic/claude-haiku-9',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(claudeWild.choices[0]?.message.content).toMatch(/^claude says hi/);
    expect(upstream.requests[before]).toMatchObject({
      path: '/anthropic/v1/messages',
      body: { model: 'claude-haiku-9' },
    });
  });

  it('maps model_group_alias names to their group', async () => {
    const response = await openai.chat.completions.create({
      model: 'gpt-4-latest',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.choices[0]?.message.content).toBe('answer from good as b');
  });

  it('calls azure with the default api-version when none is given, and says so at startup', async () => {
    const before = upstream.requests.length;
    await openai.chat.completions.create({ model: 'azure-gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.requests[before]?.path).toBe(
      '/azure/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21',
    );
    expect(
      gateway.logs.some((line) => String(line.msg).includes('azure deployment without api_version; using 2024-10-21')),
    ).toBe(true);
  });

  it('sends ollama with a bare host to /v1', async () => {
    const before = upstream.requests.length;
    await openai.chat.completions.create({ model: 'local-llama', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.requests[before]?.path).toBe('/v1/chat/completions');
  });

  it('applies deployment parameters where the request sets none', async () => {
    const before = upstream.requests.length;
    await openai.chat.completions.create({
      model: 'tuned',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 5,
    });
    expect(upstream.requests[before]?.body).toMatchObject({ temperature: 0.1, max_tokens: 5 });
  });

  it('serves /v1/embeddings through the same routing', async () => {
    const response = await openai.embeddings.create({ model: 'embedder', input: 'hello' });
    expect(response.data[0]?.embedding).toEqual([0.25, 0.5, 0.75]);
    expect(requestsTo('/emb/v1/embeddings').at(-1)?.body).toMatchObject({
      model: 'text-embedding-3-small',
      input: 'hello',
    });
  });

  it('lists only what it can serve, with aliases, and warns by name about the rest', async () => {
    const models = (await openai.models.list()).data.map((model) => model.id);
    expect(models).toEqual(expect.arrayContaining(['claude', 'a', 'b', 'azure-gpt', 'embedder', 'gpt-4-latest']));
    expect(models).not.toContain('unservable');
    expect(models).not.toContain('misrouted');
    const warnings = gateway.logs.filter((line) => line.level === 40).map((line) => String(line.msg));
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'litellm_settings.success_callback: not served by toolgate, ignored (no logging callbacks are called)',
        ),
      ]),
    );
    expect(warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('router_settings.routing_strategy: "least-busy" is not served')]),
    );
    expect(warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('model_list[12]: model "bedrock/anthropic.claude-v2"')]),
    );
  });
});

describe('reliability settings', () => {
  it('times out an upstream after request_timeout', async () => {
    const { openai } = await gatewayWith(`
model_list:
  - model_name: slow
    litellm_params: { model: openai/slow, api_base: ${upstream.url}/slow/v1, api_key: sk-s }
litellm_settings:
  request_timeout: 2
`);
    const error = await openai.chat.completions
      .create({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    // Cut off at the 2 s timeout: the mock would have answered 200 after 4 s.
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
  });
});

describe('auth', () => {
  it('takes the master key from LITELLM_MASTER_KEY when the config sets none', async () => {
    const { gateway } = await gatewayWith(
      `
model_list:
  - model_name: demo
    litellm_params: { model: openai/demo, mock_response: hi }
`,
      { LITELLM_MASTER_KEY: 'sk-from-env' },
    );
    expect((await fetch(`${gateway.url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${gateway.url}/v1/models`, { headers: { authorization: 'Bearer sk-from-env' } })).status).toBe(
      200,
    );
    expect(gateway.logs.find((line) => line.msg === 'toolgate gateway listening')).toMatchObject({
      auth: 'LITELLM_MASTER_KEY',
    });
  });

  it('refuses to listen beyond loopback without a key unless told to, and then warns loudly', async () => {
    await expect(gatewayWith('model_list: []', { HOST: '0.0.0.0' })).rejects.toThrow(
      /beyond loopback, with no master key.*allow_unauthenticated/,
    );
    // Bound to every interface, but only ever spoken to on loopback.
    const { gateway } = await gatewayWith('model_list: []\ntoolgate_settings: { allow_unauthenticated: true }', {
      HOST: '0.0.0.0',
    });
    expect(
      await gateway.waitForLog((line) => String(line.msg).startsWith('NO AUTH: this gateway listens beyond loopback')),
    ).toMatchObject({ level: 40, host: '0.0.0.0' });
  });
});
