/**
 * The SDK tab of LiteLLM's MCP docs, in TypeScript: connect to an MCP server over stdio, list its tools in
 * OpenAI format, hand them to a model, run the tool calls, print the answer.
 *
 *   npm run example:sdk                       # a local stand-in model, no API key needed
 *   OPENAI_API_KEY=sk-… npm run example:sdk   # the real gpt-4o
 */
import { completion, createMcpClient, stdioTransport, type McpClient } from '../src/index.ts';
import { startMockModel } from './mock-model.ts';

const useRealModel = Boolean(process.env.OPENAI_API_KEY);
const mockModel = useRealModel ? undefined : await startMockModel();
let client: McpClient | undefined;

try {
  // Any stdio MCP server works here; this one is the MCP reference server.
  client = await createMcpClient({
    transport: stdioTransport({ command: 'npx', args: ['--no-install', 'mcp-server-everything', 'stdio'] }),
  });
  const tools = await client.listTools({ format: 'openai' });
  const messages: Parameters<typeof completion>[0]['messages'] = [
    { role: 'user', content: 'What is 60 + 35? Use a tool.' },
  ];

  const response = await completion({ model: 'gpt-4o', tools, messages, apiBase: mockModel?.apiBase });
  const assistant = response.choices[0]!.message;
  messages.push(assistant);
  for (const call of assistant.tool_calls ?? []) {
    if (call.type !== 'function') continue;
    const result = await client.callOpenAITool(call);
    messages.push(client.toToolMessage(call, result));
  }
  const final = assistant.tool_calls?.length
    ? await completion({ model: 'gpt-4o', tools, messages, apiBase: mockModel?.apiBase })
    : response;
  console.log(final.text);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await client?.close();
  await mockModel?.close();
}
