import type { SpanContext } from "@opentelemetry/api";

const FORMAT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * A span context as a W3C `traceparent` string (version 00): the form tickflow stores
 * with a fire, so a run resumed in another process can link to it.
 *
 * @example
 * ```ts
 * toTraceparent(span.spanContext()); // "00-4bf9…-00f0…-01"
 * ```
 */
export function toTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/** The span context a stored `traceparent` names, or `undefined` if it is not one. */
export function fromTraceparent(text: string | undefined): SpanContext | undefined {
  const match = text === undefined ? null : FORMAT.exec(text);
  if (match === null) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
}
