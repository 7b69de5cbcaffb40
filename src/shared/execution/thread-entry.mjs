// Piscina's entry, in plain JavaScript so that it loads in any thread. Node 20 does not give worker
// threads the main thread's module hooks, so TypeScript support (for this package's sources and for
// `.ts` plugins) is registered here when the thread lacks it.
import { register } from 'tsx/esm/api';

async function loadThread() {
  try {
    return await import('./thread.ts');
  } catch (error) {
    if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    register();
    // Node caches the failed load under the plain URL; a query makes it a fresh one.
    return import('./thread.ts?tsx');
  }
}

export default (await loadThread()).default;
