import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { ConfigError } from '../shared/config/config-error.js';
import { loadConfig } from '../shared/config/load-config.js';
import type { RuntimeEnv } from '../shared/config/runtime-env.js';
import type { ToolgateSettings } from '../shared/config/settings.js';
import { newInstanceId } from '../shared/instance-id.js';
import { createModelRouter } from '../shared/llm/model-router.js';
import { packageVersion } from '../shared/package-version.js';
import { createLogger } from '../shared/telemetry/logger.js';
import { startTracing } from '../shared/telemetry/tracing.js';
import { createApp } from './app.js';
import { isLoopbackHost } from './http/origin-guard.js';
import { sendListChanges } from './mcp/list-change-notices.js';
import { startGatewayServices } from './services/start-services.js';
import { shutDownOnSignals } from './shutdown.js';
import { statusReport } from './status/status-report.js';
import { createToolInvoker } from './tools/tool-invoker.js';
import { createViewResolver } from './tools/tool-view.js';

/** Listens on the configured address; resolves with the server and its URL once it does. */
async function listen(
  app: Express,
  runtime: RuntimeEnv,
  settings: ToolgateSettings,
): Promise<{ server: Server; url: string }> {
  const server = createServer(
    {
      // A client sending its request slowly (or declaring more than it sends) is cut off with a 408;
      // checked every second rather than Node's default 30.
      requestTimeout: settings.request_body_timeout_ms,
      headersTimeout: Math.min(settings.request_body_timeout_ms, 60_000),
      connectionsCheckingInterval: 1_000,
    },
    app,
  ).listen(runtime.port, runtime.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${host}:${address.port}` };
}

/** Composition root of the gateway: config, logger, the mode's services, app, listen, signals. */
export async function runGateway(flags: Partial<RuntimeEnv> = {}): Promise<void> {
  const config = loadConfig({ flags });
  const { runtime, settings } = config;
  if (config.masterKey === undefined && !isLoopbackHost(runtime.host) && !settings.allow_unauthenticated)
    throw new ConfigError([
      `${config.file}: the gateway would listen on ${runtime.host}, beyond loopback, with no master key. Set general_settings.master_key (or LITELLM_MASTER_KEY), or toolgate_settings.allow_unauthenticated: true to run without auth on purpose`,
    ]);
  const gatewayId = newInstanceId();
  const tracing = await startTracing({ name: 'toolgate-gateway', instanceId: gatewayId });
  const logger = createLogger({ level: runtime.logLevel, name: 'toolgate-gateway' });
  for (const warning of config.warnings) logger.warn(warning);
  const models = createModelRouter(config.models, config.env, config.routing);
  for (const warning of models.warnings) logger.warn(warning);

  const viewFor = createViewResolver(config.upstreamServers);
  const services = await startGatewayServices({ config, logger, gatewayId, viewFor });
  const { catalog, executor, metrics, callLog, keyUsage } = services;
  sendListChanges(services);
  const invoker = createToolInvoker({
    catalog,
    executor,
    logger,
    upstreamServers: config.upstreamServers,
    onCallFinished: (call) => {
      metrics.recordToolCall(call.tool, call.outcome, call.seconds, call.server);
      callLog.record(call);
      if (call.caller) keyUsage?.recordToolCall(call.caller, call.tool, call.outcome);
    },
  });
  const beats = services.startBeats(() => ({ inFlight: invoker.running }));
  const app = createApp({
    ...services,
    status: () =>
      statusReport({
        mode: executor.mode,
        version: packageVersion,
        gatewayId,
        gateways: beats,
        queueState: services.queueState,
        calls: callLog,
        upstreamHealth: services.feed.health,
      }),
    viewFor,
    logger,
    settings,
    masterKey: config.masterKey,
    bindHost: runtime.host,
    upstreamHealth: services.feed.health,
    upstreamServers: config.upstreamServers,
    invoker,
    models,
    version: packageVersion,
  });

  const { server, url } = await listen(app, runtime, settings);
  logger.info(
    {
      url,
      mode: executor.mode,
      config: config.file,
      tools: catalog.tools.map((tool) => tool.name),
      models: models.modelNames,
      auth: config.masterKeySource ?? 'off',
      tracing: tracing !== undefined,
    },
    'toolgate gateway listening',
  );
  if (config.masterKey === undefined && !isLoopbackHost(runtime.host)) {
    logger.warn(
      { host: runtime.host },
      'NO AUTH: this gateway listens beyond loopback without a master key; anyone who can reach it can call every tool and model. Set general_settings.master_key or LITELLM_MASTER_KEY',
    );
  }
  const longestCallMs = Math.max(settings.tool_timeout_ms, ...catalog.tools.map((tool) => tool.timeoutMs));
  shutDownOnSignals({ server, invoker, services, beats, longestCallMs, tracing, logger });
}
