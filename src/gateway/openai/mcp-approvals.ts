import type { ChatCompletionMessageParam, ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import { toToolMessage } from '../../shared/llm/openai-tools.js';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import { toolErrorResult, type CallToolResult } from '../../shared/call/tool-result.js';
import type { ChatToolSelection } from './mcp-tools.js';
import { callMcpTool, type LoopCall, type ToolLoopDeps } from './tool-loop.js';

/** The id a Responses `mcp_approval_request` item has for a tool call the gateway did not run. */
export const approvalRequestId = (toolCallId: string) => `mcpr_${toolCallId}`;

/** A call the client approved (and the gateway ran) or denied, answered in the conversation. */
export interface ApprovedCall {
  readonly toolCall: ChatCompletionMessageToolCall;
  readonly name: string;
  readonly result: CallToolResult;
}

/**
 * Answers the `mcp_approval_response` items of a Responses input: each names a call the previous response
 * asked approval for; an approved one is run (through the invoker, as the loop's calls are), a denied one is
 * answered as denied, and either way the model sees a tool message for it. Returns the messages to append
 * and the calls that ran.
 */
export async function answerApprovals(
  input: unknown,
  history: readonly ChatCompletionMessageParam[],
  tools: ChatToolSelection | undefined,
  loop: ToolLoopDeps,
  call: LoopCall,
): Promise<{ messages: ChatCompletionMessageParam[]; ran: ApprovedCall[] }> {
  const responses = Array.isArray(input)
    ? input.filter(
        (item): item is Record<string, unknown> => isJsonObject(item) && item.type === 'mcp_approval_response',
      )
    : [];
  if (responses.length === 0) return { messages: [], ran: [] };
  const asked = history.flatMap((message) => (message.role === 'assistant' ? (message.tool_calls ?? []) : []));
  const messages: ChatCompletionMessageParam[] = [];
  const ran: ApprovedCall[] = [];
  for (const response of responses) {
    const toolCall = asked.find((call) => approvalRequestId(call.id) === response.approval_request_id);
    if (!toolCall || toolCall.type !== 'function')
      throw new AppError(
        'invalid_request',
        `mcp_approval_response: no approval request ${String(response.approval_request_id)} in the previous response`,
      );
    const mcp = tools?.mcp.get(toolCall.function.name);
    if (!mcp)
      throw new AppError(
        'invalid_request',
        `mcp_approval_response: ${toolCall.function.name} is not among this request's MCP tools`,
      );
    let result: CallToolResult;
    if (response.approve !== true) result = toolErrorResult('The user denied this tool call.');
    else {
      result = await callMcpTool(loop, mcp.name, toolCall.function.arguments, call);
      ran.push({ toolCall, name: toolCall.function.name, result });
    }
    messages.push(toToolMessage(toolCall, result));
  }
  return { messages, ran };
}
