import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.js';
import { toAnthropicRequest } from '../../src/shared/llm/anthropic-request.js';
import { createChunkTranslator, fromAnthropicMessage } from '../../src/shared/llm/anthropic-response.js';

describe('toAnthropicRequest', () => {
  it('moves system messages out, merges tool results into one user turn and maps the knobs', () => {
    const params = toAnthropicRequest(
      {
        model: 'claude-x',
        max_tokens: 100,
        temperature: 0.2,
        stop: 'END',
        user: 'u-1',
        tool_choice: 'required',
        parallel_tool_calls: false,
        messages: [
          { role: 'system', content: 'rules' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'look' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
              { id: 't2', type: 'function', function: { name: 'g', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 't1', content: 'one' },
          { role: 'tool', tool_call_id: 't2', content: [{ type: 'text', text: 'two' }] },
        ],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      },
      false,
    );
    expect(params).toEqual({
      model: 'claude-x',
      max_tokens: 100,
      system: 'rules',
      temperature: 0.2,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } },
            { type: 'tool_use', id: 't2', name: 'g', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: 'one' },
            { type: 'tool_result', tool_use_id: 't2', content: 'two' },
          ],
        },
      ],
    });
  });

  it('refuses parameters Anthropic lacks, naming them, unless drop_params', () => {
    const request = { model: 'claude-x', messages: [{ role: 'user', content: 'hi' }], logprobs: true, seed: 3 };
    expect(() => toAnthropicRequest(request, false)).toThrow(
      new AppError(
        'invalid_request',
        'anthropic does not support logprobs, seed; remove them, or set litellm_settings.drop_params: true to drop them',
      ),
    );
    expect(toAnthropicRequest(request, true)).toEqual({
      model: 'claude-x',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
  });
});

describe('fromAnthropicMessage and createChunkTranslator', () => {
  it('turns a message with text and a tool call into a chat completion', () => {
    const completion = fromAnthropicMessage({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'text', text: 'checking', citations: null },
        { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 10,
        output_tokens: 4,
        cache_read_input_tokens: 2,
        cache_creation_input_tokens: null,
        server_tool_use: null,
        service_tier: null,
      },
    } as unknown as Parameters<typeof fromAnthropicMessage>[0]);
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'checking',
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      },
    });
    expect(completion.usage).toEqual({ prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 });
  });

  it('numbers tool calls apart from content blocks and ends with usage when asked', () => {
    const translate = createChunkTranslator(true);
    const events = [
      { type: 'message_start', message: { id: 'm', model: 'claude-x', usage: { input_tokens: 5, output_tokens: 0 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{}' } },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 3 } },
    ] as unknown as RawMessageStreamEvent[];
    const chunks = events.flatMap(translate);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta ?? null)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'hi' },
      { tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'f', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{}' } }] },
      {},
      null,
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('length');
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });
});
