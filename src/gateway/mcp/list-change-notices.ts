import type { ToolCatalog } from '../tools/tool-catalog.js';
import type { UpstreamFeatures } from '../tools/upstream-features.js';
import type { LegacySessions } from './legacy-sessions.js';
import type { StreamableSessions } from './streamable-sessions.js';

/**
 * Tells the sessions whose streams this gateway holds (legacy streams, and streamable GET streams) when
 * the tools, prompts or resources change, as upstream servers come and go. Every gateway reads the same
 * listings, so each tells the streams it holds.
 */
export function sendListChanges(options: {
  readonly catalog: ToolCatalog;
  readonly upstreamFeatures: UpstreamFeatures;
  readonly sessions: { readonly legacy: LegacySessions; readonly streamable: StreamableSessions };
}): void {
  const { catalog, upstreamFeatures, sessions } = options;
  const notifiable = () => [
    ...sessions.legacy.all().map((session) => session.server),
    ...sessions.streamable.streams(),
  ];
  catalog.onChange(() => {
    for (const server of notifiable()) server.sendToolListChanged().catch(() => {});
  });
  upstreamFeatures.onChange((kind) => {
    // The SDK refuses (rejects) the notification on sessions that did not declare the kind: it was not
    // offered when they opened.
    for (const server of notifiable())
      (kind === 'prompts' ? server.sendPromptListChanged() : server.sendResourceListChanged()).catch(() => {});
  });
}
