import { InvalidTagQuery } from "./errors.js";

/**
 * A compiled tag expression: true when a set of tags satisfies it.
 *
 * @example
 * ```ts
 * const matches: TagPredicate = compileTagQuery("etl & ~slow");
 * matches(new Set(["etl"])); // true
 * ```
 */
export type TagPredicate = (tags: ReadonlySet<string>) => boolean;

const TAG = /[A-Za-z0-9_.:-]/;

/**
 * Compiles a tag expression: tags joined by `&` (and), `|` (or), `~` (not) and
 * parentheses; `&` binds tighter than `|`. Throws `InvalidTagQuery` with the position.
 *
 * @example
 * ```ts
 * compileTagQuery("(daily | hourly) & ~experimental");
 * ```
 */
export function compileTagQuery(query: string): TagPredicate {
  let at = 0;
  const fail = (reason: string): never => {
    throw new InvalidTagQuery({ query, position: at, reason });
  };
  const skipSpace = () => {
    while (at < query.length && query[at] === " ") at++;
  };
  const peek = () => {
    skipSpace();
    return query[at];
  };
  const parseOr = (): TagPredicate => {
    let left = parseAnd();
    while (peek() === "|") {
      at++;
      const l = left;
      const r = parseAnd();
      left = (tags) => l(tags) || r(tags);
    }
    return left;
  };
  const parseAnd = (): TagPredicate => {
    let left = parseUnary();
    while (peek() === "&") {
      at++;
      const l = left;
      const r = parseUnary();
      left = (tags) => l(tags) && r(tags);
    }
    return left;
  };
  const parseUnary = (): TagPredicate => {
    const c = peek();
    if (c === "~") {
      at++;
      const inner = parseUnary();
      return (tags) => !inner(tags);
    }
    if (c === "(") {
      at++;
      const inner = parseOr();
      if (peek() !== ")") fail("a ')' is missing");
      at++;
      return inner;
    }
    const start = at;
    while (at < query.length && TAG.test(query[at] as string)) at++;
    if (at === start) fail(c === undefined ? "a tag is missing at the end" : `unexpected "${c}"`);
    const tag = query.slice(start, at);
    return (tags) => tags.has(tag);
  };
  const predicate = parseOr();
  if (peek() !== undefined) fail(`unexpected "${query[at]}"`);
  return predicate;
}
