import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { describe, expect, inject, it } from 'vitest';
import { useChatGateway } from '../helpers/chat-gateway.js';
import { ECHO_TOOL } from '../helpers/fixture-tools.js';
import { writeTempConfig } from '../helpers/gateway-process.js';
import { completionBody } from '../helpers/mock-upstream.js';

// The server-side MCP tool loop in /v1/chat/completions: the real openai client, a local mock model that
// records what it receives, and the gateway's own tools (run in-process, or by a worker in queue mode).
const MCP_TOOLS = [
  { type: 'mcp', server_url: 'litellm_proxy', require_approval: 'never' },
] as unknown as ChatCompletionCreateParams['tools'];
const CLIENT_TOOL = {
  type: 'function' as const,
  function: {
    name: 'client_lookup',
    description: 'The client runs this',
    parameters: { type: 'object', properties: {} },
  },
};

/** The mock model: asks for `echo` until it sees a tool result, then answers with what the tool said. */
function modelAnswer(path: string, body: Record<string, unknown>) {
  const messages = body.messages as { role: string; content?: string }[];
  const last = messages.at(-1);
  const call = (name: string, args: Record<string, unknown>) =>
    completionBody('', String(body.model), {
      content: null,
      tool_calls: [
        { id: `call_${messages.length}`, type: 'function', function: { name, arguments: JSON.stringify(args) } },
      ],
    });
  if (path.startsWith('/looping/')) return { status: 200, json: call('echo', { text: 'again' }) };
  if (path.startsWith('/client/')) return { status: 200, json: call('client_lookup', {}) };
  if (last?.role === 'tool')
    return { status: 200, json: completionBody(`the tool said: ${last.content}`, String(body.model)) };
  return { status: 200, json: call('echo', { text: 'hello from the model' }) };
}

const config = (upstreamUrl: string) =>
  writeTempConfig(`
model_list:
  - model_name: tool-user
    litellm_params: { model: openai/m, api_base: ${upstreamUrl}/normal/v1, api_key: sk-x }
  - model_name: looping
    litellm_params: { model: openai/m, api_base: ${upstreamUrl}/looping/v1, api_key: sk-x }
  - model_name: client-caller
    litellm_params: { model: openai/m, api_base: ${upstreamUrl}/client/v1, api_key: sk-x }
mcp_tools:
${ECHO_TOOL}
toolgate_settings:
  max_tool_rounds: 3
`);

describe.each([
  ['embedded', false],
  ['queue mode', true],
])('the chat tool loop, %s', (_mode, queued) => {
  const chat = useChatGateway(modelAnswer, config, queued ? inject('redisUrl') : undefined);

  const sentSince = (from: number) => chat.upstream.requests.slice(from).map((request) => request.body);

  it('offers the MCP tools as functions, runs the call, and returns the answer with the record of calls', async () => {
    const from = chat.upstream.requests.length;
    const completion = await chat.openai.chat.completions.create({
      model: 'tool-user',
      messages: [{ role: 'user', content: 'use a tool' }],
      tools: MCP_TOOLS,
    });
    expect(completion.choices[0]?.message.content).toContain('the tool said:');
    expect(completion.choices[0]?.message.content).toContain('hello from the model');
    const [first, second] = sentSince(from) as {
      tools: { type: string; function: { name: string } }[];
      messages: { role: string; content?: string; tool_call_id?: string }[];
    }[];
    expect(first?.tools).toEqual([
      expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'echo' }) }),
    ]);
    expect(second?.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
    const record = (
      completion.choices[0]?.message as unknown as {
        provider_specific_fields: { mcp_tool_calls: unknown[]; mcp_call_results: { name: string }[] };
      }
    ).provider_specific_fields;
    expect(record.mcp_tool_calls).toHaveLength(1);
    expect(record.mcp_call_results).toEqual([expect.objectContaining({ tool_call_id: 'call_1', name: 'echo' })]);
  });

  it('streams the final answer after the tool rounds, with the record in the last chunk', async () => {
    const stream = await chat.openai.chat.completions.create({
      model: 'tool-user',
      messages: [{ role: 'user', content: 'use a tool' }],
      tools: MCP_TOOLS,
      stream: true,
    });
    let text = '';
    let record: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      record ??= (chunk.choices[0]?.delta as { provider_specific_fields?: unknown } | undefined)
        ?.provider_specific_fields;
    }
    expect(text).toContain('the tool said:');
    expect(record).toMatchObject({ mcp_call_results: [expect.objectContaining({ name: 'echo' })] });
  });

  it('stops a model that keeps calling tools at max_tool_rounds with a clear error', async () => {
    const from = chat.upstream.requests.length;
    const error = await chat.openai.chat.completions
      .create({ model: 'looping', messages: [{ role: 'user', content: 'loop' }], tools: MCP_TOOLS })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toMatch(
      /still calling tools after 3 rounds \(max_tool_rounds\)/,
    );
    // Three rounds run, and the fourth answer (still a tool call) ends it.
    expect(sentSince(from)).toHaveLength(4);
  });

  it('returns a call of the client’s own function to the client, running nothing', async () => {
    const from = chat.upstream.requests.length;
    const completion: ChatCompletion = await chat.openai.chat.completions.create({
      model: 'client-caller',
      messages: [{ role: 'user', content: 'x' }],
      tools: [...(MCP_TOOLS ?? []), CLIENT_TOOL],
    });
    const calls = completion.choices[0]?.message.tool_calls ?? [];
    expect(calls.map((call) => (call.type === 'function' ? call.function.name : call.type))).toEqual(['client_lookup']);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    // One request upstream: nothing ran, no second round.
    expect(sentSince(from)).toHaveLength(1);
    expect(
      (sentSince(from)[0] as { tools: { function: { name: string } }[] }).tools.map((tool) => tool.function.name),
    ).toEqual(['client_lookup', 'echo']);
  });

  it('returns MCP calls unrun when the entry asks for approval', async () => {
    const from = chat.upstream.requests.length;
    const tools = [{ type: 'mcp', server_url: 'litellm_proxy' }] as unknown as ChatCompletionCreateParams['tools'];
    const completion = await chat.openai.chat.completions.create({
      model: 'tool-user',
      messages: [{ role: 'user', content: 'x' }],
      tools,
    });
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: 'echo' } });
    expect(sentSince(from)).toHaveLength(1);
  });

  it('answers an unknown MCP server_url with a 400', async () => {
    const tools = [
      { type: 'mcp', server_url: 'https://elsewhere.example/mcp' },
    ] as unknown as ChatCompletionCreateParams['tools'];
    const error = await chat.openai.chat.completions
      .create({ model: 'tool-user', messages: [{ role: 'user', content: 'x' }], tools })
      .catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
  });
});
