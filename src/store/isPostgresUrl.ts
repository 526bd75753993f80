/**
 * Whether `s` is a PostgreSQL connection URL (`postgres://…` or `postgresql://…`), as
 * opposed to a SQLite file path.
 *
 * @example
 * ```ts
 * isPostgresUrl("postgres://postgres@127.0.0.1:5432/tickflow"); // true
 * isPostgresUrl("./data/tickflow.db"); // false
 * ```
 */
export function isPostgresUrl(s: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(s.trim());
}
