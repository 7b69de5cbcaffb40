import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanKind,
} from '@opentelemetry/api';
import { packageVersion } from '../package-version.js';

/**
 * OpenTelemetry tracing, on only when the standard OTLP variables name a collector. Off, no
 * SDK is loaded and every helper here is a plain call: the hot path pays one boolean test.
 */
let enabled = false;

export const tracingEnabled = () => enabled;

/** Whether the environment asks for OTLP export: `OTEL_EXPORTER_OTLP_ENDPOINT` or its traces variant, not disabled. */
export function otlpConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface Tracing {
  /** Sends the spans still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * Starts the SDK when OTLP is configured: spans batched to the collector over OTLP/HTTP (JSON), W3C
 * `traceparent` propagation, and the active span kept across awaits. `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES` override the defaults given here; the exporter reads its own variables.
 */
export async function startTracing(service: { name: string; instanceId: string }): Promise<Tracing | undefined> {
  if (!otlpConfigured()) return undefined;
  const [
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { detectResources, envDetector, resourceFromAttributes },
    { BatchSpanProcessor, TracerProvider },
    { OTLPTraceExporter },
  ] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const resource = resourceFromAttributes({
    'service.name': service.name,
    'service.version': packageVersion,
    'service.instance.id': service.instanceId,
  }).merge(detectResources({ detectors: [envDetector] }));
  // The standard batch delay variable, which this SDK no longer reads itself (5 s by default).
  const delay = Number(process.env.OTEL_BSP_SCHEDULE_DELAY);
  const processor = new BatchSpanProcessor({
    exporter: new OTLPTraceExporter(),
    ...(delay > 0 && { scheduledDelayMillis: delay }),
  });
  const provider = new TracerProvider({ resource, spanProcessors: [processor] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  enabled = true;
  return { shutdown: () => provider.shutdown() };
}

const tracer = () => trace.getTracer('toolgate', packageVersion);

/** What a span is: its name, kind, attributes and parent (the active span's context by default). */
export interface SpanDescription {
  readonly name: string;
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  readonly parent?: Context;
}

/**
 * Runs `work` inside a new span, a child of the active one (or of `parent`), ending it when `work`
 * settles; a throw marks it failed. With tracing off it just runs `work`: `describe` is not even called,
 * so call sites on the hot path build no names or attributes.
 */
export function inSpan<T>(describe: () => SpanDescription, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return work(undefined);
  const { name, kind, attributes, parent } = describe();
  return tracer().startActiveSpan(name, { kind, attributes }, parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Starts a span the caller ends (one that outlives a call, such as a request's); undefined with tracing off. */
export function startSpan(describe: () => SpanDescription): Span | undefined {
  if (!enabled) return undefined;
  const { name, kind, attributes, parent } = describe();
  return tracer().startSpan(name, { kind, attributes }, parent ?? context.active());
}

/** Runs `work` with `span` active, so that spans and log lines under it belong to it. */
export function withSpan<T>(span: Span | undefined, work: () => T): T {
  return span ? context.with(trace.setSpan(context.active(), span), work) : work();
}

/** The active trace context as W3C headers (`traceparent`), for a job to carry; undefined with tracing off. */
export function traceCarrier(): Record<string, string> | undefined {
  if (!enabled) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The context a carrier (headers, or a job's `traceContext`) continues; the root when it has none. */
export function continuedFrom(carrier: Readonly<Record<string, unknown>> | undefined): Context {
  return enabled && carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

/** The active trace's id, for log lines and the dashboard; undefined with tracing off or outside a trace. */
export function activeTraceId(): string | undefined {
  if (!enabled) return undefined;
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
