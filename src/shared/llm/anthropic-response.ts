/**
 * Translation of Anthropic's Messages API answers into OpenAI's chat completion shapes (pure): whole
 * messages and stream events, with tool calls, finish reasons and usage.
 */
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';

const FINISH_REASONS: Record<string, ChatCompletion.Choice['finish_reason']> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

function finishReason(stop: string | null | undefined): ChatCompletion.Choice['finish_reason'] {
  return FINISH_REASONS[stop ?? ''] ?? 'stop';
}

function usageOf(usage: {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}) {
  const prompt = usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
  return { prompt_tokens: prompt, completion_tokens: usage.output_tokens, total_tokens: prompt + usage.output_tokens };
}

/** An Anthropic message as an OpenAI chat completion. */
export function fromAnthropicMessage(message: Message): ChatCompletion {
  const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  const toolCalls = message.content.flatMap((block) =>
    block.type === 'tool_use'
      ? [
          {
            id: block.id,
            type: 'function' as const,
            function: { name: block.name, arguments: JSON.stringify(block.input) },
          },
        ]
      : [],
  );
  return {
    id: message.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          refusal: null,
          ...(toolCalls.length > 0 && { tool_calls: toolCalls }),
        },
        finish_reason: finishReason(message.stop_reason),
        logprobs: null,
      },
    ],
    usage: usageOf(message.usage),
  };
}

/**
 * Turns Anthropic stream events into OpenAI chunks, one call per event; `includeUsage` adds the final
 * usage chunk that `stream_options.include_usage` asks for.
 */
export function createChunkTranslator(includeUsage: boolean): (event: RawMessageStreamEvent) => ChatCompletionChunk[] {
  let id = '';
  let model = '';
  const created = Math.floor(Date.now() / 1000);
  let inputUsage = { input_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  // Anthropic numbers content blocks; OpenAI numbers tool calls.
  const toolIndexOfBlock = new Map<number, number>();
  const chunk = (
    delta: ChatCompletionChunk.Choice.Delta,
    finish: ChatCompletionChunk.Choice['finish_reason'] = null,
  ): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });

  return (event) => {
    switch (event.type) {
      case 'message_start':
        id = event.message.id;
        model = event.message.model;
        inputUsage = {
          input_tokens: event.message.usage.input_tokens,
          cache_read_input_tokens: event.message.usage.cache_read_input_tokens ?? 0,
          cache_creation_input_tokens: event.message.usage.cache_creation_input_tokens ?? 0,
        };
        return [chunk({ role: 'assistant', content: '' })];
      case 'content_block_start': {
        if (event.content_block.type === 'text' && event.content_block.text !== '')
          return [chunk({ content: event.content_block.text })];
        if (event.content_block.type !== 'tool_use') return [];
        const index = toolIndexOfBlock.size;
        toolIndexOfBlock.set(event.index, index);
        return [
          chunk({
            tool_calls: [
              {
                index,
                id: event.content_block.id,
                type: 'function',
                function: { name: event.content_block.name, arguments: '' },
              },
            ],
          }),
        ];
      }
      case 'content_block_delta':
        if (event.delta.type === 'text_delta') return [chunk({ content: event.delta.text })];
        if (event.delta.type === 'input_json_delta') {
          const index = toolIndexOfBlock.get(event.index) ?? 0;
          return [chunk({ tool_calls: [{ index, function: { arguments: event.delta.partial_json } }] })];
        }
        return [];
      case 'message_delta': {
        const finished = chunk({}, finishReason(event.delta.stop_reason));
        if (!includeUsage) return [finished];
        const usage = usageOf({ ...inputUsage, output_tokens: event.usage.output_tokens });
        return [finished, { ...chunk({}), choices: [], usage }];
      }
      default:
        return [];
    }
  };
}
