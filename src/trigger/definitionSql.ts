/**
 * A trigger defined as data, as stored (`trigger_definitions`): its JSON definition (none
 * once removed), the version of its last change (the sequence of that change's journal
 * row, growing across the database), and who changed it when.
 *
 * @example
 * ```ts
 * for (const d of await store.definitionsSince(0)) console.log(d.name, d.version, d.removedAt);
 * ```
 */
export interface StoredDefinition {
  readonly name: string;
  /** The definition as JSON text; `undefined` once removed. */
  readonly definitionJson: string | undefined;
  readonly version: number;
  /** When it was created, or re-created after a removal (a data trigger is activated then). */
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly changedBy: string | undefined;
  /** When it was removed; `undefined` while it stands. */
  readonly removedAt: Date | undefined;
}

/**
 * One change of a data trigger's definition (`trigger_definition_journal`): what was
 * written, by whom, when. Append only.
 *
 * @example
 * ```ts
 * const [first] = await store.definitionJournal("customer_42");
 * first?.action; // "upsert"
 * ```
 */
export interface DefinitionChange {
  readonly seq: number;
  readonly name: string;
  readonly action: "upsert" | "remove";
  readonly definitionJson: string | undefined;
  readonly changedBy: string | undefined;
  readonly at: Date;
}

/** A `trigger_definitions` row. */
export interface DefinitionRow {
  name: string;
  definition_json: string | null;
  version: number | string;
  created_at: string;
  updated_at: string;
  changed_by: string | null;
  removed_at: string | null;
}

/** A `trigger_definition_journal` row. */
export interface DefinitionChangeRow {
  seq: number | string;
  trigger_name: string;
  action: string;
  definition_json: string | null;
  changed_by: string | null;
  at: string;
}

export const toStoredDefinition = (row: DefinitionRow): StoredDefinition => ({
  name: row.name,
  definitionJson: row.definition_json ?? undefined,
  version: Number(row.version),
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
  changedBy: row.changed_by ?? undefined,
  removedAt: row.removed_at === null ? undefined : new Date(row.removed_at),
});

export const toDefinitionChange = (row: DefinitionChangeRow): DefinitionChange => ({
  seq: Number(row.seq),
  name: row.trigger_name,
  action: row.action === "remove" ? "remove" : "upsert",
  definitionJson: row.definition_json ?? undefined,
  changedBy: row.changed_by ?? undefined,
  at: new Date(row.at),
});

/**
 * The statements of triggers as data, for SQLite (named parameters) and PostgreSQL
 * (positional). A change is two writes in one transaction: the journal row (its `seq`
 * becomes the version) and the definition row. On PostgreSQL the journal is locked
 * first (`lockJournal`), so versions commit in the order they are numbered and a reader
 * that saw version n has seen every version below it.
 */
export const definitionSql = {
  sqlite: {
    insertChange: `INSERT INTO trigger_definition_journal (trigger_name, action, definition_json, changed_by, at)
      VALUES (@name, @action, @json, @by, @at)`,
    upsertDefinition: `INSERT INTO trigger_definitions (name, definition_json, version, created_at, updated_at, changed_by, removed_at)
      VALUES (@name, @json, @version, @at, @at, @by, @removedAt)
      ON CONFLICT (name) DO UPDATE SET definition_json = excluded.definition_json,
        version = excluded.version, updated_at = excluded.updated_at,
        created_at = CASE WHEN trigger_definitions.removed_at IS NULL
          THEN trigger_definitions.created_at ELSE excluded.created_at END,
        changed_by = excluded.changed_by, removed_at = excluded.removed_at`,
    selectSince: "SELECT * FROM trigger_definitions WHERE version > ? ORDER BY version",
    selectJournal: "SELECT * FROM trigger_definition_journal WHERE trigger_name = ? ORDER BY seq",
  },
  pg: {
    lockJournal: "LOCK TABLE trigger_definition_journal IN SHARE ROW EXCLUSIVE MODE",
    insertChange: `INSERT INTO trigger_definition_journal (trigger_name, action, definition_json, changed_by, at)
      VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
    upsertDefinition: `INSERT INTO trigger_definitions (name, definition_json, version, created_at, updated_at, changed_by, removed_at)
      VALUES ($1, $2, $3, $4, $4, $5, $6)
      ON CONFLICT (name) DO UPDATE SET definition_json = excluded.definition_json,
        version = excluded.version, updated_at = excluded.updated_at,
        created_at = CASE WHEN trigger_definitions.removed_at IS NULL
          THEN trigger_definitions.created_at ELSE excluded.created_at END,
        changed_by = excluded.changed_by, removed_at = excluded.removed_at`,
    selectSince: "SELECT * FROM trigger_definitions WHERE version > $1 ORDER BY version",
    selectJournal: "SELECT * FROM trigger_definition_journal WHERE trigger_name = $1 ORDER BY seq",
  },
} as const;

/**
 * What one change writes: the definition JSON (`null` removes it), who and when.
 *
 * @example
 * ```ts
 * const change: DefinitionWrite = { name: "customer_42", json: "{...}", by: "api", at: Date.now() };
 * ```
 */
export interface DefinitionWrite {
  readonly name: string;
  readonly json: string | null;
  readonly by: string | null;
  readonly at: number;
}
