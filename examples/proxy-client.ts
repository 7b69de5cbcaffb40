/**
 * The proxy tab of LiteLLM's MCP docs, in TypeScript: list a gateway's MCP tools, then chat through the
 * same gateway with the OpenAI SDK, tools attached.
 *
 *   npm start                      # in another shell: the gateway with the example config
 *   npm run example:proxy          # TOOLGATE_URL (default http://127.0.0.1:4000), TOOLGATE_MASTER_KEY, MODEL (default demo)
 */
import OpenAI from 'openai';
import { createMcpClient, httpTransport, type McpClient } from '../src/index.ts';

const gatewayUrl = process.env.TOOLGATE_URL ?? 'http://127.0.0.1:4000';
const apiKey = process.env.TOOLGATE_MASTER_KEY ?? 'sk-1234';
let client: McpClient | undefined;

try {
  client = await createMcpClient({
    transport: httpTransport(`${gatewayUrl}/mcp`, { headers: { authorization: `Bearer ${apiKey}` } }),
  });
  const tools = await client.listTools({ format: 'openai' });
  console.log(`tools: ${tools.map((tool) => tool.function.name).join(', ')}`);

  const openai = new OpenAI({ apiKey, baseURL: gatewayUrl });
  const response = await openai.chat.completions.create({
    model: process.env.MODEL ?? 'demo',
    tools,
    messages: [{ role: 'user', content: 'What time is it?' }],
  });
  console.log(response.choices[0]?.message.content);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await client?.close();
}
