/**
 * All SQL of backup and restore. Rows travel as the text form of each column
 * (what `::text` prints and `::<type>` reads back), so a backup is the same on
 * PGlite and PostgreSQL and restores into either: jsonb, bytea, arrays,
 * timestamps and pgvector values all round-trip exactly.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';

export interface ColumnInfo {
  name: string;
  /** format_type(): `text`, `jsonb`, `timestamp with time zone`, `vector(512)`, … */
  type: string;
  /** Filled by a sequence (serial): restored values must move the sequence past them. */
  serial: boolean;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  /** Tables this one references (foreign keys), for insert order. */
  dependsOn: string[];
}

/** Folio's tables with their stored (non-generated) columns, in an order that satisfies foreign keys. */
export async function listTables(db: Db): Promise<TableInfo[]> {
  const cols = await queryRows<{ table: string; name: string; type: string; serial: boolean }>(
    db,
    sql`SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
               COALESCE(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false) AS serial
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
          LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
         WHERE c.relkind = 'r'
         ORDER BY c.relname, a.attnum`,
  );
  const deps = await queryRows<{ table: string; ref: string }>(
    db,
    sql`SELECT DISTINCT c.relname AS table, r.relname AS ref
          FROM pg_constraint k
          JOIN pg_class c ON c.oid = k.conrelid
          JOIN pg_class r ON r.oid = k.confrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
         WHERE k.contype = 'f' AND k.conrelid <> k.confrelid`,
  );
  const tables = new Map<string, TableInfo>();
  for (const c of cols) {
    const t = tables.get(c.table) ?? { name: c.table, columns: [], dependsOn: [] };
    t.columns.push({ name: c.name, type: c.type, serial: c.serial });
    tables.set(c.table, t);
  }
  for (const d of deps) tables.get(d.table)?.dependsOn.push(d.ref);
  return topoSort([...tables.values()]);
}

/** Parents before children; ties by name so backups are deterministic. */
export function topoSort(tables: TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: TableInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: TableInfo) => {
    if (state.get(t.name) === 'done') return;
    if (state.get(t.name) === 'visiting') throw new Error(`foreign-key cycle through ${t.name}`);
    state.set(t.name, 'visiting');
    for (const d of [...t.dependsOn].sort()) {
      const dep = byName.get(d);
      if (dep) visit(dep);
    }
    state.set(t.name, 'done');
    out.push(t);
  };
  for (const t of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(t);
  return out;
}

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '""')}"`);

/** Rows as arrays of text (null stays null), `batch` at a time, in a stable order. */
export async function* readRows(db: Db, table: TableInfo, batch = 500): AsyncGenerator<Array<string | null>[]> {
  const list = sql.join(
    table.columns.map((c) => sql`${ident(c.name)}::text`),
    sql`, `,
  );
  // ctid order is stable within one snapshot-free read of a quiet database; offset paging keeps memory flat.
  for (let offset = 0; ; offset += batch) {
    const rows = await queryRows<{ r: Array<string | null> }>(db, sql`SELECT ARRAY[${list}] AS r FROM ${ident(table.name)} ORDER BY 1 LIMIT ${batch} OFFSET ${offset}`);
    if (rows.length === 0) return;
    yield rows.map((x) => x.r);
    if (rows.length < batch) return;
  }
}

export async function countRows(db: Db, table: string): Promise<number> {
  const [r] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM ${ident(table)}`);
  return r?.n ?? 0;
}

/** Insert text-form rows, casting each value back to its column type. */
export async function insertRows(db: Db, table: string, columns: ColumnInfo[], rows: Array<Array<string | null>>): Promise<void> {
  if (rows.length === 0) return;
  const names = sql.join(
    columns.map((c) => ident(c.name)),
    sql`, `,
  );
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${sql.join(
          // Bound as text, then cast: drivers (PGlite) would otherwise try to serialise the value as the target type.
          columns.map((c, i) => sql`${r[i] ?? null}::text::${sql.raw(c.type)}`),
          sql`, `,
        )})`,
    ),
    sql`, `,
  );
  await db.execute(sql`INSERT INTO ${ident(table)} (${names}) VALUES ${values}`);
}

/** Move a serial column's sequence past the restored values. */
export async function resetSequence(db: Db, table: string, column: string): Promise<void> {
  await db.execute(sql`SELECT setval(pg_get_serial_sequence(${table}, ${column}), COALESCE((SELECT max(${ident(column)}) FROM ${ident(table)}), 0) + 1, false)`);
}

export async function truncateAll(db: Db, tables: string[]): Promise<void> {
  if (tables.length === 0) return;
  await db.execute(sql`TRUNCATE ${sql.join(tables.map(ident), sql`, `)} RESTART IDENTITY CASCADE`);
}

/** Readers restored with a token of their own (a backup from before migration 0017) get it as their first device. */
export async function adoptReaderTokens(db: Db): Promise<void> {
  await db.execute(sql`SELECT folio_adopt_reader_tokens()`);
}
