import { describe, expect, it } from 'vitest';
import type { ModelDeployment } from '../../src/shared/config/load-config.js';
import { DEFAULT_ROUTING } from '../../src/shared/config/routing-settings.js';
import { createDeploymentProvider } from '../../src/shared/llm/deployment-client.js';

const azure: ModelDeployment = {
  modelName: 'azure/*',
  model: 'azure/*',
  apiKey: { literal: 'azure-key' },
  apiKeyEnvName: undefined,
  apiBase: { literal: 'https://example-resource.openai.azure.com' },
  apiVersion: undefined,
  mockResponse: undefined,
  servesResponses: false,
  timeoutMs: undefined,
  weight: undefined,
  rpm: undefined,
  tpm: undefined,
  defaults: {},
  index: 0,
};

describe('createDeploymentProvider', () => {
  it('sends a plain Azure deployment name a wildcard gave it', () => {
    expect(() => createDeploymentProvider(azure, 'azure/gpt-4o.mini_2', {}, DEFAULT_ROUTING)).not.toThrow();
  });

  it('refuses an Azure deployment name from a client that would leave its path segment', () => {
    for (const name of ['../../openai/files', 'gpt-4o/../x', 'gpt 4o', 'a%2F..'])
      expect(() => createDeploymentProvider(azure, `azure/${name}`, {}, DEFAULT_ROUTING), name).toThrow(
        /Azure deployment name .* letters, digits/,
      );
  });
});
