import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Inspector } from "./createInspector.js";

/**
 * Whether `host` is this machine only (127.0.0.0/8, `::1`, `localhost`): such a server
 * cannot be reached from another machine.
 *
 * @example
 * ```ts
 * isLoopbackHost("127.0.0.1"); // true
 * isLoopbackHost("0.0.0.0"); // false
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/**
 * A listening inspector: its address, and `close()` that ends the open event streams
 * and stops listening.
 *
 * @example
 * ```ts
 * const server = await startInspectorServer(inspector, { host: "127.0.0.1", port: 0 });
 * console.log(server.url);
 * ```
 */
export interface InspectorServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves an inspector with `node:http` on `host:port` (port 0: any free port).
 *
 * @example
 * ```ts
 * const server = await startInspectorServer(createInspector({ store }), { host: "127.0.0.1", port: 8765 });
 * ```
 */
export function startInspectorServer(
  inspector: Inspector,
  where: { readonly host: string; readonly port: number },
): Promise<InspectorServer> {
  const server = http.createServer(inspector);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(where.port, where.host, () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      const host = where.host.includes(":") ? `[${where.host}]` : where.host;
      resolve({
        url: `http://${host}:${port}/`,
        port,
        close: () =>
          new Promise<void>((done) => {
            inspector.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
