/**
 * The first place in a value that plain JSON cannot carry faithfully, or `undefined`
 * when JSON carries it all: a BigInt, a function, a symbol, NaN or ±Infinity, a Map or
 * a Set (JSON would store `{}`), or a reference back to an enclosing object (a cycle).
 * Objects with `toJSON` (a Date) are carried by it. `path` names the place from `root`
 * (`payload.items[2].n`); `reason` says what it is and what to pass instead.
 *
 * Payloads are checked with it before anything is recorded: a fire's payload lives in
 * the machine snapshot, the journal and the ledger, which must never fail to encode.
 *
 * @example
 * ```ts
 * jsonProblem({ n: 10n }); // { path: "payload.n", reason: "is a BigInt (10n); …" }
 * jsonProblem({ ok: [1, "a", null] }); // undefined
 * ```
 */
export function jsonProblem(
  value: unknown,
  root = "payload",
): { readonly path: string; readonly reason: string } | undefined {
  return walk(value, root, new Map());
}

type Problem = { readonly path: string; readonly reason: string };

function walk(value: unknown, path: string, ancestors: Map<object, string>): Problem | undefined {
  switch (typeof value) {
    case "bigint":
      return {
        path,
        reason: `is a BigInt (${value}n); JSON has none: pass it as a string or a number`,
      };
    case "function":
    case "symbol":
      return { path, reason: `is a ${typeof value}; JSON cannot hold it` };
    case "number":
      return Number.isFinite(value)
        ? undefined
        : { path, reason: `is ${value}; JSON has no NaN or Infinity` };
    case "object":
      break;
    default:
      return undefined;
  }
  if (value === null) return undefined;
  const seen = ancestors.get(value);
  if (seen !== undefined) {
    return { path, reason: `refers back to ${seen} (a cycle); JSON cannot hold cycles` };
  }
  if (value instanceof Map || value instanceof Set) {
    const kind = value instanceof Map ? "Map" : "Set";
    return {
      path,
      reason: `is a ${kind}; JSON would store it as {}: pass ${kind === "Map" ? "an object" : "an array"}`,
    };
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return undefined;
  ancestors.set(value, path);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = walk(value[i], `${path}[${i}]`, ancestors);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    for (const [key, item] of Object.entries(value)) {
      const problem = walk(
        item,
        /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
        ancestors,
      );
      if (problem !== undefined) return problem;
    }
    return undefined;
  } catch (error) {
    // A getter or a proxy trap that throws: nothing could store it.
    return {
      path,
      reason: `cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    ancestors.delete(value);
  }
}
