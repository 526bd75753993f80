import type { Tracer } from "@opentelemetry/api";
import { type OtelApi, otelApi } from "./otelApi.js";
import { createTickflowMetrics, type TickflowMetrics } from "./TickflowMetrics.js";

/** What a hook needs: the API, tickflow's tracer and its instruments. */
export interface Telemetry {
  readonly api: OtelApi;
  readonly tracer: Tracer;
  readonly metrics: TickflowMetrics;
}

let cached:
  | {
      readonly tracing: unknown;
      readonly meters: unknown;
      readonly telemetry: Telemetry | undefined;
    }
  | undefined;

/**
 * tickflow's telemetry as the process is configured now, or `undefined` when there is
 * nothing to report to: `@opentelemetry/api` not installed (or not loaded yet), or no
 * tracer provider and no meter provider registered. Hooks return at once then, so a
 * process without an SDK pays one check per hook.
 *
 * Tracer and instruments are made again when the registered providers change (a test
 * registering a fresh SDK; the metrics API has no proxy, so an instrument made before the
 * user's meter provider was registered would stay a no-op for good).
 *
 * @example
 * ```ts
 * const telemetry = activeTelemetry();
 * telemetry?.metrics.fires.add(1, { "tickflow.trigger": "orders" });
 * ```
 */
export function activeTelemetry(): Telemetry | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const proxy = api.trace.getTracerProvider();
  const tracing = proxy instanceof api.ProxyTracerProvider ? proxy.getDelegate() : proxy;
  const meters = api.metrics.getMeterProvider();
  if (cached?.tracing === tracing && cached.meters === meters) return cached.telemetry;
  // The API's no-op providers when nothing is registered (compared by class name: the API
  // does not export them); a misjudged one only costs no-op spans, never a lost span.
  const none = isNoop(tracing) && isNoop(meters);
  cached = {
    tracing,
    meters,
    telemetry: none
      ? undefined
      : {
          api,
          tracer: tracing.getTracer("tickflow"),
          metrics: createTickflowMetrics(meters.getMeter("tickflow")),
        },
  };
  return cached.telemetry;
}

function isNoop(provider: object): boolean {
  return provider.constructor.name.startsWith("Noop");
}
