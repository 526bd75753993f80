import type * as Otel from "@opentelemetry/api";

/** The `@opentelemetry/api` module, as tickflow uses it. */
export type OtelApi = typeof Otel;

let api: OtelApi | undefined;
let settled = false;
let loading: Promise<void> | undefined;

/**
 * `@opentelemetry/api`, once loaded; `undefined` before, or for good when it is not
 * installed. It is an optional peer dependency: tickflow never loads it at import (no
 * top-level await, no start-up cost) and, without it, every telemetry hook is one check
 * of this variable.
 *
 * @example
 * ```ts
 * const api = otelApi();
 * if (api !== undefined) api.trace.getActiveSpan();
 * ```
 */
export function otelApi(): OtelApi | undefined {
  return api;
}

/** Whether the import has settled (the package found or not): nothing left to wait for. */
export function otelSettled(): boolean {
  return settled;
}

/**
 * Imports `@opentelemetry/api` once (the supervisor's start and a run's first step call
 * it). A missing package is not an error: telemetry stays off. The SDK the user
 * registered is found through the API's process-wide globals, whichever copy is loaded.
 *
 * @example
 * ```ts
 * await loadOtelApi();
 * ```
 */
export function loadOtelApi(): Promise<void> {
  // The namespace, not `default`: the default export lacks ROOT_CONTEXT, SpanStatusCode…
  loading ??= import("@opentelemetry/api").then(
    (module) => {
      api = module as OtelApi;
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return loading;
}
