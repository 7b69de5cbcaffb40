import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessageToolCall,
} from 'openai/resources/chat/completions';
import { parseToolArguments, toToolMessage } from '../../shared/llm/openai-tools.js';
import { AppError } from '../../shared/errors.js';
import { toolErrorResult, type CallToolResult } from '../../shared/call/tool-result.js';
import type { VirtualKey } from '../keys/key-store.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { ToolInvoker } from '../tools/tool-invoker.js';
import type { ChatToolSelection } from './mcp-tools.js';

export interface ToolLoopDeps {
  readonly invoker: ToolInvoker;
  /** Where a call's unexpected failure is logged (the model is told only "Internal error"). */
  readonly logger: Logger;
  /** Counts a call against its key's `rpm_limit`; throws an AppError saying why when it may not be made. */
  readonly admitInnerCall: (key: VirtualKey) => Promise<void>;
  /** `max_tool_rounds`: rounds of tool calls the gateway runs before it gives up. */
  readonly maxRounds: number;
}

/** What the gateway ran, as LiteLLM reports it in `provider_specific_fields`. */
interface ToolRecord {
  readonly mcp_tool_calls: ChatCompletionMessageToolCall[];
  readonly mcp_call_results: {
    readonly tool_call_id: string;
    readonly name: string;
    readonly result: CallToolResult;
  }[];
}

function withRecord(completion: ChatCompletion, record: ToolRecord): ChatCompletion {
  if (record.mcp_tool_calls.length === 0) return completion;
  const [first, ...rest] = completion.choices;
  if (!first) return completion;
  return {
    ...completion,
    choices: [
      { ...first, message: { ...first.message, provider_specific_fields: record } as typeof first.message },
      ...rest,
    ],
  };
}

/** The request a model's tool calls belong to. */
export interface LoopCall {
  readonly requestId: string;
  readonly signal: AbortSignal;
  /** The virtual key of the request, whose usage the calls count to. */
  readonly caller: VirtualKey | undefined;
}

/** Runs one MCP call a model asked for; a failure is its result, as an MCP client would see it. */
export async function callMcpTool(
  { invoker, logger, admitInnerCall }: Pick<ToolLoopDeps, 'invoker' | 'logger' | 'admitInnerCall'>,
  name: string,
  rawArgs: string | undefined,
  call: LoopCall,
): Promise<CallToolResult> {
  try {
    // Every call counts against the key's limits, as it would had the client made it.
    if (call.caller) await admitInnerCall(call.caller);
    return await invoker.invoke(name, parseToolArguments(rawArgs), {
      requestId: call.requestId,
      signal: call.signal,
      caller: call.caller,
    });
  } catch (error) {
    if (error instanceof AppError) return toolErrorResult(error.message);
    logger.error({ err: error, tool: name, requestId: call.requestId }, 'tool call in the tool loop failed');
    return toolErrorResult('Internal error');
  }
}

/**
 * The server-side tool loop: asks the model, runs the MCP tool calls it makes (in parallel, through the
 * invoker, so the queue and workers run them as any client's), appends their results as `role: tool`
 * messages and asks again, until the model answers. A round that calls anything the gateway does not run
 * (a client's function, or an MCP tool whose entry needs approval) ends the loop: the client gets that
 * completion as it is, with every tool call of the round, none of them run. Tool failures go to the
 * model as results, as an MCP client would see them.
 */
export async function runToolLoop(
  request: Record<string, unknown> & { messages: unknown[] },
  selection: ChatToolSelection,
  complete: (body: Record<string, unknown>) => Promise<ChatCompletion>,
  deps: ToolLoopDeps,
  call: LoopCall,
): Promise<ChatCompletion> {
  let messages = request.messages;
  const record: ToolRecord = { mcp_tool_calls: [], mcp_call_results: [] };
  for (let round = 0; ; round += 1) {
    const completion = await complete({ ...request, messages, tools: selection.tools });
    const message = completion.choices[0]?.message;
    const toolCalls = message?.tool_calls ?? [];
    const runsHere = (toolCall: ChatCompletionMessageToolCall) =>
      toolCall.type === 'function' && selection.mcp.get(toolCall.function.name)?.run === true;
    if (!message || toolCalls.length === 0 || !toolCalls.every(runsHere)) return withRecord(completion, record);
    if (round >= deps.maxRounds) {
      throw new AppError(
        'upstream_error',
        `The model was still calling tools after ${deps.maxRounds} rounds (max_tool_rounds); the gateway stopped the loop`,
      );
    }
    const answered = await Promise.all(
      toolCalls.map(async (toolCall) => {
        const { name, arguments: rawArgs } = (toolCall as Extract<ChatCompletionMessageToolCall, { type: 'function' }>)
          .function;
        return {
          toolCall,
          name,
          result: await callMcpTool(deps, selection.mcp.get(name)!.name, rawArgs, call),
        };
      }),
    );
    messages = [...messages, message, ...answered.map(({ toolCall, result }) => toToolMessage(toolCall, result))];
    record.mcp_tool_calls.push(...toolCalls);
    record.mcp_call_results.push(
      ...answered.map(({ toolCall, name, result }) => ({ tool_call_id: toolCall.id, name, result })),
    );
  }
}

/** A finished completion as stream chunks: its message in one delta, then the finish (and usage when asked). */
export function completionChunks(completion: ChatCompletion, includeUsage: boolean): ChatCompletionChunk[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk' as const,
    created: completion.created,
    model: completion.model,
  };
  const chunks: ChatCompletionChunk[] = completion.choices.map((choice) => {
    const { role, content, tool_calls: toolCalls, ...rest } = choice.message;
    const delta = {
      role,
      content,
      ...(toolCalls && { tool_calls: toolCalls.map((toolCall, index) => ({ index, ...toolCall })) }),
      ...rest,
    };
    return {
      ...base,
      choices: [
        {
          index: choice.index,
          delta: delta as ChatCompletionChunk.Choice.Delta,
          finish_reason: choice.finish_reason,
          logprobs: null,
        },
      ],
    };
  });
  if (includeUsage && completion.usage) chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}
