import { Agent, hostedMcpTool, run, setDefaultOpenAIClient, setTracingDisabled } from '@openai/agents';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, writeTempConfig, type SpawnedGateway } from '../helpers/gateway-process.js';
import { completionBody, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { ECHO_TOOL } from '../helpers/fixture-tools.js';

// The OpenAI Agents SDK, its default Responses model pointed at toolgate, runs an agent whose tool is a
// toolgate MCP tool: the gateway translates the Responses requests onto the mock model's chat
// completions and runs the tool in its loop.
let upstream: MockUpstream;
let gateway: SpawnedGateway;

beforeAll(async () => {
  upstream = await startMockUpstream((_path, body) => {
    const messages = body.messages as { role: string; content?: string }[];
    const last = messages.at(-1);
    if (last?.role === 'tool')
      return { status: 200, json: completionBody(`The echo tool answered: ${last.content}`, String(body.model)) };
    return {
      status: 200,
      json: completionBody('', String(body.model), {
        content: null,
        tool_calls: [
          { id: 'call_agent', type: 'function', function: { name: 'echo', arguments: '{"text":"from the agent"}' } },
        ],
      }),
    };
  });
  const config = writeTempConfig(`
model_list:
  - model_name: agent-model
    litellm_params: { model: openai/m, api_base: ${upstream.url}/v1, api_key: sk-x }
mcp_tools:
${ECHO_TOOL}
`);
  gateway = await startGateway({ config });
  setTracingDisabled(true);
  // The Agents SDK brings its own copy of the openai package; the client is the same at run time.
  setDefaultOpenAIClient(
    new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 }) as unknown as Parameters<
      typeof setDefaultOpenAIClient
    >[0],
  );
});

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
});

it('runs an agent that uses a toolgate MCP tool, end to end', async () => {
  const agent = new Agent({
    name: 'echoer',
    model: 'agent-model',
    instructions: 'Use the echo tool.',
    tools: [hostedMcpTool({ serverLabel: 'toolgate', serverUrl: 'litellm_proxy', requireApproval: 'never' })],
  });
  const result = await run(agent, 'Echo something.');
  expect(result.finalOutput).toContain('The echo tool answered:');
  expect(result.finalOutput).toContain('from the agent');
  // The model saw the MCP tool as a function, and the tool's result in the next round.
  const [first, second] = upstream.requests.map(
    (request) => request.body as { tools?: { function: { name: string } }[]; messages: { role: string }[] },
  );
  expect(first?.tools?.map((tool) => tool.function.name)).toEqual(['echo']);
  expect(second?.messages.at(-1)?.role).toBe('tool');
});
