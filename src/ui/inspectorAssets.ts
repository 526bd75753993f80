import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzip } from "node:zlib";

const gzipAsync = promisify(gzip);

/** The pages' own files: next to this module, in src/ui/assets or dist/src/ui/assets. */
const ASSETS = fileURLToPath(new URL("./assets/", import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * A file the inspector serves: its bytes and content type.
 *
 * @example
 * ```ts
 * const file: AssetFile = { body: Buffer.from("x"), type: "text/css; charset=utf-8" };
 * ```
 */
export interface AssetFile {
  readonly body: Uint8Array;
  readonly type: string;
  /** The same bytes gzipped (made once, on first use), for a client that accepts it. */
  gzipped(): Promise<Uint8Array>;
}

/**
 * The files the pages load: the inspector's own (HTML, CSS, JavaScript) and Mermaid's
 * ESM build (copied into the package by the build; without it the pages show the
 * diagrams' text). Only files inside those two folders are served, and only
 * with a known extension; each is read once and kept.
 *
 * @example
 * ```ts
 * const assets = new InspectorAssets();
 * const file = await assets.own("app.js");
 * ```
 */
export class InspectorAssets {
  readonly #cache = new Map<string, Promise<AssetFile | undefined>>();
  #mermaidDir: string | null | undefined;

  /** One of the inspector's own files, or `undefined`. */
  own(name: string): Promise<AssetFile | undefined> {
    return this.#file(ASSETS, name);
  }

  /** A file of Mermaid's ESM build (`mermaid.esm.min.mjs` and its chunks), or `undefined`. */
  mermaid(name: string): Promise<AssetFile | undefined> {
    const dir = this.mermaidDir();
    if (dir === null || !name.endsWith(".mjs")) return Promise.resolve(undefined);
    if (name !== "mermaid.esm.min.mjs" && !name.startsWith("chunks/mermaid.esm.min/")) {
      return Promise.resolve(undefined);
    }
    return this.#file(dir, name);
  }

  /**
   * Where Mermaid's ESM build is: the copy the build puts into the package
   * (`dist/src/ui/vendor/mermaid`), else — running from source in the repository — the
   * `mermaid` dev dependency; `null` when neither is there.
   */
  mermaidDir(): string | null {
    if (this.#mermaidDir === undefined) {
      const vendored = fileURLToPath(new URL("./vendor/mermaid", import.meta.url));
      if (existsSync(path.join(vendored, "mermaid.esm.min.mjs"))) {
        this.#mermaidDir = vendored;
      } else {
        try {
          const manifest = createRequire(import.meta.url).resolve("mermaid/package.json");
          this.#mermaidDir = path.join(path.dirname(manifest), "dist");
        } catch {
          this.#mermaidDir = null;
        }
      }
    }
    return this.#mermaidDir;
  }

  #file(dir: string, name: string): Promise<AssetFile | undefined> {
    const file = path.resolve(dir, name);
    const type = TYPES[path.extname(file)];
    if (type === undefined || !file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep)) {
      return Promise.resolve(undefined);
    }
    let cached = this.#cache.get(file);
    if (cached === undefined) {
      cached = fs.readFile(file).then(
        (body) => {
          let packed: Promise<Uint8Array> | undefined;
          return { body, type, gzipped: () => (packed ??= gzipAsync(body, { level: 9 })) };
        },
        () => undefined,
      );
      this.#cache.set(file, cached);
    }
    return cached;
  }
}
