/**
 * A stand-in for an OpenAI model, so the examples run without an API key: it asks for the first tool
 * it is offered that it knows how to use, then answers with what the tool returned.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

interface ChatBody {
  model: string;
  messages: { role: string; content?: string | null }[];
  tools?: { function: { name: string } }[];
}

function reply(body: ChatBody): Record<string, unknown> {
  const toolResult = body.messages.findLast((message) => message.role === 'tool');
  const wantsSum = body.tools?.some((tool) => tool.function.name === 'get-sum');
  const message =
    toolResult || !wantsSum
      ? {
          role: 'assistant',
          content: toolResult ? `The tool answered: ${toolResult.content}` : 'I have no tool for that.',
        }
      : {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get-sum', arguments: '{"a": 60, "b": 35}' } },
          ],
        };
  return {
    id: 'chatcmpl-example',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [{ index: 0, message, finish_reason: 'tool_calls' in message ? 'tool_calls' : 'stop', logprobs: null }],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

/** Starts the stand-in on a free loopback port; returns its `/v1` base URL and a way to stop it. */
export async function startMockModel(): Promise<{ apiBase: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply(JSON.parse(raw) as ChatBody)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
