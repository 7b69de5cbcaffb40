import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { Prompt, Resource, ResourceTemplate } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamServerConfig } from '../../shared/config/mcp-servers.js';
import type { UpstreamInventory } from '../../shared/upstream/upstream-inventory.js';
import { gatewayToolName } from '../../shared/upstream/upstream-tools.js';
import type { ToolView } from './tool-view.js';

/** What the servers offer beside tools, taken together: the capabilities a session declares. */
export interface FeatureCapabilities {
  readonly resources: boolean;
  readonly prompts: boolean;
  readonly completions: boolean;
}

/** A prompt as the catalog holds it: the gateway's name and the server's own. */
interface ServedPrompt {
  readonly server: string;
  readonly name: string;
  readonly prompt: Prompt;
}

interface ServerFeatures {
  readonly prompts: readonly ServedPrompt[];
  readonly resources: readonly Resource[];
  readonly templates: readonly { readonly template: ResourceTemplate; readonly matcher: UriTemplate }[];
  readonly completions: boolean;
}

export type FeatureKind = 'resources' | 'prompts';

/** What a completion's `ref` names, once resolved: the server, and the ref in its own names. */
export type CompletionRef =
  { readonly type: 'ref/prompt'; readonly name: string } | { readonly type: 'ref/resource'; readonly uri: string };

/**
 * The upstream servers' prompts, resources and resource templates, from their listings, and which server
 * each request about them goes to. Prompts are named as tools are (`{alias}-{prompt}`, or the server's own
 * name without a prefix); resource URIs are the servers' own, so a URI two servers list belongs to the
 * first in `mcp_servers` order.
 */
export interface UpstreamFeatures {
  /** Takes a server's latest listing (undefined: it could not be listed, and offers nothing now). */
  set(server: string, inventory: UpstreamInventory | undefined): void;
  /** What a session opening now declares. */
  capabilities(): FeatureCapabilities;
  prompts(view: ToolView): Prompt[];
  resources(view: ToolView): Resource[];
  resourceTemplates(view: ToolView): ResourceTemplate[];
  /** The server and its own name for a prompt the client named; undefined when the view has no such prompt. */
  resolvePrompt(view: ToolView, name: string): { server: string; name: string } | undefined;
  /** The server a URI belongs to: one that lists it, else one whose template matches it. */
  resolveResource(view: ToolView, uri: string): string | undefined;
  resolveCompletion(view: ToolView, ref: CompletionRef): { server: string; ref: CompletionRef } | undefined;
  /** Calls `listener` when a kind of list changes; returns the unsubscribe. */
  onChange(listener: (kind: FeatureKind) => void): () => void;
}

export function createUpstreamFeatures(
  servers: readonly UpstreamServerConfig[],
  options: { separator: string },
): UpstreamFeatures {
  const order = servers.map((server) => server.name);
  const byName = new Map(servers.map((server) => [server.name, server]));
  const features = new Map<string, ServerFeatures>();
  const listeners = new Set<(kind: FeatureKind) => void>();

  /** Servers with features, in `mcp_servers` order: the first owner of a name or URI wins. */
  const inOrder = (view: ToolView) =>
    order
      .filter((server) => view.shows(server) && features.has(server))
      .map((server) => [server, features.get(server)!] as const);
  const promptName = (view: ToolView, prompt: ServedPrompt) => (view.upstreamNames ? prompt.prompt.name : prompt.name);
  const firstByKey = <Item>(items: Item[], key: (item: Item) => string) => {
    const seen = new Set<string>();
    return items.filter((item) => !seen.has(key(item)) && seen.add(key(item)));
  };
  const servedPrompts = (view: ToolView) =>
    firstByKey(
      inOrder(view).flatMap(([, served]) => served.prompts),
      (prompt) => promptName(view, prompt),
    );

  return {
    set(server, inventory) {
      const config = byName.get(server);
      if (!config) return;
      const before = features.get(server);
      if (inventory === undefined) features.delete(server);
      else {
        features.set(server, {
          prompts: inventory.prompts.map((prompt) => ({
            server,
            name: gatewayToolName(config.prefix, options.separator, prompt.name),
            prompt,
          })),
          resources: inventory.resources,
          templates: inventory.resourceTemplates.map((template) => ({
            template,
            matcher: new UriTemplate(template.uriTemplate),
          })),
          completions: inventory.completions,
        });
      }
      const after = features.get(server);
      const same = (pick: (entry: ServerFeatures | undefined) => unknown) =>
        JSON.stringify(pick(before)) === JSON.stringify(pick(after));
      if (!same((entry) => entry?.prompts)) for (const listener of listeners) listener('prompts');
      if (!same((entry) => [entry?.resources, entry?.templates.map(({ template }) => template)]))
        for (const listener of listeners) listener('resources');
    },
    capabilities() {
      // A session declares its capabilities once, as it opens: while a server has not been listed yet
      // (it may be starting, or down for now), what it may offer is declared too, with empty lists
      // until it comes.
      if (servers.some((server) => server.unavailable === undefined && !features.has(server.name)))
        return { resources: true, prompts: true, completions: true };
      const all = [...features.values()];
      return {
        resources: all.some((entry) => entry.resources.length > 0 || entry.templates.length > 0),
        prompts: all.some((entry) => entry.prompts.length > 0),
        completions: all.some((entry) => entry.completions),
      };
    },
    prompts: (view) => servedPrompts(view).map((prompt) => ({ ...prompt.prompt, name: promptName(view, prompt) })),
    resources: (view) =>
      firstByKey(
        inOrder(view).flatMap(([, served]) => served.resources),
        (resource) => resource.uri,
      ),
    resourceTemplates: (view) =>
      firstByKey(
        inOrder(view).flatMap(([, served]) => served.templates.map(({ template }) => template)),
        (template) => template.uriTemplate,
      ),
    resolvePrompt(view, name) {
      const prompt = servedPrompts(view).find((candidate) => promptName(view, candidate) === name);
      return prompt && { server: prompt.server, name: prompt.prompt.name };
    },
    resolveResource(view, uri) {
      const shown = inOrder(view);
      const listed = shown.find(([, served]) => served.resources.some((resource) => resource.uri === uri));
      const templated =
        listed ?? shown.find(([, served]) => served.templates.some(({ matcher }) => matcher.match(uri) !== null));
      return templated?.[0];
    },
    resolveCompletion(view, ref) {
      const completes = (server: string) => features.get(server)?.completions === true;
      if (ref.type === 'ref/prompt') {
        const prompt = this.resolvePrompt(view, ref.name);
        return prompt && completes(prompt.server)
          ? { server: prompt.server, ref: { type: 'ref/prompt', name: prompt.name } }
          : undefined;
      }
      const owner = inOrder(view).find(
        ([, served]) =>
          served.templates.some(({ template }) => template.uriTemplate === ref.uri) ||
          served.resources.some((resource) => resource.uri === ref.uri),
      );
      return owner && completes(owner[0]) ? { server: owner[0], ref } : undefined;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
