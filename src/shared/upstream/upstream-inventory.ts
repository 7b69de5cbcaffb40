import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import { listAllPrompts, listAllResources, listAllResourceTemplates, listAllTools } from '../mcp/list-tools.js';

/** What an upstream server offers, under its own names. */
export interface UpstreamInventory {
  readonly tools: readonly Tool[];
  readonly resources: readonly Resource[];
  readonly resourceTemplates: readonly ResourceTemplate[];
  readonly prompts: readonly Prompt[];
  /** It declares the `completions` capability. */
  readonly completions: boolean;
}

/** Lists what a server offers, asking only for what its capabilities declare. */
export async function inventoryOf(client: Client, timeout: number): Promise<UpstreamInventory> {
  const capabilities = client.getServerCapabilities() ?? {};
  const options = { timeout };
  const [tools, resources, resourceTemplates, prompts] = await Promise.all([
    capabilities.tools ? listAllTools(client, options) : [],
    capabilities.resources ? listAllResources(client, options) : [],
    capabilities.resources ? listAllResourceTemplates(client, options) : [],
    capabilities.prompts ? listAllPrompts(client, options) : [],
  ]);
  return { tools, resources, resourceTemplates, prompts, completions: capabilities.completions !== undefined };
}
