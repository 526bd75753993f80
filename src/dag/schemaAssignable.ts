import type * as Schema from "effect/Schema";
import * as SchemaAST from "effect/SchemaAST";

/**
 * Says why a value of the `from` schema's type can NOT be decoded by the `to` schema,
 * or `undefined` when it can (or when it cannot be told statically: declarations,
 * recursive schemas and template literals are given the benefit of the doubt).
 * The output of an upstream is a decoded value, the input of a downstream is decoded
 * again: so the type side of `from` meets the encoded side of `to`.
 *
 * @example
 * ```ts
 * schemaMismatch(Schema.String, Schema.Number); // "string is not number"
 * schemaMismatch(Schema.Struct({ a: Schema.Number }), Schema.Struct({})); // undefined
 * ```
 */
export function schemaMismatch(
  from: Schema.Schema<any, any, never>,
  to: Schema.Schema<any, any, never>,
): string | undefined {
  return mismatch(SchemaAST.typeAST(from.ast), SchemaAST.encodedAST(to.ast), "");
}

const where = (path: string) => (path === "" ? "" : ` at ${path}`);

function mismatch(from: SchemaAST.AST, to: SchemaAST.AST, path: string): string | undefined {
  // Refinements narrow the value; the structure underneath decides compatibility.
  if (SchemaAST.isRefinement(from)) return mismatch(from.from, to, path);
  if (SchemaAST.isRefinement(to)) return mismatch(from, to.from, path);
  if (
    SchemaAST.isUnknownKeyword(to) ||
    SchemaAST.isAnyKeyword(to) ||
    SchemaAST.isAnyKeyword(from) ||
    SchemaAST.isDeclaration(from) ||
    SchemaAST.isDeclaration(to) ||
    SchemaAST.isSuspend(from) ||
    SchemaAST.isSuspend(to) ||
    SchemaAST.isTemplateLiteral(to) ||
    SchemaAST.isTransformation(from) ||
    SchemaAST.isTransformation(to)
  ) {
    return undefined;
  }
  if (SchemaAST.isUnion(from)) {
    for (const member of from.types) {
      const reason = mismatch(member, to, path);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }
  if (SchemaAST.isUnion(to)) {
    const fits = to.types.some((member) => mismatch(from, member, path) === undefined);
    return fits ? undefined : `${describe(from)} fits no member of ${describe(to)}${where(path)}`;
  }
  if (SchemaAST.isLiteral(from)) {
    if (SchemaAST.isLiteral(to)) {
      return from.literal === to.literal
        ? undefined
        : `${describe(from)} is not ${describe(to)}${where(path)}`;
    }
    return keywordOf(from.literal) === to._tag
      ? undefined
      : `${describe(from)} is not ${describe(to)}${where(path)}`;
  }
  if (SchemaAST.isTypeLiteral(from) && SchemaAST.isTypeLiteral(to)) {
    for (const target of to.propertySignatures) {
      const key = String(target.name);
      const source = from.propertySignatures.find((p) => p.name === target.name);
      const at = path === "" ? key : `${path}.${key}`;
      if (source === undefined) {
        if (target.isOptional || from.indexSignatures.length > 0) continue;
        return `field "${at}" is required but not produced`;
      }
      const reason = mismatch(source.type, target.type, at);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }
  if (SchemaAST.isTupleType(from) && SchemaAST.isTupleType(to)) {
    const fromRest = from.rest[0]?.type;
    const toRest = to.rest[0]?.type;
    if (fromRest !== undefined && toRest !== undefined) {
      return mismatch(fromRest, toRest, `${path}[]`);
    }
    return undefined;
  }
  if (from._tag !== to._tag) {
    return `${describe(from)} is not ${describe(to)}${where(path)}`;
  }
  return undefined;
}

function keywordOf(literal: SchemaAST.LiteralValue): SchemaAST.AST["_tag"] {
  switch (typeof literal) {
    case "string":
      return "StringKeyword";
    case "number":
      return "NumberKeyword";
    case "boolean":
      return "BooleanKeyword";
    case "bigint":
      return "BigIntKeyword";
    default:
      return "Literal";
  }
}

function describe(ast: SchemaAST.AST): string {
  return String(ast);
}
