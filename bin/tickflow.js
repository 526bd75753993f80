#!/usr/bin/env node
// The `tickflow` command. tickflow ships TypeScript sources (no build step), so this
// small JavaScript launcher registers tsx's ESM loader first: the CLI itself, and the
// user's TypeScript module that `tickflow start <module>` imports, then load as is.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
