import { describe, expect, it } from 'vitest';
import { parseMcpServers } from '../../src/shared/config/mcp-servers.js';
import { gatewayToolName, isToolExposed } from '../../src/shared/upstream/upstream-tools.js';

describe('mcp_servers', () => {
  it('reads LiteLLM’s form: transports, auth headers, filters, aliases and limits', () => {
    const { servers, warnings, problems } = parseMcpServers(
      'config.yaml',
      {
        github: {
          url: 'https://example.test/mcp',
          auth_type: 'bearer_token',
          auth_value: 'os.environ/GH_TOKEN',
          static_headers: { 'X-Team': 'platform' },
          extra_headers: ['X-User-Token'],
          alias: 'gh',
          allowed_tools: ['a'],
        },
        local: {
          command: 'node',
          args: ['server.js'],
          env: { DEBUG: 1 },
          prefix: false,
          max_connections: 2,
          timeout_ms: 5000,
        },
        legacy: { transport: 'sse', url: 'https://example.test/sse', auth_type: 'api_key', auth_value: 'k' },
      },
      { GH_TOKEN: 'ghp_secret' },
    );
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(servers).toEqual([
      expect.objectContaining({
        name: 'github',
        prefix: 'gh',
        allowedTools: ['a'],
        transport: {
          kind: 'http',
          url: 'https://example.test/mcp',
          headers: { 'X-Team': 'platform', Authorization: 'Bearer ghp_secret' },
          forwardedHeaders: ['x-user-token'],
          headerAlias: 'gh',
        },
      }),
      expect.objectContaining({
        name: 'local',
        prefix: undefined,
        maxConnections: 2,
        timeoutMs: 5000,
        transport: { kind: 'stdio', command: 'node', args: ['server.js'], env: { DEBUG: '1' } },
      }),
      expect.objectContaining({
        name: 'legacy',
        prefix: 'legacy',
        maxConnections: 4,
        transport: {
          kind: 'sse',
          url: 'https://example.test/sse',
          headers: { 'X-API-Key': 'k' },
          forwardedHeaders: [],
          headerAlias: 'legacy',
        },
      }),
    ]);
  });

  it('names the key path of each problem, and leaves a server it cannot authenticate unavailable', () => {
    const { servers, warnings, problems } = parseMcpServers(
      'config.yaml',
      {
        'bad-name': { url: 'https://x.test' },
        nocmd: { transport: 'stdio' },
        typo: { url: 'https://x.test', max_connections: 'many' },
        sso: { url: 'https://x.test', auth_type: 'oauth2' },
        missing: { url: 'https://x.test', auth_type: 'token', auth_value: 'os.environ/NOPE' },
      },
      {},
    );
    expect(problems).toEqual([
      expect.stringMatching(/^config\.yaml: mcp_servers\.bad-name: server names must match/),
      'config.yaml: mcp_servers.nocmd.command: a stdio server needs a command',
      expect.stringMatching(/^config\.yaml: mcp_servers\.typo\.max_connections: /),
    ]);
    expect(servers.map((server) => [server.name, server.unavailable])).toEqual([
      ['sso', expect.stringMatching(/auth_type "oauth2" is not served yet/)],
      ['missing', expect.stringMatching(/NOPE is not set/)],
    ]);
    expect(warnings).toHaveLength(2);
  });
});

describe('upstream tool names', () => {
  it('prefixes, and shortens past 64 characters deterministically', () => {
    expect(gatewayToolName('gh', '-', 'create_issue')).toBe('gh-create_issue');
    expect(gatewayToolName(undefined, '-', 'create_issue')).toBe('create_issue');
    const long = gatewayToolName('server', '-', 'x'.repeat(80));
    expect(long).toHaveLength(64);
    expect(long).toBe(gatewayToolName('server', '-', 'x'.repeat(80)));
    expect(long).not.toBe(gatewayToolName('server', '-', `${'x'.repeat(79)}y`));
  });

  it('lets allowed_tools win over disallowed_tools', () => {
    const server = { allowedTools: ['a'], disallowedTools: ['a', 'b'] } as unknown as Parameters<
      typeof isToolExposed
    >[0];
    expect(isToolExposed(server, 'a')).toBe(true);
    expect(isToolExposed(server, 'c')).toBe(false);
    expect(isToolExposed({ ...server, allowedTools: undefined }, 'b')).toBe(false);
  });
});
