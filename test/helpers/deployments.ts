import type { ModelDeployment } from '../../src/shared/config/load-config.js';

/** A `model_list` deployment as the config loader makes it: `openai/m<index>` on an unreachable base. */
export function deployment(index: number, modelName: string, extra: Partial<ModelDeployment> = {}): ModelDeployment {
  return {
    modelName,
    model: `openai/m${index}`,
    apiKey: { literal: 'sk' },
    apiKeyEnvName: undefined,
    apiBase: { literal: 'http://127.0.0.1:1/v1' },
    apiVersion: undefined,
    mockResponse: undefined,
    servesResponses: false,
    timeoutMs: undefined,
    weight: undefined,
    rpm: undefined,
    tpm: undefined,
    defaults: {},
    index,
    ...extra,
  };
}
