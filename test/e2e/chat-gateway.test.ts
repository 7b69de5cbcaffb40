import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, writeTempConfig, type SpawnedGateway } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/redis-server.js';
import { chunkBody, completionBody, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

const TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
];

let upstream: MockUpstream;
let gateway: SpawnedGateway;
let openai: OpenAI;

beforeAll(async () => {
  upstream = await startMockUpstream((path, body) => {
    if (path.startsWith('/broken/'))
      return { status: 500, json: { error: { message: 'upstream exploded', type: 'server_error' } } };
    if (path.startsWith('/limited/'))
      return {
        status: 429,
        json: { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } },
      };
    if (path.startsWith('/picky/'))
      return {
        status: 400,
        json: {
          error: {
            message: 'Unrecognized request argument supplied: foo',
            type: 'invalid_request_error',
            param: 'foo',
          },
        },
      };
    if (path.startsWith('/slow/'))
      return { chunks: Array.from({ length: 100 }, (_, index) => chunkBody({ content: `${index} ` })), delayMs: 50 };
    if (body.stream === true) {
      const chunks = [
        chunkBody({
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }],
        }),
        chunkBody({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
        chunkBody({ tool_calls: [{ index: 0, function: { arguments: 'ty": "Tok' } }] }),
        chunkBody({ tool_calls: [{ index: 0, function: { arguments: 'yo"}' } }] }),
        chunkBody({}, 'tool_calls'),
      ];
      const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
      return {
        chunks: includeUsage
          ? [
              ...chunks,
              { ...chunkBody({}), choices: [], usage: { prompt_tokens: 7, completion_tokens: 9, total_tokens: 16 } },
            ]
          : chunks,
      };
    }
    return { status: 200, json: completionBody(`answer from ${path.split('/')[1]}`, String(body.model)) };
  });
  const closedPort = await freePort();
  const config = writeTempConfig(`
model_list:
  - model_name: fast
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}/good/v1, api_key: os.environ/UPSTREAM_KEY }
  # weight 0: tried only after the weighted ones, so the failing deployment always goes first.
  - model_name: flaky-500
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}/broken/v1, api_key: sk-a, weight: 1 }
  - model_name: flaky-500
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}/good/v1, api_key: sk-b, weight: 0 }
  - model_name: flaky-refused
    litellm_params: { model: hosted_vllm/meta-llama/Llama-3.1-8B, api_base: http://127.0.0.1:${closedPort}/v1, weight: 1 }
  - model_name: flaky-refused
    litellm_params: { model: hosted_vllm/meta-llama/Llama-3.1-8B, api_base: ${upstream.url}/backup/v1, weight: 0 }
  - model_name: limited
    litellm_params: { model: openai/a, api_base: ${upstream.url}/limited/v1 }
  - model_name: limited
    litellm_params: { model: openai/b, api_base: ${upstream.url}/limited/v1 }
  - model_name: picky
    litellm_params: { model: openai/picky, api_base: ${upstream.url}/picky/v1 }
  - model_name: slow
    litellm_params: { model: openai/slow, api_base: ${upstream.url}/slow/v1 }
  - model_name: canned
    litellm_params: { model: openai/whatever, mock_response: "canned answer" }
  - model_name: keyless
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}/good/v1, api_key: os.environ/TG_TEST_KEY_NEVER_SET }
  - model_name: claude
    litellm_params: { model: bedrock/anthropic.claude-v2 }
  - model_name: mixed
    litellm_params: { model: bedrock/anthropic.claude-v2 }
  - model_name: mixed
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}/fallback/v1, api_key: sk-c }
general_settings:
  master_key: sk-gateway
`);
  gateway = await startGateway({ config, env: { UPSTREAM_KEY: 'sk-upstream-secret' } });
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-gateway', maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
});

describe('chat completions through the gateway', () => {
  it('proxies a completion: upstream model name, key and tools are passed on', async () => {
    const response = await openai.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
      tools: TOOLS,
      tool_choice: 'auto',
    });
    expect(response.choices[0]?.message.content).toBe('answer from good');
    const seen = upstream.requests.at(-1)!;
    expect(seen.path).toBe('/good/v1/chat/completions');
    expect(seen.body).toMatchObject({
      model: 'gpt-4o-mini',
      tools: TOOLS,
      tool_choice: 'auto',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(seen.headers.authorization).toBe('Bearer sk-upstream-secret');
  });

  it('streams tool_calls deltas intact, with usage when asked', async () => {
    const stream = await openai.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: TOOLS,
      stream: true,
      stream_options: { include_usage: true },
    });
    let argumentsText = '';
    let finish: string | null | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) argumentsText += call.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(JSON.parse(argumentsText)).toEqual({ city: 'Tokyo' });
    expect(finish).toBe('tool_calls');
    expect(usage).toEqual({ prompt_tokens: 7, completion_tokens: 9, total_tokens: 16 });
  });

  it('falls back to the next deployment on a 500, logging and counting the failure', async () => {
    const response = await openai.chat.completions.create({
      model: 'flaky-500',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.choices[0]?.message.content).toBe('answer from good');
    await gateway.waitForLog(
      (line) => line.msg === 'model deployment failed' && line.model === 'flaky-500' && line.status === 500,
    );
    const metrics = await (
      await fetch(`${gateway.url}/metrics`, { headers: { authorization: 'Bearer sk-gateway' } })
    ).text();
    expect(metrics).toMatch(/toolgate_upstream_failures_total\{model="flaky-500",status="500"\} 1/);
    expect(metrics).toMatch(/toolgate_chat_requests_total\{model="flaky-500",status="200"\} 1/);
  });

  it('falls back to the next deployment when the first refuses connections', async () => {
    const response = await openai.chat.completions.create({
      model: 'flaky-refused',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.choices[0]?.message.content).toBe('answer from backup');
    expect(upstream.requests.at(-1)?.body.model).toBe('meta-llama/Llama-3.1-8B');
  });

  it('returns 429 in OpenAI’s error shape when every deployment is rate limited', async () => {
    const error = await openai.chat.completions
      .create({ model: 'limited', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({
      message: 'Rate limit reached for requests',
      code: 'rate_limit_exceeded',
    });
  });

  it('keeps an upstream client error’s status and message, without falling back', async () => {
    const before = upstream.requests.length;
    const error = await openai.chat.completions
      .create({ model: 'picky', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain(
      'Unrecognized request argument supplied: foo',
    );
    expect(upstream.requests.length - before).toBe(1);
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: 'slow', messages: [{ role: 'user', content: 'long story' }], stream: true },
      { signal: controller.signal },
    );
    let received = 0;
    // The openai client ends the iteration quietly once its signal aborts.
    for await (const _chunk of stream) {
      received += 1;
      if (received === 3) controller.abort();
    }
    expect(received).toBeLessThan(10);
    const until = Date.now() + 5_000;
    while (upstream.abortedStreams === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(upstream.abortedStreams).toBe(1);
  });

  it('answers mock_response per deployment and per request, streaming included, with no upstream call', async () => {
    const before = upstream.requests.length;
    const canned = await openai.chat.completions.create({
      model: 'canned',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(canned.choices[0]?.message.content).toBe('canned answer');
    expect(canned.usage?.total_tokens).toBeGreaterThan(0);
    const perRequest = await openai.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
      mock_response: 'from the request',
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(perRequest.choices[0]?.message.content).toBe('from the request');
    const stream = await openai.chat.completions.create({
      model: 'canned',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('canned answer');
    expect(upstream.requests.length).toBe(before);
  });

  it('lists the model groups', async () => {
    const models = await openai.models.list();
    // `claude` has no deployment toolgate can serve.
    expect(models.data.map((model) => model.id)).toEqual([
      'fast',
      'flaky-500',
      'flaky-refused',
      'limited',
      'picky',
      'slow',
      'canned',
      'keyless',
      'mixed',
    ]);
  });

  it('answers a provider it cannot serve with a 400 naming the supported forms, sending nothing anywhere', async () => {
    const before = upstream.requests.length;
    const error = await openai.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toMatch(/provider "bedrock" is not served without api_base; supported: openai\//);
    expect(upstream.requests.length).toBe(before);
    const mixed = await openai.chat.completions.create({ model: 'mixed', messages: [{ role: 'user', content: 'hi' }] });
    expect(mixed.choices[0]?.message.content).toBe('answer from fallback');
  });

  it('answers a model whose key variable is unset with a 401 naming the variable, sending nothing', async () => {
    const before = upstream.requests.length;
    const error = await openai.chat.completions
      .create({ model: 'keyless', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as Error).message).toMatch(/Model keyless is misconfigured: .*TG_TEST_KEY_NEVER_SET is not set/);
    expect(upstream.requests.length).toBe(before);
  });

  it('answers an unknown model with a 400 listing the known ones, and a malformed body with 400', async () => {
    const error = await openai.chat.completions
      .create({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('Known models: fast, flaky-500');
    const malformed = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-gateway', 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('requires the master key', async () => {
    const anonymous = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    const error = await anonymous.chat.completions
      .create({ model: 'canned', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
