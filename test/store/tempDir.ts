import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A fresh folder under the OS temp dir for one test's real SQLite files, and a cleanup
 * that removes it (restoring write permission first, since some tests take it away).
 *
 * @example
 * ```ts
 * const { dir, cleanup } = makeTempDir();
 * afterEach(cleanup);
 * ```
 */
export function makeTempDir(): { readonly dir: string; readonly cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-"));
  const cleanup = () => {
    const restore = (p: string) => {
      fs.chmodSync(p, 0o755);
      if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) restore(path.join(p, e));
    };
    if (fs.existsSync(dir)) {
      restore(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  return { dir, cleanup };
}

/**
 * True when the tests run as root, for whom file permissions do not stop writes.
 *
 * @example
 * ```ts
 * it.skipIf(isRoot)("a chmod 0444 file cannot be written", () => {});
 * ```
 */
export const isRoot = process.getuid?.() === 0;
