import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isJsonObject } from '../json-object.js';

export type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A tool execution error the model can read: `isError: true` with one text block. */
export function toolErrorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function hasContentArray(value: unknown): value is { content: unknown[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { content?: unknown }).content);
}

/**
 * Maps a handler's return value to a `CallToolResult`: a string becomes one text block; an object with a
 * `content` array is taken as a `CallToolResult`; any other JSON value becomes a text block with its JSON
 * and, for plain objects, `structuredContent`.
 */
export function toCallToolResult(value: unknown): CallToolResult {
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  if (value === undefined) return { content: [] };
  if (hasContentArray(value)) {
    const parsed = CallToolResultSchema.safeParse(value);
    if (!parsed.success) {
      return toolErrorResult(
        `tool returned an invalid CallToolResult: ${parsed.error.issues[0]?.message ?? 'unknown problem'}`,
      );
    }
    return parsed.data;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    return toolErrorResult(`tool returned a value that is not JSON: ${(error as Error).message}`);
  }
  if (text === undefined) return toolErrorResult(`tool returned a value that is not JSON (${typeof value})`);
  // What the JSON holds decides (a Date serialises to a string): structuredContent must be an object.
  const parsed: unknown = JSON.parse(text);
  return isJsonObject(parsed)
    ? { content: [{ type: 'text', text }], structuredContent: parsed }
    : { content: [{ type: 'text', text }] };
}

/** Refuses results over `maxBytes` of JSON, so one tool cannot flood a client or Redis. */
export function limitResultSize(result: CallToolResult, maxBytes: number): CallToolResult {
  const size = Buffer.byteLength(JSON.stringify(result));
  return size > maxBytes ? toolErrorResult(`result too large: ${size} bytes, limit ${maxBytes}`) : result;
}
