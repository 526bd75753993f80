import { timingSafeEqual } from "node:crypto";
import type { RunStatus } from "../provenance/Provenance.js";
import type { AssetFile, InspectorAssets } from "./inspectorAssets.js";
import {
  type InspectorSources,
  ledgerView,
  RUN_STATUSES,
  runsView,
  runView,
  triggersView,
  triggerView,
} from "./inspectorData.js";
import type { TriggerFeed } from "./TriggerFeed.js";

/**
 * The writes a person may make from the pages when actions are on. The CLI's
 * `tickflow ui --allow-actions` supplies the same path as `tickflow fire`/`activate`/
 * `deactivate` (queued for a running supervisor, or through a one-shot manager).
 *
 * @example
 * ```ts
 * const actions: InspectorActions = {
 *   fire: async (name, payload) => manager.fire(name, payload),
 *   activate: (name) => manager.activate(name),
 *   deactivate: (name) => manager.deactivate(name),
 * };
 * ```
 */
export interface InspectorActions {
  fire(
    trigger: string,
    payload: Record<string, unknown>,
    note: string,
  ): Promise<{ readonly runId?: string | undefined; readonly status?: string | undefined }>;
  activate(trigger: string, note: string): Promise<unknown>;
  deactivate(trigger: string, note: string): Promise<unknown>;
}

/** What a route answers: a whole body, or a stream of Server-Sent Events. */
export type InspectorReply =
  | {
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string | Uint8Array;
    }
  | {
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      /** Starts sending chunks; returns the function that stops (the client left). */
      readonly stream: (send: (chunk: string) => void) => () => void;
    };

/** A request reduced to what the routes read, from Node's or the fetch API's. */
export interface InspectorRequest {
  readonly method: string;
  readonly url: URL;
  header(name: string): string | undefined;
  text(limit: number): Promise<string>;
}

/** What the routes need, made once by `createInspector`. */
export interface RouteContext {
  readonly sources: InspectorSources;
  readonly assets: InspectorAssets;
  readonly feed: TriggerFeed;
  readonly basePath: string;
  readonly actions: InspectorActions | undefined;
  readonly token: string | undefined;
  readonly onAction: ((line: string) => void) | undefined;
  readonly allowedHostnames: ReadonlySet<string> | undefined;
}

/**
 * The page's security policy: scripts only from this server (no inline script, no
 * eval), inline styles allowed (Mermaid writes a `<style>` into each SVG), no frames,
 * no form posts, connections only back to this server.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

const MAX_BODY = 64 * 1024;
const PAGES = [/^\/$/, /^\/triggers\/[^/]+$/, /^\/runs$/, /^\/runs\/[^/]+$/];

const json = (status: number, value: unknown): InspectorReply => ({
  status,
  headers: {
    ...SECURITY_HEADERS,
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  },
  body: JSON.stringify(value),
});
const problem = (status: number, message: string) => json(status, { error: message });

/**
 * Answers one request: the pages (one HTML shell whose script draws each page), their
 * assets, Mermaid's files, the JSON read endpoints, the live feed and — when on — the
 * actions. Unknown paths are 404; every answer carries the security headers.
 */
export async function route(
  context: RouteContext,
  request: InspectorRequest,
): Promise<InspectorReply> {
  if (context.allowedHostnames !== undefined && !hostAllowed(context, request)) {
    return problem(421, "this server answers only to its own host name");
  }
  let path = request.url.pathname;
  if (context.basePath !== "") {
    if (path === context.basePath) path = "/";
    else if (path.startsWith(`${context.basePath}/`)) path = path.slice(context.basePath.length);
    else return problem(404, "not found");
  }
  const parts = path.split("/").slice(1);
  let decoded: string[];
  try {
    decoded = parts.map((part) => decodeURIComponent(part));
  } catch {
    return problem(400, "malformed path");
  }
  try {
    if (request.method === "POST") return await action(context, request, decoded);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return problem(405, "only GET, and POST for actions");
    }
    if (PAGES.some((page) => page.test(path))) return await page(context);
    if (parts[0] === "assets" && parts.length === 2) {
      return file(request, await context.assets.own(decoded[1] ?? ""), "public, max-age=300");
    }
    if (parts[0] === "vendor" && parts[1] === "mermaid") {
      return file(
        request,
        await context.assets.mermaid(decoded.slice(2).join("/")),
        "public, max-age=86400",
      );
    }
    if (parts[0] === "api") return await read(context, request.url, decoded.slice(1));
    return problem(404, "not found");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tag = (error as { _tag?: unknown })?._tag;
    return problem(
      tag === "TriggerNotInStore" ? 404 : typeof tag === "string" ? 409 : 500,
      message,
    );
  }
}

async function page(context: RouteContext): Promise<InspectorReply> {
  const shell = await context.assets.own("index.html");
  if (shell === undefined) return problem(500, "the inspector's index.html is missing");
  const base = escapeAttribute(`${context.basePath}/`);
  return {
    status: 200,
    headers: { ...SECURITY_HEADERS, "content-type": shell.type, "cache-control": "no-store" },
    body: new TextDecoder().decode(shell.body).replace("{{base}}", base),
  };
}

/** A static file; gzipped when the client accepts it (Mermaid's chunks shrink about 3×). */
async function file(
  request: InspectorRequest,
  found: AssetFile | undefined,
  cache: string,
): Promise<InspectorReply> {
  if (found === undefined) return problem(404, "not found");
  const headers = {
    ...SECURITY_HEADERS,
    "content-type": found.type,
    "cache-control": cache,
    vary: "accept-encoding",
  };
  if (!/\bgzip\b/.test(request.header("accept-encoding") ?? "")) {
    return { status: 200, headers, body: found.body };
  }
  return {
    status: 200,
    headers: { ...headers, "content-encoding": "gzip" },
    body: await found.gzipped(),
  };
}

async function read(
  context: RouteContext,
  url: URL,
  parts: readonly string[],
): Promise<InspectorReply> {
  const sources = context.sources;
  const [first, second, third] = parts;
  if (first === "meta" && parts.length === 1) {
    return json(200, {
      actions: context.actions !== undefined,
      runs: sources.provenance !== undefined,
      mermaid: context.assets.mermaidDir() !== null,
      runStatuses: RUN_STATUSES,
    });
  }
  if (first === "live" && parts.length === 1) {
    return {
      status: 200,
      headers: {
        ...SECURITY_HEADERS,
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
      stream: (send) => context.feed.subscribe(send),
    };
  }
  if (first === "triggers" && parts.length === 1) return json(200, await triggersView(sources));
  if (first === "triggers" && second !== undefined && parts.length === 2) {
    const view = await triggerView(sources, second);
    return view === undefined ? problem(404, `no trigger named ${second}`) : json(200, view);
  }
  if (first === "triggers" && second !== undefined && third === "ledger" && parts.length === 3) {
    const before = url.searchParams.get("before");
    const at = before === null ? undefined : new Date(before);
    if (at !== undefined && Number.isNaN(at.getTime()))
      return problem(400, "before: not an instant");
    return json(200, await ledgerView(sources, second, { limit: limitOf(url, 25), before: at }));
  }
  if (first === "runs" && parts.length === 1) {
    const status = url.searchParams.get("status") || undefined;
    if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
      return problem(400, `status: one of ${RUN_STATUSES.join(", ")}`);
    }
    return json(
      200,
      await runsView(sources, {
        dagNsref: url.searchParams.get("dag") || undefined,
        status: status as RunStatus | undefined,
        limit: limitOf(url, 50),
      }),
    );
  }
  if (first === "runs" && second !== undefined && parts.length === 2) {
    const view = await runView(sources, second);
    return view === undefined
      ? problem(404, `no run ${second} in the run history`)
      : json(200, view);
  }
  return problem(404, "not found");
}

async function action(
  context: RouteContext,
  request: InspectorRequest,
  parts: readonly string[],
): Promise<InspectorReply> {
  const [api, triggers, name, kind] = parts;
  if (api !== "api" || triggers !== "triggers" || name === undefined || parts.length !== 4) {
    return problem(404, "not found");
  }
  if (kind !== "fire" && kind !== "activate" && kind !== "deactivate") {
    return problem(404, "not found");
  }
  if (context.actions === undefined || context.token === undefined) {
    return problem(403, "actions are off: start the inspector with --allow-actions");
  }
  if (!tokenMatches(request.header("authorization"), context.token)) {
    return problem(401, "this action needs the inspector's token (Authorization: Bearer <token>)");
  }
  if (!(request.header("content-type") ?? "").startsWith("application/json")) {
    return problem(415, "send the action as application/json");
  }
  let body: { note?: unknown; payload?: unknown };
  try {
    body = JSON.parse((await request.text(MAX_BODY)) || "{}");
  } catch {
    return problem(400, "the body is not JSON");
  }
  const note = typeof body.note === "string" ? body.note.slice(0, 500) : "";
  const payload = body.payload ?? {};
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return problem(400, "payload: a JSON object");
  }
  context.onAction?.(
    `${kind} ${JSON.stringify(name)}${note ? ` (note: ${JSON.stringify(note)})` : ""}`,
  );
  const actions = context.actions;
  const outcome =
    kind === "fire"
      ? await actions.fire(name, payload as Record<string, unknown>, note)
      : await actions[kind](name, note);
  return json(200, { ok: true, kind, trigger: name, note, outcome: outcome ?? null });
}

function hostAllowed(context: RouteContext, request: InspectorRequest): boolean {
  const host = request.header("host") ?? request.url.host;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return false;
  }
  return context.allowedHostnames?.has(hostname) ?? true;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, "") ?? "");
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function limitOf(url: URL, fallback: number): number {
  const n = Number(url.searchParams.get("limit") ?? fallback);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 500) : fallback;
}

function escapeAttribute(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll('"', "&quot;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}
