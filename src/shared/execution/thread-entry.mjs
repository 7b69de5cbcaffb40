// Piscina's entry, in plain JavaScript so that it loads in any thread. Worker threads do not reliably
// share the main thread's module hooks (Node 20 gives them none; Node 22.18+ strips types natively but
// does not map `.js` imports to `.ts` files), so the thread code and the plugins it imports are loaded
// through tsx here, in a namespace of their own that cannot clash with any other registration.
import { tsImport } from 'tsx/esm/api';

const thread = await tsImport('./thread.ts', import.meta.url);

export default thread.default;
