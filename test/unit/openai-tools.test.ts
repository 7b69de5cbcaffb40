import { describe, expect, it } from 'vitest';
import { parseToolArguments, toOpenAITools, toToolMessage } from '../../src/shared/llm/openai-tools.js';

describe('toOpenAITools', () => {
  it('converts MCP tools to OpenAI function tools, schema kept and completed', () => {
    const { tools } = toOpenAITools([
      {
        name: 'get_weather',
        description: 'Weather for a city',
        inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
      { name: 'no_props', inputSchema: { type: 'object' } },
    ]);
    expect(tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          strict: false,
        },
      },
      {
        type: 'function',
        function: { name: 'no_props', description: '', parameters: { type: 'object', properties: {} }, strict: false },
      },
    ]);
  });

  it('turns a missing or empty schema into an object that takes nothing', () => {
    const { tools } = toOpenAITools([{ name: 'empty', inputSchema: {} as { type: 'object' } }]);
    expect(tools[0]?.function.parameters).toEqual({ type: 'object', properties: {}, additionalProperties: false });
  });

  it('renames tools OpenAI would reject to valid unique names, and maps them back', () => {
    const long = `a.${'x'.repeat(126)}`;
    const { tools, mcpNameOf } = toOpenAITools([
      { name: 'files.read', inputSchema: { type: 'object' } },
      { name: 'files_read', inputSchema: { type: 'object' } },
      { name: long, inputSchema: { type: 'object' } },
    ]);
    const names = tools.map((tool) => tool.function.name);
    expect(names).toEqual(['files_read', 'files_read_2', expect.stringMatching(/^a_x+$/)]);
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(new Set(names).size).toBe(3);
    expect(mcpNameOf.get('files_read')).toBe('files.read');
    expect(mcpNameOf.get('files_read_2')).toBe('files_read');
    expect(mcpNameOf.get(names[2]!)).toBe(long);
  });
});

describe('tool calls', () => {
  it('parses arguments tolerantly', () => {
    expect(parseToolArguments('{"city":"Paris"}')).toEqual({ city: 'Paris' });
    expect(parseToolArguments('{not json')).toEqual({});
    expect(parseToolArguments('[1,2]')).toEqual({});
    expect(parseToolArguments(undefined)).toEqual({});
  });

  it('builds the tool message: text joined by newlines, other blocks as JSON', () => {
    const message = toToolMessage(
      { id: 'call_1' },
      {
        content: [
          { type: 'text', text: 'line one' },
          { type: 'image', data: 'aGk=', mimeType: 'image/png' },
          { type: 'text', text: 'line two' },
        ],
      },
    );
    expect(message).toEqual({
      role: 'tool',
      tool_call_id: 'call_1',
      content: 'line one\n{"type":"image","data":"aGk=","mimeType":"image/png"}\nline two',
    });
  });
});
