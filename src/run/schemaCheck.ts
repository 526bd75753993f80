import * as Effect from "effect/Effect";
import * as Either from "effect/Either";
import * as ParseResult from "effect/ParseResult";
import type * as Schema from "effect/Schema";
import type { SchemaIssue } from "./errors.js";

// Checking a node's input and output against its declared schema, with effect's
// ParseResult (not effect/Schema: the user who declared a schema loaded that already).

/**
 * Decodes `value` with `schema`, or fails with `toError(issues, firstField)`.
 *
 * @example
 * ```ts
 * decode(schema, input, (issues, field) => new InputInvalid({ nodeLabel: "a", field, issues }));
 * ```
 */
export function decode<E>(
  schema: Schema.Schema<any, any, never>,
  value: unknown,
  toError: (issues: readonly SchemaIssue[], field: string) => E,
): Effect.Effect<unknown, E> {
  const result = ParseResult.decodeUnknownEither(schema)(value);
  if (Either.isRight(result)) return Effect.succeed(result.right);
  const issues = issuesOf(result.left);
  return Effect.fail(toError(issues, fieldOf(issues)));
}

/** A parse issue as the flat list tickflow's errors carry. */
export function issuesOf(problem: ParseResult.ParseIssue): SchemaIssue[] {
  return ParseResult.ArrayFormatter.formatIssueSync(problem).map((issue) => ({
    path: issue.path,
    message: issue.message,
  }));
}

/** The dotted path of the first issue (empty for the value itself). */
export function fieldOf(issues: readonly SchemaIssue[]): string {
  return (issues[0]?.path ?? []).map(String).join(".");
}
