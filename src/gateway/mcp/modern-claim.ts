import type { Request } from 'express';

/** The revision served statelessly, one request at a time. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';

function carriesEnvelope(message: unknown): boolean {
  const params = (message as { params?: { _meta?: Record<string, unknown> } } | null)?.params;
  return typeof params?._meta?.[PROTOCOL_VERSION_META_KEY] === 'string';
}

/**
 * Whether a POST claims the 2026-07-28 era: a per-request `_meta` envelope, or a protocol-version header
 * naming that revision (which, without an envelope, the modern handler answers with its error). A cheap
 * look, so that 2025-era traffic never loads the modern handler; the handler then classifies exactly.
 */
export function claimsModernEra(req: Request): boolean {
  if (req.method !== 'POST') return false;
  if (req.get('mcp-protocol-version') === MODERN_PROTOCOL_VERSION) return true;
  const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
  return messages.some(carriesEnvelope);
}
