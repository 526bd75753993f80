import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe } from "vitest";
import { redactUrl } from "../../src/store/PgStore.js";

/**
 * The PostgreSQL server the tests use: `TICKFLOW_PG_URL`, or the local one.
 *
 * @example
 * ```ts
 * const store = PgStore.connect(pgUrl, { schema });
 * ```
 */
export const pgUrl: string =
  process.env.TICKFLOW_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

let checked: Promise<string | undefined> | undefined;

/** Why the server cannot be used (one line), or `undefined` when it answers. */
function skipReason(): Promise<string | undefined> {
  checked ??= (async () => {
    const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 2000 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("SELECT 1");
      return undefined;
    } catch (error) {
      const text = error instanceof Error ? error.message || String(error) : String(error);
      const code = (error as { code?: unknown }).code;
      return `${redactUrl(pgUrl)} does not answer (${typeof code === "string" ? `${code}: ` : ""}${text.split("\n")[0]})`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return checked;
}

/**
 * Whether the PostgreSQL server answers (checked once per test file).
 *
 * @example
 * ```ts
 * if (await pgReachable()) { ... }
 * ```
 */
export async function pgReachable(): Promise<boolean> {
  return (await skipReason()) === undefined;
}

/** Why PostgreSQL tests are skipped, or `undefined` when they run. */
export const pgSkipReason: string | undefined = await skipReason();
if (pgSkipReason !== undefined) console.warn(`PostgreSQL tests skipped: ${pgSkipReason}`);

/**
 * `describe` when the server answers, `describe.skip` otherwise.
 *
 * @example
 * ```ts
 * describePg("PgStore", () => { ... });
 * ```
 */
export const describePg = describe.skipIf(pgSkipReason !== undefined);

/**
 * A fresh, randomly named schema for one test file: `url` points connections at it
 * (`options=-c search_path=…`); `drop()` removes it with everything in it.
 *
 * @example
 * ```ts
 * const scratch = await freshSchema();
 * afterAll(() => scratch.drop());
 * ```
 */
export async function freshSchema(create = true): Promise<{
  readonly schema: string;
  readonly url: string;
  readonly drop: () => Promise<void>;
}> {
  const schema = `tickflow_test_${randomBytes(6).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 5000 });
    client.on("error", () => {});
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end().catch(() => {});
    }
  };
  if (create) await admin(`CREATE SCHEMA "${schema}"`);
  const separator = pgUrl.includes("?") ? "&" : "?";
  return {
    schema,
    url: `${pgUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
  };
}
