import { startEmbeddedServices } from './embedded-services.js';
import type { GatewayServiceOptions, GatewayServices } from './gateway-services.js';
import { startQueueServices } from './queue-services.js';

/** Starts the services of the mode the config asks for: queue mode when `REDIS_URL` is set. */
export async function startGatewayServices(options: GatewayServiceOptions): Promise<GatewayServices> {
  const { redisUrl } = options.config.runtime;
  const services =
    redisUrl === undefined ? await startEmbeddedServices(options) : await startQueueServices(options, redisUrl);
  return {
    ...services,
    async close() {
      services.sessions.streamLog.close();
      services.responses.close();
      services.callLog.close();
      await Promise.all([services.sessions.legacy.close(), services.sessions.streamable.close()]);
    },
  };
}
