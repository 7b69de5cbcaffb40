/**
 * A self-describing plugin: the tools are declared here, so dropping this file into plugins/ is enough;
 * config/config.yaml does not name them.
 */
import { defineTool } from '../src/shared/plugins/plugin-contract.ts';

export const tools = [
  defineTool<{ text: string }>({
    name: 'count_words',
    description: 'Count the words, lines and characters in a text',
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string', description: 'The text to count' } },
      required: ['text'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, idempotentHint: true },
    handler: ({ text }) => ({
      words: text.split(/\s+/).filter(Boolean).length,
      lines: text === '' ? 0 : text.split(/\r?\n/).length,
      characters: [...text].length,
    }),
  }),
  defineTool<{ text: string }>({
    name: 'slugify',
    description: 'Turn a title into a URL slug (lowercase ASCII words joined by hyphens)',
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, idempotentHint: true },
    handler: ({ text }) =>
      text
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, ''),
  }),
];
