import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { useChatGateway } from '../helpers/chat-gateway.js';
import { ECHO_TOOL } from '../helpers/fixture-tools.js';
import { writeTempConfig, type SpawnedProcess } from '../helpers/gateway-process.js';
import { completionBody, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';

// The Responses API on chat-completions deployments: the real openai client, a mock model that records
// what it is sent, and the gateway's own tools in embedded mode and through the queue.
type ChatBody = {
  model: string;
  messages: { role: string; content?: unknown; tool_call_id?: string; tool_calls?: unknown[] }[];
  tools?: { function: { name: string } }[];
};

/** A Responses API object as an upstream that serves the API itself would answer. */
const nativeResponse = (text: string) => ({
  id: 'resp_upstream',
  object: 'response',
  created_at: 1_700_000_000,
  status: 'completed',
  model: 'native-model',
  output: [
    {
      type: 'message',
      id: 'msg_1',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text, annotations: [] }],
    },
  ],
  usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
});

function modelAnswer(path: string, raw: Record<string, unknown>) {
  if (path.startsWith('/native/') && path.endsWith('/responses')) {
    if (raw.stream !== true)
      return { status: 200, json: nativeResponse(`native answer to ${JSON.stringify(raw.input)}`) };
    const response = nativeResponse('native streamed');
    return {
      chunks: [
        { type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress', output: [] } },
        {
          type: 'response.output_item.added',
          sequence_number: 1,
          output_index: 0,
          item: { ...response.output[0], status: 'in_progress', content: [] },
        },
        {
          type: 'response.content_part.added',
          sequence_number: 2,
          item_id: 'msg_1',
          output_index: 0,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        },
        {
          type: 'response.output_text.delta',
          sequence_number: 3,
          item_id: 'msg_1',
          output_index: 0,
          content_index: 0,
          delta: 'native streamed',
          logprobs: [],
        },
        { type: 'response.completed', sequence_number: 4, response },
      ],
    };
  }
  const body = raw as unknown as ChatBody;
  const last = body.messages.at(-1);
  const call = (name: string, args: Record<string, unknown>) =>
    completionBody('', body.model, {
      content: null,
      tool_calls: [
        { id: `call_${body.messages.length}`, type: 'function', function: { name, arguments: JSON.stringify(args) } },
      ],
    });
  if (last?.role === 'tool')
    return { status: 200, json: completionBody(`the tool said: ${String(last.content)}`, body.model) };
  const offered = body.tools?.map((tool) => tool.function.name) ?? [];
  if (offered.includes('get_weather')) return { status: 200, json: call('get_weather', { city: 'Lisbon' }) };
  if (offered.includes('echo')) return { status: 200, json: call('echo', { text: 'from the model' }) };
  return { status: 200, json: completionBody(`you said: ${JSON.stringify(last?.content)}`, body.model) };
}

const configFor = (upstreamUrl: string) =>
  writeTempConfig(`
model_list:
  - model_name: chat-only
    litellm_params: { model: openai/m, api_base: ${upstreamUrl}/v1, api_key: sk-x }
  - model_name: native
    litellm_params: { model: openai/native-model, api_base: ${upstreamUrl}/native/v1, api_key: sk-x, responses_api: true }
mcp_tools:
${ECHO_TOOL}
`);

const WEATHER = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
  strict: false,
};

describe.each([
  ['embedded', false],
  ['queue mode', true],
])('the Responses API, %s', (_mode, queued) => {
  const chat = useChatGateway(modelAnswer, configFor, queued ? inject('redisUrl') : undefined);

  const lastSent = () => chat.upstream.requests.at(-1)?.body as unknown as ChatBody;

  it('answers a string input, with instructions as the system message', async () => {
    const response = await chat.openai.responses.create({
      model: 'chat-only',
      input: 'hello',
      instructions: 'be brief',
    });
    expect(lastSent().messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello' },
    ]);
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('you said: "hello"');
    expect(response.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('returns function calls, and continues from previous_response_id with their output', async () => {
    const first = await chat.openai.responses.create({ model: 'chat-only', input: 'weather?', tools: [WEATHER] });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Lisbon"}' });
    const second = await chat.openai.responses.create({
      model: 'chat-only',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: (call as { call_id: string }).call_id, output: 'sunny, 24 °C' }],
      tools: [WEATHER],
    });
    // The model got the whole conversation: the question, its own call, and the call's output.
    expect(lastSent().messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    expect(second.output_text).toBe('the tool said: sunny, 24 °C');
  });

  it('runs MCP tools in the loop and reports them as mcp_list_tools and mcp_call items', async () => {
    const response = await chat.openai.responses.create({
      model: 'chat-only',
      input: 'use the tool',
      tools: [{ type: 'mcp', server_label: 'toolgate', server_url: 'litellm_proxy', require_approval: 'never' }],
    });
    const types = response.output.map((item) => item.type);
    expect(types).toEqual(['mcp_list_tools', 'mcp_call', 'message']);
    expect(response.output[0]).toMatchObject({
      server_label: 'toolgate',
      tools: [expect.objectContaining({ name: 'echo' })],
    });
    expect(response.output[1]).toMatchObject({ name: 'echo', error: null });
    expect((response.output[1] as { output: string }).output).toContain('from the model');
    expect(response.output_text).toContain('the tool said:');
  });

  it('asks for approval of MCP calls whose entry needs it, running nothing', async () => {
    const sentBefore = chat.upstream.requests.length;
    const response = await chat.openai.responses.create({
      model: 'chat-only',
      input: 'use the tool',
      tools: [{ type: 'mcp', server_label: 'toolgate', server_url: 'litellm_proxy' }],
    });
    expect(response.output.map((item) => item.type)).toEqual(['mcp_list_tools', 'mcp_approval_request']);
    expect(chat.upstream.requests.length - sentBefore).toBe(1);
  });

  it('runs an MCP call the client approves in the next request, and answers a denied one as denied', async () => {
    const tools = [
      {
        type: 'mcp' as const,
        server_label: 'toolgate',
        server_url: 'litellm_proxy',
        require_approval: 'always' as const,
      },
    ];
    for (const approve of [true, false]) {
      const first = await chat.openai.responses.create({ model: 'chat-only', input: 'use the tool', tools });
      const asked = first.output.find((item) => item.type === 'mcp_approval_request');
      expect(asked).toMatchObject({ name: 'echo' });
      const second = await chat.openai.responses.create({
        model: 'chat-only',
        previous_response_id: first.id,
        input: [{ type: 'mcp_approval_response', approval_request_id: asked!.id, approve }],
        tools,
      });
      if (approve) {
        expect(second.output.map((item) => item.type)).toEqual(['mcp_list_tools', 'mcp_call', 'message']);
        expect(second.output_text).toContain('from the model');
      } else {
        expect(second.output.map((item) => item.type)).toEqual(['mcp_list_tools', 'message']);
        expect(second.output_text).toContain('denied');
      }
    }
  });

  it('streams the Responses events, which the client assembles into the response', async () => {
    const stream = chat.openai.responses.stream({ model: 'chat-only', input: 'stream me' });
    const types: string[] = [];
    let deltas = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
    }
    const final = await stream.finalResponse();
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types).toContain('response.output_text.done');
    expect(deltas).toBe('you said: "stream me"');
    expect(final.output_text).toBe('you said: "stream me"');
  });

  it('streams a response whose MCP tool ran in the loop, and one that calls a client function', async () => {
    const withMcp = chat.openai.responses.stream({
      model: 'chat-only',
      input: 'use the tool',
      tools: [{ type: 'mcp', server_label: 'toolgate', server_url: 'litellm_proxy', require_approval: 'never' }],
    });
    const added: string[] = [];
    for await (const event of withMcp) if (event.type === 'response.output_item.added') added.push(event.item.type);
    expect(added).toEqual(['mcp_list_tools', 'mcp_call', 'message']);
    expect((await withMcp.finalResponse()).output_text).toContain('from the model');
    const withFunction = chat.openai.responses.stream({ model: 'chat-only', input: 'weather?', tools: [WEATHER] });
    const final = await withFunction.finalResponse();
    expect(final.output.map((item) => item.type)).toEqual(['function_call']);
  });

  it('passes the Responses API through to a deployment that serves it', async () => {
    const response = await chat.openai.responses.create({ model: 'native', input: 'hi' });
    expect(chat.upstream.requests.at(-1)?.path).toBe('/native/v1/responses');
    expect(chat.upstream.requests.at(-1)?.body).toMatchObject({ model: 'native-model', input: 'hi' });
    expect(response.id).toBe('resp_upstream');
    expect(response.output_text).toBe('native answer to "hi"');
    const stream = chat.openai.responses.stream({ model: 'native', input: 'stream' });
    let deltas = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') deltas += event.delta;
    expect(deltas).toBe('native streamed');
    expect((await stream.finalResponse()).id).toBe('resp_upstream');
  });

  it('answers mock_response without calling the model, and an unknown previous_response_id with 404', async () => {
    const sentBefore = chat.upstream.requests.length;
    const mocked = await chat.openai.responses.create({
      model: 'chat-only',
      input: 'x',
      mock_response: 'canned',
    } as Parameters<typeof chat.openai.responses.create>[0] & { mock_response: string });
    expect((mocked as { output_text: string }).output_text).toBe('canned');
    expect(chat.upstream.requests.length).toBe(sentBefore);
    const missing = await chat.openai.responses
      .create({ model: 'chat-only', input: 'x', previous_response_id: 'resp_nope' })
      .catch((caught: unknown) => caught);
    expect((missing as InstanceType<typeof OpenAI.APIError>).status).toBe(404);
  });
});

describe('the Responses API across gateways (queue mode)', () => {
  let upstream: MockUpstream;
  let processes: SpawnedProcess[] = [];
  let clients: OpenAI[] = [];

  beforeAll(async () => {
    upstream = await startMockUpstream(modelAnswer);
    const config = configFor(upstream.url);
    const env = queueEnv(inject('redisUrl'));
    const gateways = [await startQueueGateway(env, config), await startQueueGateway(env, config)];
    processes = [...gateways, await startWorker(env, config)];
    await Promise.all(gateways.map((gateway) => waitForWorkers(gateway, 1)));
    clients = gateways.map((gateway) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 }));
  });

  afterAll(async () => {
    await Promise.all(processes.map((each) => each.stop()));
    await upstream?.close();
  });

  it('continues on one gateway a conversation another stored (previous_response_id)', async () => {
    const [first, second] = clients as [OpenAI, OpenAI];
    const asked = await first.responses.create({ model: 'chat-only', input: 'weather?', tools: [WEATHER] });
    const call = asked.output.find((item) => item.type === 'function_call') as { call_id: string };
    const answered = await second.responses.create({
      model: 'chat-only',
      previous_response_id: asked.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'rain' }],
      tools: [WEATHER],
    });
    const sent = upstream.requests.at(-1)?.body as unknown as ChatBody;
    expect(sent.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    expect(answered.output_text).toBe('the tool said: rain');
  });
});
