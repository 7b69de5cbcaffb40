/**
 * Piscina entry: runs one task in a pool thread. Plugin modules are imported once per thread and cached
 * by Node's module cache. Everything is caught here and returned as data, because errors lose their class
 * and fields crossing the thread boundary.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pathToFileURL } from 'node:url';
import { BroadcastChannel, threadId, workerData } from 'node:worker_threads';
import { modulePathInside } from '../plugins/handler-target.js';
import { type HandlerTarget } from '../call/tool-run.js';
import {
  type ToolContext,
  type ToolDefinition,
  type ToolHandler,
  type ToolLogLevel,
} from '../plugins/plugin-contract.js';
import { TOOL_LOG_LEVELS, type CallEvent } from '../call/call-event.js';
import { limitResultSize, toCallToolResult } from '../call/tool-result.js';
import { messageOf } from '../errors.js';
import {
  CALL_FLAG,
  CULPRIT,
  type CallTask,
  type ChannelMessage,
  type DescribeTask,
  type PoolThreadData,
  type ThreadTask,
} from './thread-protocol.js';
import { type DeclaredToolInfo, type ModuleDescription } from '../plugins/module-description.js';
import { callFailure, type CallOutcome } from '../call/call-outcome.js';

type PluginModule = Record<string, unknown>;

// Node caches modules too, but every dynamic import still goes through the module loader's hooks (tsx
// registers some), which is a round trip to the loader thread per call; keep the namespace here.
const loadedPlugins = new Map<string, Promise<PluginModule>>();

function importPlugin(pluginsDir: string, module: string): Promise<PluginModule> {
  const file = modulePathInside(pluginsDir, module);
  let plugin = loadedPlugins.get(file);
  if (!plugin) {
    plugin = import(pathToFileURL(file).href) as Promise<PluginModule>;
    // A module that failed to load is tried again next time (it may have been fixed on disk).
    plugin.catch(() => loadedPlugins.delete(file));
    loadedPlugins.set(file, plugin);
  }
  return plugin;
}

function declaredToolsOf(plugin: PluginModule): unknown[] | undefined {
  const tools = Object.hasOwn(plugin, 'tools') ? plugin.tools : undefined;
  return Array.isArray(tools) ? tools : undefined;
}

function findHandler(plugin: PluginModule, target: HandlerTarget): ToolHandler {
  if ('exportName' in target) {
    const handler = Object.hasOwn(plugin, target.exportName) ? plugin[target.exportName] : undefined;
    if (typeof handler !== 'function')
      throw new Error(`${target.module} has no exported function "${target.exportName}"`);
    return handler as ToolHandler;
  }
  const declared = declaredToolsOf(plugin)?.find((tool) => (tool as ToolDefinition).name === target.declaredTool) as
    ToolDefinition | undefined;
  if (typeof declared?.handler !== 'function')
    throw new Error(`${target.module} declares no tool "${target.declaredTool}"`);
  return declared.handler;
}

/** Calls running in this thread, by id, so aborts arriving on the channel reach their handler. */
const running = new Map<number, AbortController>();
const { channel: channelName, heartbeatMs } = workerData as PoolThreadData;
const channel = new BroadcastChannel(channelName);
channel.onmessage = (message) => {
  const data = (message as { data: ChannelMessage }).data;
  if (data.type === 'abort') running.get(data.callId)?.abort(new Error(data.reason));
};
// Neither the channel nor the heartbeat may keep an idle thread alive.
channel.unref();
// The heartbeat says this thread's event loop is free: a call that outlives its abort is abandoned while
// it beats, and its thread terminated only when it stops (the loop is blocked).
const beat = () => channel.postMessage({ type: 'heartbeat', threadId } satisfies ChannelMessage);
beat();
setInterval(beat, heartbeatMs).unref();

/**
 * The call whose code is running, followed through its awaits and timers, so that the call which ends
 * the thread (`process.exit()`, an uncaught throw) can be named to the calls it takes down with it.
 */
const currentCall = new AsyncLocalStorage<Int32Array>();
const markCulprit = (why: number) => {
  const flags = currentCall.getStore();
  if (flags) Atomics.store(flags, CALL_FLAG.culprit, why);
};
process.on('uncaughtExceptionMonitor', () => markCulprit(CULPRIT.uncaught));
const exit = process.exit.bind(process);
process.exit = ((code?: number) => {
  markCulprit(CULPRIT.exit);
  return exit(code);
}) as typeof process.exit;

async function runCall(task: CallTask): Promise<CallOutcome> {
  if (Date.now() >= task.deadline) return callFailure('timeout', 'deadline passed before the call started');
  const controller = new AbortController();
  running.set(task.callId, controller);
  const send = (event: CallEvent) => {
    try {
      channel.postMessage({ type: 'event', callId: task.callId, event } satisfies ChannelMessage);
    } catch {
      // Data that cannot be cloned is dropped rather than failing the call.
    }
  };
  const ctx: ToolContext = {
    signal: controller.signal,
    requestId: task.requestId,
    progress: (progress, total, message) => {
      if (typeof progress === 'number' && Number.isFinite(progress))
        send({ type: 'progress', progress, total, message });
    },
    // Plugins are not type-checked against us: an unknown level is logged as info rather than lost.
    log: (level: ToolLogLevel, data: unknown) =>
      send({ type: 'log', level: TOOL_LOG_LEVELS.includes(level) ? level : 'info', data }),
  };
  try {
    let handler: ToolHandler;
    try {
      handler = findHandler(await importPlugin(task.pluginsDir, task.target.module), task.target);
    } catch (error) {
      return callFailure('load_error', messageOf(error));
    }
    // Cancelled or timed out while it waited for this thread: the handler never starts.
    if (Atomics.load(task.flags, CALL_FLAG.aborted) === 1) return callFailure('cancelled', 'aborted before it started');
    const value = await currentCall.run(task.flags, () => handler(task.args, ctx));
    return { ok: true, result: limitResultSize(toCallToolResult(value), task.maxResultBytes) };
  } catch (error) {
    return callFailure('handler_error', messageOf(error));
  } finally {
    running.delete(task.callId);
  }
}

function describeDeclaredTool(tool: unknown): DeclaredToolInfo {
  const definition = (typeof tool === 'object' && tool !== null ? tool : {}) as Partial<
    Record<keyof ToolDefinition, unknown>
  >;
  // Only clonable data crosses back: the schema is round-tripped through JSON.
  const clone = (value: unknown) => (value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown));
  return {
    name: definition.name,
    description: definition.description,
    inputSchema: clone(definition.inputSchema),
    annotations: clone(definition.annotations),
    timeoutMs: definition.timeoutMs,
    isolation: definition.isolation,
    maxConcurrency: definition.maxConcurrency,
    hasHandler: typeof definition.handler === 'function',
  };
}

async function describe(task: DescribeTask): Promise<ModuleDescription[]> {
  const descriptions: ModuleDescription[] = [];
  for (const module of task.modules) {
    try {
      const plugin = await importPlugin(task.pluginsDir, module);
      descriptions.push({
        module,
        functionExports: Object.keys(plugin).filter((name) => typeof plugin[name] === 'function'),
        declaredTools: declaredToolsOf(plugin)?.map(describeDeclaredTool),
        loadError: undefined,
      });
    } catch (error) {
      descriptions.push({ module, functionExports: [], declaredTools: undefined, loadError: messageOf(error) });
    }
  }
  return descriptions;
}

export default function runTask(task: ThreadTask): Promise<CallOutcome | ModuleDescription[]> {
  return task.op === 'call' ? runCall(task) : describe(task);
}
