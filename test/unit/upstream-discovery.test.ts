import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseMcpServers } from '../../src/shared/config/mcp-servers.js';
import {
  RELIST_MIN_INTERVAL_MS,
  startUpstreamDiscovery,
  type UpstreamListing,
} from '../../src/shared/upstream/upstream-discovery.js';

describe('upstream discovery', () => {
  it('coalesces a flood of list_changed notifications into one more look', async () => {
    const { servers } = parseMcpServers('config.yaml', { noisy: { url: 'http://127.0.0.1:1/mcp' } }, {});
    let looks = 0;
    const listings: UpstreamListing[] = [];
    let secondListing: () => void = () => {};
    const second = new Promise<void>((resolve) => (secondListing = resolve));
    const discovery = startUpstreamDiscovery({
      servers,
      list: async () => {
        looks += 1;
        return { tools: [], resources: [], resourceTemplates: [], prompts: [], completions: false };
      },
      onListing: (listing) => {
        listings.push(listing);
        if (listings.length === 2) secondListing();
      },
      logger: pino({ level: 'silent' }),
    });
    try {
      await discovery.firstLook;
      for (let notification = 0; notification < 50; notification += 1) discovery.refresh('noisy');
      await second;
      expect(looks).toBe(2);
      // The look they asked for waited out the interval since the last one.
      expect(listings[1]!.at - listings[0]!.at).toBeGreaterThanOrEqual(RELIST_MIN_INTERVAL_MS - 5);
    } finally {
      discovery.stop();
    }
  });
});
