import { isJsonObject } from './json-object.js';

/** How many messages of a JSON-RPC body (one message, or a batch) call `method`. */
export function callsOf(body: unknown, method: string): number {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.filter((message) => isJsonObject(message) && message.method === method).length;
}
