import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';

type RequestOptions = { signal?: AbortSignal; timeout?: number };

/** Every item of a paged MCP list, following `nextCursor`; a server that repeats a cursor is not followed round. */
async function listAllPages<Item>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: Item[]; nextCursor?: string }>,
): Promise<Item[]> {
  const items: Item[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (cursor !== undefined && seen.has(cursor)) break;
    if (cursor !== undefined) seen.add(cursor);
  } while (cursor !== undefined);
  return items;
}

const cursorParams = (cursor: string | undefined) => (cursor === undefined ? undefined : { cursor });

/** Every tool a server offers. */
export function listAllTools(client: Client, options: RequestOptions = {}): Promise<Tool[]> {
  return listAllPages(async (cursor) => {
    const page = await client.listTools(cursorParams(cursor), options);
    return { items: page.tools, nextCursor: page.nextCursor };
  });
}

/** Every resource a server lists. */
export function listAllResources(client: Client, options: RequestOptions = {}): Promise<Resource[]> {
  return listAllPages(async (cursor) => {
    const page = await client.listResources(cursorParams(cursor), options);
    return { items: page.resources, nextCursor: page.nextCursor };
  });
}

/** Every resource template a server lists. */
export function listAllResourceTemplates(client: Client, options: RequestOptions = {}): Promise<ResourceTemplate[]> {
  return listAllPages(async (cursor) => {
    const page = await client.listResourceTemplates(cursorParams(cursor), options);
    return { items: page.resourceTemplates, nextCursor: page.nextCursor };
  });
}

/** Every prompt a server offers. */
export function listAllPrompts(client: Client, options: RequestOptions = {}): Promise<Prompt[]> {
  return listAllPages(async (cursor) => {
    const page = await client.listPrompts(cursorParams(cursor), options);
    return { items: page.prompts, nextCursor: page.nextCursor };
  });
}
