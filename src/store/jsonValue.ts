/**
 * How run values (inputs and outputs) are stored as JSON text, and read back.
 *
 * Plain JSON values are stored as they are. The rest use a tagged fallback form, so
 * that storing never fails and never crashes a run:
 * - `Date` → `{"$date": "<ISO-8601 text>"}`, read back as a `Date`;
 * - `BigInt` → `{"$bigint": "<digits>"}`, read back as a `bigint`;
 * - `Map` / `Set` → `{"$map": [[k, v], …]}` / `{"$set": [v, …]}`, read back as such;
 * - an `Error` → `{"$error": {"name", "message"}}`, read back as that plain object;
 * - a reference back to an enclosing object (a cycle) → `{"$cycle": "<path>"}`;
 * - a function, a symbol or any other value JSON cannot hold →
 *   `{"$unstorable": "<type>", "text": "<short description>"}`, read back as that object.
 * - a plain object whose only key is one of the tags read back above (`$date`, `$bigint`,
 *   `$map`, `$set`, `$object`) → `{"$object": {…}}`, read back as that same plain object
 *   (so a user's own `{"$date": "soon"}` is not mistaken for a Date);
 * - a value or property whose reading throws (a getter, a proxy trap) →
 *   `{"$unstorable": "<type>", "text": "reading it threw: <message>"}`;
 * `undefined` at the top level is stored as SQL NULL and read back as `undefined`.
 */

/** Single keys that `decodeJson` reads as a tag; a user's object with one of them is escaped. */
const TAGS: ReadonlySet<string> = new Set(["$date", "$bigint", "$map", "$set", "$object"]);

/**
 * Encodes a value as JSON text in the fallback form above; `null` for `undefined`.
 *
 * @example
 * ```ts
 * encodeJson({ at: new Date(0), n: 10n }); // '{"at":{"$date":"1970-01-01T00:00:00.000Z"},"n":{"$bigint":"10"}}'
 * ```
 */
export function encodeJson(value: unknown): string | null {
  if (value === undefined) return null;
  return JSON.stringify(toJsonValue(value, []));
}

/**
 * JSON text of a value meant to be plain JSON (a machine snapshot, a journal event):
 * exactly `JSON.stringify` when it can, else the fallback form of `encodeJson`, so a write
 * never fails to encode.
 *
 * @example
 * ```ts
 * stringifySafely({ a: 1 }); // '{"a":1}'
 * stringifySafely({ n: 1n }); // '{"n":{"$bigint":"1"}}'
 * ```
 */
export function stringifySafely(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text;
  } catch {
    // A BigInt or a cycle: the fallback form stores it.
  }
  return encodeJson(value) ?? "null";
}

/**
 * Decodes JSON text written by `encodeJson`; `undefined` for SQL NULL.
 *
 * @example
 * ```ts
 * decodeJson('{"$date":"1970-01-01T00:00:00.000Z"}'); // Date(0)
 * ```
 */
export function decodeJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return undefined;
  return fromJsonValue(JSON.parse(text));
}

function toJsonValue(value: unknown, ancestors: object[]): unknown {
  try {
    return toJsonValueUnguarded(value, ancestors);
  } catch (error) {
    // A proxy trap or a getter that throws: the value cannot be read, so it is not stored.
    return unreadable(typeof value === "function" ? "function" : "object", error);
  }
}

function unreadable(type: string, error: unknown): unknown {
  let text: string;
  try {
    text = error instanceof Error ? error.message : String(error);
  } catch {
    text = "an unprintable value";
  }
  return { $unstorable: type, text: `reading it threw: ${text}` };
}

function toJsonValueUnguarded(value: unknown, ancestors: object[]): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : { $unstorable: "number", text: String(value) };
    case "bigint":
      return { $bigint: value.toString() };
    case "undefined":
      return null;
    case "function":
      return { $unstorable: "function", text: value.name || "anonymous" };
    case "symbol":
      return { $unstorable: "symbol", text: value.toString() };
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.includes(object)) {
    const at = ancestors.indexOf(object);
    return { $cycle: at === 0 ? "$" : `ancestor ${ancestors.length - at} levels up` };
  }
  if (object instanceof Date) {
    return Number.isNaN(object.getTime())
      ? { $unstorable: "date", text: "Invalid Date" }
      : { $date: object.toISOString() };
  }
  if (object instanceof Error) return { $error: { name: object.name, message: object.message } };
  const inner = [...ancestors, object];
  if (object instanceof Map) {
    return {
      $map: [...object].map(([k, v]) => [toJsonValue(k, inner), toJsonValue(v, inner)]),
    };
  }
  if (object instanceof Set) {
    return { $set: [...object].map((v) => toJsonValue(v, inner)) };
  }
  if (Array.isArray(object)) {
    return object.map((item) => toJsonValue(item, inner));
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    let item: unknown;
    try {
      item = (object as Record<string, unknown>)[key];
    } catch (error) {
      setOwn(out, key, unreadable("property", error));
      continue;
    }
    if (item === undefined) continue;
    setOwn(out, key, toJsonValue(item, inner));
  }
  const keys = Object.keys(out);
  if (keys.length === 1 && TAGS.has(keys[0] as string)) return { $object: out };
  return out;
}

/** `out[key] = value`, except that a `__proto__` key stays data instead of setting the prototype. */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function fromJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJsonValue);
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 1) {
    if (typeof object.$date === "string") return new Date(object.$date);
    if (typeof object.$bigint === "string") return BigInt(object.$bigint);
    if (Array.isArray(object.$map)) {
      return new Map(
        (object.$map as unknown[][]).map(([k, v]) => [fromJsonValue(k), fromJsonValue(v)]),
      );
    }
    if (Array.isArray(object.$set)) return new Set(object.$set.map(fromJsonValue));
    const escaped = object.$object;
    if (typeof escaped === "object" && escaped !== null && !Array.isArray(escaped)) {
      const inner = escaped as Record<string, unknown>;
      return Object.fromEntries(Object.keys(inner).map((k) => [k, fromJsonValue(inner[k])]));
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) setOwn(out, key, fromJsonValue(object[key]));
  return out;
}
