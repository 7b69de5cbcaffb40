import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { protocolError } from './protocol-error.js';

/**
 * Lists page past this many items (`nextCursor`). Large, because some clients read only the first page;
 * paging is for catalogs that merge many upstream servers.
 */
export const LIST_PAGE_SIZE = 1_000;

function cursorFor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

/** The offset a cursor we issued stands for; anything else is invalid params. */
function offsetOf(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Not one of ours.
  }
  throw protocolError(ErrorCode.InvalidParams, 'Invalid cursor');
}

/** The page a list request's cursor asks for, under `key`, with the cursor of the next one if any. */
export function pageOf<Key extends string, Item>(
  key: Key,
  items: readonly Item[],
  cursor: string | undefined,
): { [K in Key]: Item[] } & { nextCursor?: string } {
  const start = offsetOf(cursor);
  const end = start + LIST_PAGE_SIZE;
  return { [key]: items.slice(start, end), ...(end < items.length && { nextCursor: cursorFor(end) }) } as {
    [K in Key]: Item[];
  } & { nextCursor?: string };
}
