import { randomUUID } from 'node:crypto';
import type {
  ChatCompletion,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
} from 'openai/resources/chat/completions';
import { toolResultText } from '../../shared/llm/openai-tools.js';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import type { CallToolResult } from '../../shared/call/tool-result.js';
import { approvalRequestId, type ApprovedCall } from './mcp-approvals.js';
import type { ChatToolSelection } from './mcp-tools.js';

/** Responses API request keys that have a chat completions equivalent, by name there. */
const SAME_NAME = ['temperature', 'top_p', 'parallel_tool_calls', 'user', 'seed'] as const;

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((part) => (isJsonObject(part) && typeof part.text === 'string' ? part.text : '')).join('')
      : '';

/** A Responses content list as chat content: text as a string, images as `image_url` parts. */
function chatContent(content: unknown): ChatCompletionMessageParam['content'] {
  if (!Array.isArray(content) || content.every((part) => isJsonObject(part) && typeof part.text === 'string'))
    return textOf(content);
  return content.map((part: unknown) => {
    if (isJsonObject(part) && part.type === 'input_image')
      return { type: 'image_url' as const, image_url: { url: String(part.image_url ?? '') } };
    return { type: 'text' as const, text: isJsonObject(part) && typeof part.text === 'string' ? part.text : '' };
  }) as ChatCompletionMessageParam['content'];
}

/** The chat messages for a Responses `input` (a string or items). */
export function messagesOf(input: unknown): ChatCompletionMessageParam[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input))
    throw new AppError('invalid_request', "Missing required parameter: 'input' (a string or an array of items)");
  const messages: ChatCompletionMessageParam[] = [];
  input.forEach((item: unknown, index) => {
    if (!isJsonObject(item)) throw new AppError('invalid_request', `input[${index}] must be an object`);
    if (item.type === 'function_call') {
      const call = {
        id: String(item.call_id),
        type: 'function' as const,
        function: { name: String(item.name), arguments: String(item.arguments ?? '{}') },
      };
      const last = messages.at(-1);
      // Calls of one turn are one assistant message.
      if (last?.role === 'assistant' && last.tool_calls) last.tool_calls.push(call);
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (item.type === 'function_call_output') {
      messages.push({
        role: 'tool',
        tool_call_id: String(item.call_id),
        content: typeof item.output === 'string' ? item.output : JSON.stringify(item.output),
      });
    } else if (item.type === undefined || item.type === 'message') {
      const role =
        item.role === 'developer' || item.role === 'system'
          ? 'system'
          : item.role === 'assistant'
            ? 'assistant'
            : 'user';
      if (role === 'assistant') messages.push({ role, content: textOf(item.content) });
      else messages.push({ role, content: chatContent(item.content) } as ChatCompletionMessageParam);
    } else if (
      item.type !== 'mcp_list_tools' &&
      item.type !== 'mcp_call' &&
      item.type !== 'mcp_approval_request' &&
      item.type !== 'mcp_approval_response'
    ) {
      throw new AppError('invalid_request', `input[${index}].type "${String(item.type)}" is not served`);
    }
  });
  return messages;
}

/** A Responses request as a chat completions request (the model group's deployments speak chat). */
export function chatRequestOf(
  body: Record<string, unknown>,
  history: readonly ChatCompletionMessageParam[],
): Record<string, unknown> & { messages: ChatCompletionMessageParam[] } {
  const messages = [
    ...(typeof body.instructions === 'string' ? [{ role: 'system' as const, content: body.instructions }] : []),
    ...history,
    ...messagesOf(body.input),
  ];
  const request: Record<string, unknown> & { messages: ChatCompletionMessageParam[] } = { model: body.model, messages };
  for (const key of SAME_NAME) if (body[key] !== undefined) request[key] = body[key];
  if (typeof body.max_output_tokens === 'number') request.max_tokens = body.max_output_tokens;
  if (Array.isArray(body.tools)) {
    request.tools = body.tools.map((tool: unknown) =>
      isJsonObject(tool) && tool.type === 'function'
        ? {
            type: 'function',
            function: {
              name: tool.name,
              description: tool.description,
              parameters: tool.parameters,
              ...(tool.strict !== undefined && { strict: tool.strict }),
            },
          }
        : tool,
    );
  }
  const choice = body.tool_choice;
  if (choice !== undefined)
    request.tool_choice =
      isJsonObject(choice) && choice.type === 'function'
        ? { type: 'function', function: { name: choice.name } }
        : choice;
  return request;
}

type LoopRecord = {
  readonly mcp_tool_calls?: ChatCompletionMessageToolCall[];
  readonly mcp_call_results?: { tool_call_id: string; name: string; result: CallToolResult }[];
};

/**
 * A chat completion as a Responses `response`: the MCP tools listed and the calls the gateway ran
 * (`mcp_list_tools`, `mcp_call`), the calls it left to the client (`function_call`, or
 * `mcp_approval_request` for MCP tools that need approval), and the answer (`message`).
 */
export function responseOf(
  completion: ChatCompletion,
  context: {
    request: Record<string, unknown>;
    tools: ChatToolSelection | undefined;
    mcpTools: readonly { name: string; description?: string; inputSchema: unknown }[];
    label: string;
    approved: readonly ApprovedCall[];
  },
) {
  const choice = completion.choices[0];
  const message = choice?.message;
  const record = ((message as unknown as { provider_specific_fields?: LoopRecord } | undefined)
    ?.provider_specific_fields ?? {}) as LoopRecord;
  const output: Record<string, unknown>[] = [];
  if (context.tools)
    output.push({
      type: 'mcp_list_tools',
      id: `mcpl_${randomUUID()}`,
      server_label: context.label,
      tools: context.mcpTools.map((tool) => ({
        name: tool.name,
        description: tool.description ?? '',
        input_schema: tool.inputSchema,
      })),
    });
  const ranCalls = [
    ...context.approved.map(({ toolCall, name, result }) => ({ call: toolCall, name, result })),
    ...(record.mcp_tool_calls ?? []).map((call) => ({
      call,
      result: record.mcp_call_results?.find((entry) => entry.tool_call_id === call.id)?.result,
    })),
  ];
  for (const { call, result } of ranCalls) {
    if (call.type !== 'function') continue;
    output.push({
      type: 'mcp_call',
      id: `mcp_${call.id}`,
      server_label: context.label,
      name: call.function.name,
      arguments: call.function.arguments,
      output: result ? toolResultText(result) : null,
      error: result?.isError ? toolResultText(result) : null,
    });
  }
  for (const call of message?.tool_calls ?? []) {
    if (call.type !== 'function') continue;
    const mcp = context.tools?.mcp.get(call.function.name);
    if (mcp)
      output.push({
        type: 'mcp_approval_request',
        id: approvalRequestId(call.id),
        server_label: context.label,
        name: call.function.name,
        arguments: call.function.arguments,
      });
    else
      output.push({
        type: 'function_call',
        id: `fc_${call.id}`,
        call_id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
        status: 'completed',
      });
  }
  if (typeof message?.content === 'string' && message.content !== '') {
    output.push({
      type: 'message',
      id: `msg_${randomUUID()}`,
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: message.content, annotations: [] }],
    });
  }
  const usage = completion.usage;
  return {
    id: `resp_${randomUUID().replace(/-/g, '')}`,
    object: 'response' as const,
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed' as const,
    model: String(context.request.model),
    output,
    instructions: context.request.instructions ?? null,
    previous_response_id: context.request.previous_response_id ?? null,
    tools: context.request.tools ?? [],
    tool_choice: context.request.tool_choice ?? 'auto',
    parallel_tool_calls: context.request.parallel_tool_calls ?? true,
    temperature: context.request.temperature ?? null,
    top_p: context.request.top_p ?? null,
    max_output_tokens: context.request.max_output_tokens ?? null,
    text: { format: { type: 'text' } },
    truncation: 'disabled',
    metadata: context.request.metadata ?? {},
    error: null,
    incomplete_details: null,
    usage: {
      input_tokens: usage?.prompt_tokens ?? 0,
      output_tokens: usage?.completion_tokens ?? 0,
      total_tokens: usage?.total_tokens ?? 0,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

export type ResponseBody = ReturnType<typeof responseOf>;

/**
 * The Responses event stream for a finished response: created and in progress, each output item added
 * and done (a message's text as one delta), then completed; numbered in order.
 */
export function responseEvents(response: ResponseBody): { type: string; [key: string]: unknown }[] {
  const events: { type: string; [key: string]: unknown }[] = [];
  const emit = (type: string, fields: Record<string, unknown>) =>
    events.push({ type, sequence_number: events.length, ...fields });
  const pending = { ...response, status: 'in_progress', output: [], usage: null };
  emit('response.created', { response: pending });
  emit('response.in_progress', { response: pending });
  response.output.forEach((item, outputIndex) => {
    if (item.type !== 'message') {
      emit('response.output_item.added', { output_index: outputIndex, item });
      emit('response.output_item.done', { output_index: outputIndex, item });
      return;
    }
    const text = (item.content as { text: string }[])[0]?.text ?? '';
    const part = { type: 'output_text', text: '', annotations: [] };
    emit('response.output_item.added', {
      output_index: outputIndex,
      item: { ...item, status: 'in_progress', content: [] },
    });
    emit('response.content_part.added', { item_id: item.id, output_index: outputIndex, content_index: 0, part });
    emit('response.output_text.delta', {
      item_id: item.id,
      output_index: outputIndex,
      content_index: 0,
      delta: text,
      logprobs: [],
    });
    emit('response.output_text.done', {
      item_id: item.id,
      output_index: outputIndex,
      content_index: 0,
      text,
      logprobs: [],
    });
    emit('response.content_part.done', {
      item_id: item.id,
      output_index: outputIndex,
      content_index: 0,
      part: { ...part, text },
    });
    emit('response.output_item.done', { output_index: outputIndex, item });
  });
  emit('response.completed', { response });
  return events;
}
