import { InvalidNsref } from "./errors.js";

const PART = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A parsed nsref: the dotted branch path and the leaf.
 *
 * @example
 * ```ts
 * const ref: Nsref = { branches: ["market", "eu"], leaf: "fetch" };
 * ```
 */
export interface Nsref {
  readonly branches: readonly string[];
  readonly leaf: string;
}

/**
 * Parses `branch(.branch)*:leaf`, each part `[A-Za-z_][A-Za-z0-9_]*`; throws
 * `InvalidNsref` naming the bad part.
 *
 * @example
 * ```ts
 * parseNsref("market.eu:fetch"); // { branches: ["market", "eu"], leaf: "fetch" }
 * ```
 */
export function parseNsref(nsref: string): Nsref {
  const colon = nsref.indexOf(":");
  if (colon === -1) {
    throw new InvalidNsref({ nsref, part: nsref, reason: "no ':' between branch and leaf" });
  }
  if (nsref.indexOf(":", colon + 1) !== -1) {
    throw new InvalidNsref({ nsref, part: nsref.slice(colon + 1), reason: "more than one ':'" });
  }
  const branches = nsref.slice(0, colon).split(".");
  const leaf = nsref.slice(colon + 1);
  for (const branch of branches) {
    if (!PART.test(branch)) {
      throw new InvalidNsref({
        nsref,
        part: branch,
        reason: branch === "" ? "an empty branch" : "a branch that is not an identifier",
      });
    }
  }
  if (!PART.test(leaf)) {
    throw new InvalidNsref({
      nsref,
      part: leaf,
      reason: leaf === "" ? "an empty leaf" : "a leaf that is not an identifier",
    });
  }
  return { branches, leaf };
}
