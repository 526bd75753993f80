import type { TriggerCatalog } from "../inspect/inspect.js";
import type { DagProvenance } from "../provenance/DagProvenance.js";
import type { TriggerStore } from "../trigger/TriggerStore.js";
import { InspectorTokenMissing } from "./errors.js";
import { InspectorAssets } from "./inspectorAssets.js";
import { triggersView } from "./inspectorData.js";
import {
  type InspectorActions,
  type InspectorReply,
  type InspectorRequest,
  type RouteContext,
  route,
} from "./inspectorRoutes.js";
import { TriggerFeed } from "./TriggerFeed.js";

/**
 * Options of {@link createInspector}.
 *
 * @example
 * ```ts
 * const options: InspectorOptions = { store, provenance, basePath: "/tickflow" };
 * ```
 */
export interface InspectorOptions {
  /** The trigger store to read (open it read-only: the inspector never writes). */
  readonly store: TriggerStore;
  /** The run history; without it the runs pages say there is none. */
  readonly provenance?: DagProvenance | undefined;
  /** With it, triggers defined but never activated are listed too. */
  readonly namespace?: TriggerCatalog | undefined;
  /** The instant leases and "overdue" are judged at. Default `Date.now`. */
  readonly clock?: { now(): number } | undefined;
  /** How often the live feed reads the triggers while a page listens. Default 1000 ms. */
  readonly pollMs?: number | undefined;
  /** Where it is mounted in a bigger service (`/tickflow`); default the root. */
  readonly basePath?: string | undefined;
  /** Fire / activate / deactivate from the pages; off when omitted. Needs `token`. */
  readonly actions?: InspectorActions | undefined;
  /** The secret every action must carry (`Authorization: Bearer <token>`). */
  readonly token?: string | undefined;
  /** Told each action as it is taken, one line (for an audit log). */
  readonly onAction?: ((line: string) => void) | undefined;
  /**
   * The host names a request's `Host` header may carry (`localhost`, `127.0.0.1`);
   * others get 421. Guards a loopback server against DNS rebinding (a page on another
   * site whose name is made to point at 127.0.0.1). Default: any.
   */
  readonly allowedHostnames?: readonly string[] | undefined;
}

/**
 * What the inspector reads of Node's `IncomingMessage` — declared here, structurally, so
 * that tickflow's types need no `@types/node` in a user's project.
 *
 * @example
 * ```ts
 * const req: NodeRequestLike = incomingMessage;
 * ```
 */
export interface NodeRequestLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  destroy(): unknown;
}

/**
 * What the inspector uses of Node's `ServerResponse` (see {@link NodeRequestLike}).
 *
 * @example
 * ```ts
 * const res: NodeResponseLike = serverResponse;
 * ```
 */
export interface NodeResponseLike {
  statusCode: number;
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): unknown;
  end(body?: string | Uint8Array): unknown;
}

/**
 * A mounted inspector: a Node `(req, res)` handler, with a fetch-style handler and
 * `close()` beside it.
 *
 * @example
 * ```ts
 * http.createServer(inspector).listen(8765);
 * const response = await inspector.fetch(new Request("http://x/api/triggers"));
 * ```
 */
export interface Inspector {
  (req: NodeRequestLike, res: NodeResponseLike): void;
  /** The same routes for the fetch API (`Request` in, `Response` out). */
  fetch(request: Request): Promise<Response>;
  /** Stops the live feed and ends the open event streams. */
  close(): void;
}

/**
 * A read-only web inspector over a trigger store and run history: the triggers with
 * their machine states (live, through Server-Sent Events), a trigger's machine drawn,
 * its ledger with `explain`'s reasons and its journal replayed, the runs and each run's
 * DAG coloured by node status. Pages, scripts and Mermaid are served from the package:
 * nothing is loaded from elsewhere. The same read models as the `tickflow` command.
 *
 * @example
 * ```ts
 * import http from "node:http";
 * import { createInspector, DagProvenance, SqliteStore, TriggerStore } from "tickflow";
 *
 * const store = new TriggerStore(SqliteStore.open("./data/triggers.db", { readonly: true }));
 * const provenance = new DagProvenance(SqliteStore.open("./data/provenance.db", { readonly: true }));
 * http.createServer(createInspector({ store, provenance })).listen(8765, "127.0.0.1");
 * ```
 */
export function createInspector(options: InspectorOptions): Inspector {
  if (options.actions !== undefined && options.token === undefined) {
    throw new InspectorTokenMissing({ reason: "actions are on and no token was given" });
  }
  if (options.token !== undefined && options.token.length < 16) {
    throw new InspectorTokenMissing({ reason: "the token is shorter than 16 characters" });
  }
  const clock = options.clock ?? { now: () => Date.now() };
  const sources = {
    store: options.store,
    provenance: options.provenance,
    namespace: options.namespace,
    now: () => clock.now(),
  };
  const feed = new TriggerFeed(() => triggersView(sources), options.pollMs ?? 1000);
  const context: RouteContext = {
    sources,
    assets: new InspectorAssets(),
    feed,
    basePath: (options.basePath ?? "").replace(/\/+$/, ""),
    actions: options.actions,
    token: options.token,
    onAction: options.onAction,
    allowedHostnames:
      options.allowedHostnames === undefined
        ? undefined
        : new Set(options.allowedHostnames.map((name) => name.toLowerCase())),
  };
  const streams = new Set<() => void>();

  const handler = ((req: NodeRequestLike, res: NodeResponseLike) => {
    void route(context, nodeRequest(req)).then(
      (reply) => sendNode(reply, req, res, streams),
      (error: unknown) => {
        res.statusCode = 500;
        res.end(error instanceof Error ? error.message : String(error));
      },
    );
  }) as Inspector;
  handler.fetch = async (request: Request) =>
    fetchResponse(await route(context, fetchRequest(request)), request, streams);
  handler.close = () => {
    feed.close();
    for (const end of [...streams]) end();
  };
  return handler;
}

function nodeRequest(req: NodeRequestLike): InspectorRequest {
  return {
    method: req.method ?? "GET",
    url: new URL(req.url ?? "/", "http://inspector.invalid"),
    header: (name) => {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    },
    text: (limit) =>
      new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            reject(new Error(`the body is larger than ${limit} bytes`));
            req.destroy();
          } else chunks.push(chunk);
        });
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
      }),
  };
}

function sendNode(
  reply: InspectorReply,
  req: NodeRequestLike,
  res: NodeResponseLike,
  streams: Set<() => void>,
): void {
  res.writeHead(reply.status, { ...reply.headers });
  if ("body" in reply) {
    res.end(req.method === "HEAD" ? undefined : reply.body);
    return;
  }
  const stop = reply.stream((chunk) => res.write(chunk));
  const end = () => {
    streams.delete(end);
    stop();
    res.end();
  };
  streams.add(end);
  req.on("close", end);
}

function fetchRequest(request: Request): InspectorRequest {
  return {
    method: request.method,
    url: new URL(request.url),
    header: (name) => request.headers.get(name) ?? undefined,
    text: async (limit) => {
      const text = await request.text();
      if (text.length > limit) throw new Error(`the body is larger than ${limit} bytes`);
      return text;
    },
  };
}

function fetchResponse(
  reply: InspectorReply,
  request: Request,
  streams: Set<() => void>,
): Response {
  if ("body" in reply) {
    const body = request.method === "HEAD" ? null : reply.body;
    return new Response(body as ConstructorParameters<typeof Response>[0], {
      status: reply.status,
      headers: reply.headers,
    });
  }
  const encoder = new TextEncoder();
  let end = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const stop = reply.stream((chunk) => controller.enqueue(encoder.encode(chunk)));
      end = () => {
        streams.delete(end);
        stop();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      streams.add(end);
      request.signal.addEventListener("abort", end);
    },
    cancel() {
      end();
    },
  });
  return new Response(body, { status: reply.status, headers: reply.headers });
}
