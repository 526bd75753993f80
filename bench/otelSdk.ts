import { context, metrics, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
} from "@opentelemetry/sdk-trace-base";

/** A reader nobody collects from: the SDK's aggregation cost without an export. */
class IdleReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The OpenTelemetry SDK as a service registers it (global tracer provider with a batch
 * processor, AsyncLocalStorage context, global meter provider), exporting spans to
 * memory: switched on for one contender's turn and off after it, so the other
 * contenders of the same process run with no SDK.
 *
 * @example
 * ```ts
 * const sdk = benchOtelSdk();
 * sdk.on(); await drive(...); await sdk.off();
 * ```
 */
export function benchOtelSdk(): { on(): void; off(): Promise<number> } {
  let tracing: BasicTracerProvider | undefined;
  let meters: MeterProvider | undefined;
  let exporter = new InMemorySpanExporter();
  return {
    on() {
      // A provider's shutdown stops its exporter: each turn gets new ones.
      exporter = new InMemorySpanExporter();
      tracing = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
      meters = new MeterProvider({ readers: [new IdleReader()] });
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      trace.setGlobalTracerProvider(tracing);
      metrics.setGlobalMeterProvider(meters);
    },
    /** Flushes, unregisters, and returns how many spans were exported (proof it was on). */
    async off() {
      await tracing?.forceFlush();
      const spans = exporter.getFinishedSpans().length; // shutdown empties the exporter
      await tracing?.shutdown();
      await meters?.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();
      return spans;
    },
  };
}
