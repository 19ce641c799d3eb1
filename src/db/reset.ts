import { BOUNDARY_CHANNEL, type Database } from './client.js';
import { loadMigrations, type Migration } from './migrate.js';

const TABLE = /CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi;
const FUNCTION = /CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+([a-z_][a-z0-9_]*)/gi;
const SEQUENCE = /CREATE\s+SEQUENCE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi;

/** What Folio's migrations create, by name: read from the migrations themselves, so a new one is never missed. */
export function folioObjects(migrations: Migration[] = loadMigrations()): { tables: string[]; functions: string[]; sequences: string[] } {
  const names = (re: RegExp) => [...new Set(migrations.flatMap((m) => [...m.sql.matchAll(re)].map((x) => x[1]!.toLowerCase())))].sort();
  return { tables: [...names(TABLE), 'folio_migrations'], functions: names(FUNCTION), sequences: names(SEQUENCE) };
}

/**
 * Drop every table, function and sequence Folio made (and nothing else in the database: another application's
 * tables, and extensions such as pgvector, stay), and tell running servers that everything changed.
 */
export async function resetDatabase(database: Database): Promise<void> {
  const { tables, functions, sequences } = folioObjects();
  const statements = [
    `DROP TABLE IF EXISTS ${tables.join(', ')} CASCADE;`,
    ...functions.map((f) => `DROP FUNCTION IF EXISTS ${f} CASCADE;`),
    `DROP SEQUENCE IF EXISTS ${sequences.join(', ')} CASCADE;`,
  ];
  await database.withSession((s) => s.exec(`BEGIN; ${statements.join(' ')} NOTIFY ${BOUNDARY_CHANNEL}, '*'; COMMIT;`));
}
