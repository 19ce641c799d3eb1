import { BOUNDARY_CHANNEL, type Database } from './client.js';

/** Folio's tables, children first. */
const TABLES = [
  'progress',
  'readers',
  'series_terms',
  'relationships',
  'entity_descriptions',
  'entities',
  'wiki_sections',
  'wiki_articles',
  'chunks',
  'pages',
  'episodes',
  'series',
  'image_variants',
  'folio_migrations',
];

/** Drop every Folio table (and nothing else in the database), and tell running servers that everything changed. */
export async function resetDatabase(database: Database): Promise<void> {
  await database.withSession((s) => s.exec(`BEGIN; ${TABLES.map((t) => `DROP TABLE IF EXISTS ${t} CASCADE;`).join(' ')} NOTIFY ${BOUNDARY_CHANNEL}, '*'; COMMIT;`));
}
