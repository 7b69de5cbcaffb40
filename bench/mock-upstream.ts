/**
 * A minimal OpenAI-compatible upstream for the chat figures: answers at once, JSON or a 5-chunk stream.
 * Offered the `noop` tool (the tool-loop rows), it calls it first, then answers once it has the result.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-model',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'benchmark answer' }, finish_reason: 'stop', logprobs: null },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const TOOL_CALL = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-model',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_bench', type: 'function', function: { name: 'noop', arguments: '{"text":"ok"}' } }],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});
const STREAM = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'bench' }),
  chunk({ content: 'mark ' }),
  chunk({ content: 'answer' }),
  chunk({}, 'stop'),
  'data: [DONE]\n\n',
];

const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (data: Buffer) => (raw += data.toString()));
  req.on('end', () => {
    const body = JSON.parse(raw) as {
      stream?: boolean;
      tools?: { function?: { name?: string } }[];
      messages?: { role?: string }[];
    };
    const callsTool =
      body.tools?.some((tool) => tool.function?.name === 'noop') === true && body.messages?.at(-1)?.role !== 'tool';
    if (callsTool) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(TOOL_CALL);
    } else if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of STREAM) res.write(event);
      res.end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(COMPLETION);
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
