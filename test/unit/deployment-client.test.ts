import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING } from '../../src/shared/config/routing-settings.js';
import { createDeploymentProvider } from '../../src/shared/llm/deployment-client.js';
import { deployment } from '../helpers/deployments.js';

const azure = deployment(0, 'azure/*', {
  model: 'azure/*',
  apiKey: { literal: 'azure-key' },
  apiBase: { literal: 'https://example-resource.openai.azure.com' },
});

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
