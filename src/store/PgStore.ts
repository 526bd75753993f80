import type pg from "pg";
import { DatabaseUnreachable, isStoreFailure, StoreError, type StoreFailure } from "./errors.js";
import { loadPg } from "./loadPg.js";
import { pgMigrations } from "./pgMigrations.js";
import { latestSchemaVersion } from "./runMigrations.js";
import { readPgSchemaVersion, runPgMigrations } from "./runPgMigrations.js";

/**
 * How to connect a {@link PgStore}.
 *
 * @example
 * ```ts
 * const options: PgStoreOptions = { max: 4, connectTimeoutMs: 2000, schema: "tickflow" };
 * ```
 */
export interface PgStoreOptions {
  /** Pool size: the most connections this store opens at once. Default 10. */
  readonly max?: number;
  /**
   * How long opening one connection may take before it fails with
   * `DatabaseUnreachable`. Default 5000.
   */
  readonly connectTimeoutMs?: number;
  /**
   * The schema tickflow's tables live in (the connections' `search_path`); created if
   * missing. Lower-case letters, digits and `_`. Default: the server's `search_path`
   * (usually `public`).
   */
  readonly schema?: string;
}

/**
 * Something statements can be sent to: the store itself (each statement its own
 * autocommit), or the transaction handle given to {@link PgStore.transaction}'s body.
 *
 * @example
 * ```ts
 * const rows = await queryable.query<{ run_id: string }>("list runs", "SELECT run_id FROM dag_runs WHERE status = $1", ["running"]);
 * ```
 */
export interface PgQueryable {
  /**
   * Runs one statement with positional parameters (`$1`, `$2`, …) and returns its rows.
   * Fails with the store's typed errors (`DatabaseUnreachable`, `StoreError`).
   */
  query<R = Record<string, unknown>>(
    operation: string,
    sql: string,
    params?: readonly unknown[],
  ): Promise<R[]>;
}

const DEFAULT_MAX = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const codeOf = (value: unknown): string | undefined => {
  const code = (value as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
};

const messageOf = (value: unknown): string => {
  if (value instanceof Error) return value.message;
  try {
    return String(value);
  } catch {
    return "an unprintable error";
  }
};

/**
 * `url` with any password (in the user info, or a `password` parameter) replaced by
 * `***`, for messages and logs.
 *
 * @example
 * ```ts
 * redactUrl("postgres://bob:s3cret@db:5432/app"); // "postgres://bob:***@db:5432/app"
 * ```
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    for (const key of [...parsed.searchParams.keys()]) {
      if (/^(password|sslpassword)$/i.test(key)) parsed.searchParams.set(key, "***");
    }
    return parsed.toString();
  } catch {
    return url
      .replace(/(\/\/[^/@:]*):[^@/]*@/, "$1:***@")
      .replace(/([?&](?:ssl)?password=)[^&]*/gi, "$1***");
  }
}

/** Host, port and database a URL names, with libpq's defaults for what it leaves out. */
function targetOf(url: string): { host: string; port: number; database: string } {
  const env = process.env;
  try {
    const parsed = new URL(url);
    const user = decodeURIComponent(parsed.username) || env.PGUSER || env.USER || "postgres";
    const database =
      decodeURIComponent(parsed.pathname.replace(/^\//, "")) ||
      parsed.searchParams.get("dbname") ||
      env.PGDATABASE ||
      user;
    const host =
      decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, "$1") ||
      parsed.searchParams.get("host") ||
      env.PGHOST ||
      "localhost";
    const port = Number(parsed.port || parsed.searchParams.get("port") || env.PGPORT || 5432);
    return { host, port: Number.isFinite(port) ? port : 5432, database };
  } catch {
    return { host: "(unparseable URL)", port: 5432, database: "(unknown)" };
  }
}

/** SQLSTATEs that mean "the database is away or turned us away", not "bad statement". */
const UNREACHABLE_SQLSTATES = new Set([
  "28P01",
  "28000",
  "3D000",
  "53300",
  "57P01",
  "57P02",
  "57P03",
]);

/**
 * Why `cause` means the database cannot be reached, as a short text; `undefined` when it
 * is some other failure (a bad statement, a constraint).
 */
function unreachableReason(cause: unknown, connectTimeoutMs: number): string | undefined {
  const code = codeOf(cause);
  const message = messageOf(cause);
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (ECONNREFUSED)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `unknown host (${code})`;
    case "ETIMEDOUT":
      return "connection timed out (ETIMEDOUT)";
    case "ECONNRESET":
      return "connection reset (ECONNRESET)";
    case "EPIPE":
    case "ECONNABORTED":
      return `connection lost (${code})`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
      return `host unreachable (${code})`;
  }
  if (code !== undefined && (UNREACHABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) {
    return `${message} (${code})`;
  }
  if (/timeout/i.test(message) && /connect/i.test(message)) {
    return `connection timed out after ${connectTimeoutMs} ms`;
  }
  if (/Connection terminated|not queryable|connection is closed|Client was closed/i.test(message)) {
    return `connection lost: ${message}`;
  }
  // Node's happy-eyeballs connect (localhost → ::1 and 127.0.0.1) fails with an
  // AggregateError whose parts carry the codes.
  if (cause instanceof AggregateError) {
    for (const part of cause.errors) {
      const reason = unreachableReason(part, connectTimeoutMs);
      if (reason !== undefined) return reason;
    }
  }
  return undefined;
}

/** Where a store points, for its errors. */
interface Target {
  readonly location: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly connectTimeoutMs: number;
}

/**
 * Maps a failure met while doing `operation` on a PostgreSQL store to the store's typed
 * error: `DatabaseUnreachable` when the server is away or refuses the connection (or it
 * was lost mid-statement), `StoreError` for anything else. A store error is returned
 * unchanged.
 *
 * @example
 * ```ts
 * throw toPgStoreError(store, "record run", cause);
 * ```
 */
export function toPgStoreError(target: Target, operation: string, cause: unknown): StoreFailure {
  if (isStoreFailure(cause)) return cause;
  const reason = unreachableReason(cause, target.connectTimeoutMs);
  if (reason !== undefined) {
    return new DatabaseUnreachable({
      location: target.location,
      host: target.host,
      port: target.port,
      database: target.database,
      reason,
      cause,
    });
  }
  return new StoreError({ operation, path: target.location, cause });
}

/**
 * The one owner of a tickflow PostgreSQL database: the connection pool, the numbered
 * migrations (`pgMigrations.ts`), transactions. Every failure is one of the store's typed
 * errors; the server going away is `DatabaseUnreachable`, never a crash: the pool opens
 * new connections once it is back.
 *
 * @example
 * ```ts
 * const store = PgStore.connect("postgres://postgres@127.0.0.1:5432/tickflow");
 * await store.transaction("record run", async (tx) => {
 *   await tx.query("insert run", "INSERT INTO dag_runs (run_id, status, started_at) VALUES ($1, $2, $3)", [
 *     "run-1",
 *     "running",
 *     new Date().toISOString(),
 *   ]);
 * });
 * await store.close();
 * ```
 */
export class PgStore implements PgQueryable, Target {
  /**
   * Transactions committed through {@link PgStore.transaction} since the store was
   * connected (migrations are not counted; a lone {@link PgStore.query} is not either).
   * Benchmarks read it, and may reset it.
   */
  commitCount = 0;
  /** The connection URL with any password replaced by `***`. */
  readonly location: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** The schema given in the options, if any. */
  readonly schema: string | undefined;
  readonly connectTimeoutMs: number;

  /** The pool's settings; the pool itself is made on first use, after `pg` is loaded. */
  readonly #poolConfig: pg.PoolConfig;
  #pool: Promise<pg.Pool> | undefined;
  readonly #max: number;
  #ready: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  /** Connections handed out by this store, and those waiting for one (FIFO). */
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  private constructor(
    poolConfig: pg.PoolConfig,
    url: string,
    max: number,
    connectTimeoutMs: number,
    schema?: string,
  ) {
    this.#poolConfig = poolConfig;
    this.#max = max;
    this.location = redactUrl(url);
    const target = targetOf(url);
    this.host = target.host;
    this.port = target.port;
    this.database = target.database;
    this.schema = schema;
    this.connectTimeoutMs = connectTimeoutMs;
  }

  /**
   * Creates the store and its pool; connects lazily (the first {@link PgStore.ready},
   * query or transaction connects and migrates). Throws a `RangeError` for bad options.
   *
   * @example
   * ```ts
   * const store = PgStore.connect(process.env.TICKFLOW_PG_URL!, { max: 4 });
   * await store.ready();
   * ```
   */
  static connect(url: string, options: PgStoreOptions = {}): PgStore {
    const max = options.max ?? DEFAULT_MAX;
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`max must be a whole number ≥ 1, got ${max}`);
    }
    if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 0) {
      throw new RangeError(`connectTimeoutMs must be a whole number ≥ 0, got ${connectTimeoutMs}`);
    }
    const schema = options.schema;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new RangeError(
        `schema must be lower-case letters, digits and _ (not starting with a digit, at most 63), got ${JSON.stringify(schema)}`,
      );
    }
    const poolConfig: pg.PoolConfig = {
      connectionString: url,
      max,
      connectionTimeoutMillis: connectTimeoutMs,
      application_name: "tickflow",
      // Notice a peer that vanished (no FIN) on idle and checked-out connections.
      keepAlive: true,
      ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    };
    return new PgStore(poolConfig, url, max, connectTimeoutMs, schema);
  }

  /**
   * The highest schema version this tickflow knows (its last PostgreSQL migration).
   *
   * @example
   * ```ts
   * PgStore.supportedSchemaVersion; // 6
   * ```
   */
  static get supportedSchemaVersion(): number {
    return latestSchemaVersion(pgMigrations);
  }

  /**
   * Connects and brings the schema up to date, once (memoized; a failure is not
   * remembered, so a later call tries again). Fails with `DatabaseUnreachable`,
   * `SchemaTooNew` (nothing changed) or `StoreError`.
   *
   * @example
   * ```ts
   * await store.ready();
   * ```
   */
  ready(): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closedError("connect"));
    if (this.#ready === undefined) {
      const attempt = this.#migrate();
      this.#ready = attempt;
      attempt.catch(() => {
        if (this.#ready === attempt) this.#ready = undefined;
      });
    }
    return this.#ready;
  }

  /**
   * The schema version recorded in the database now (0 for an empty one); does not
   * migrate.
   *
   * @example
   * ```ts
   * await store.schemaVersionNow(); // 5 after ready()
   * ```
   */
  async schemaVersionNow(): Promise<number> {
    if (this.#closed !== undefined) throw this.#closedError("read schema version");
    const client = await this.#checkout("read schema version");
    try {
      return await readPgSchemaVersion(client);
    } catch (cause) {
      throw this.#fail("read schema version", cause);
    } finally {
      this.#checkin(client, undefined);
    }
  }

  /**
   * Runs one statement on its own (an autocommit) after {@link PgStore.ready}.
   *
   * @example
   * ```ts
   * const runs = await store.query<{ run_id: string }>("list runs", "SELECT run_id FROM dag_runs");
   * ```
   */
  async query<R = Record<string, unknown>>(
    operation: string,
    sql: string,
    params?: readonly unknown[],
  ): Promise<R[]> {
    if (this.#closed !== undefined) throw this.#closedError(operation);
    await this.ready();
    await this.#slot();
    try {
      const pool = await this.#poolNow();
      const result = await pool.query(sql, params === undefined ? undefined : [...params]);
      return result.rows as R[];
    } catch (cause) {
      throw this.#fail(operation, cause);
    } finally {
      this.#freeSlot();
    }
  }

  /**
   * Runs `f` inside `BEGIN … COMMIT` on one pooled connection and returns its result;
   * if `f` throws, everything it wrote is rolled back and its error is rethrown as it
   * is (a typed store error from `tx.query`, or your own). Failures of BEGIN and COMMIT
   * become the store's typed errors. Each commit counts in {@link PgStore.commitCount}.
   *
   * @example
   * ```ts
   * await store.transaction("finish run", (tx) =>
   *   tx.query("finish run", "UPDATE dag_runs SET status = $1 WHERE run_id = $2", ["completed", "run-1"]),
   * );
   * ```
   */
  async transaction<T>(operation: string, f: (tx: PgQueryable) => Promise<T>): Promise<T> {
    if (this.#closed !== undefined) throw this.#closedError(operation);
    await this.ready();
    const client = await this.#checkout(operation);
    let broken: Error | undefined;
    // A connection lost between statements emits "error" on the checked-out client.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on("error", onError);
    const tx: PgQueryable = {
      query: async <R>(op: string, sql: string, params?: readonly unknown[]) => {
        try {
          const result = await client.query(sql, params === undefined ? undefined : [...params]);
          return result.rows as R[];
        } catch (cause) {
          throw this.#fail(op, cause);
        }
      },
    };
    try {
      try {
        await client.query("BEGIN");
      } catch (cause) {
        throw this.#fail(operation, cause);
      }
      const result = await f(tx);
      try {
        await client.query("COMMIT");
      } catch (cause) {
        throw this.#fail(operation, cause);
      }
      this.commitCount += 1;
      return result;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        broken ??=
          rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw error;
    } finally {
      client.off("error", onError);
      // A broken connection is destroyed instead of going back to the pool.
      this.#checkin(client, broken);
    }
  }

  /**
   * Ends the pool (waits for connections in use to be released). Safe to call twice.
   *
   * @example
   * ```ts
   * await store.close();
   * ```
   */
  close(): Promise<void> {
    // A pool never made (pg never loaded) has nothing to end.
    this.#closed ??= (this.#pool ?? Promise.resolve(undefined))
      .then((pool) => pool?.end())
      .catch(() => {});
    return this.#closed;
  }

  /** Whether {@link PgStore.close} was called. */
  get isClosed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * A connection of the pool, taken under this store's own FIFO limit of `max`: the
   * pool then never makes a caller wait for a free connection, so its connect timeout
   * only ever measures opening a connection (a burst of writes queues here instead of
   * failing as "unreachable"). Give it back with {@link PgStore.#checkin}.
   */
  async #checkout(operation: string): Promise<pg.PoolClient> {
    await this.#slot();
    try {
      const client = await (await this.#poolNow()).connect();
      // A connection lost between two statements emits "error" on the client; unheard,
      // Node would crash the process. The next statement fails with it instead.
      client.on("error", ignore);
      return client;
    } catch (cause) {
      this.#freeSlot();
      throw this.#fail(operation, cause);
    }
  }

  #checkin(client: pg.PoolClient, broken: Error | undefined): void {
    client.off("error", ignore);
    client.release(broken);
    this.#freeSlot();
  }

  /** The pool, made on first use: `pg` is an optional peer, loaded only here. */
  #poolNow(): Promise<pg.Pool> {
    if (this.#pool === undefined) {
      const made = loadPg(this.location).then(({ Pool }) => {
        const pool = new Pool(this.#poolConfig);
        // An idle connection whose server went away emits "error": the pool drops it and
        // opens a new one when next needed. Without a listener Node would crash the process.
        pool.on("error", () => {});
        return pool;
      });
      // A missing package is not remembered: installing it is enough to try again.
      made.catch(() => {
        if (this.#pool === made) this.#pool = undefined;
      });
      this.#pool = made;
    }
    return this.#pool;
  }

  #slot(): Promise<void> {
    if (this.#active < this.#max) {
      this.#active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #freeSlot(): void {
    const next = this.#waiting.shift();
    // The slot passes straight to the next waiter.
    if (next !== undefined) next();
    else this.#active -= 1;
  }

  /** Brings the schema up to date over this store's connections (see runPgMigrations.ts). */
  #migrate(): Promise<void> {
    return runPgMigrations({
      location: this.location,
      schema: this.schema,
      checkout: (operation) => this.#checkout(operation),
      checkin: (client, broken) => this.#checkin(client, broken),
      fail: (operation, cause) => this.#fail(operation, cause),
    });
  }

  #fail(operation: string, cause: unknown): StoreFailure {
    return toPgStoreError(this, operation, cause);
  }

  #closedError(operation: string): StoreError {
    return new StoreError({
      operation,
      path: this.location,
      cause: new Error("the store is closed; connect a new PgStore"),
    });
  }
}

const ignore = (): void => {};
