/**
 * The embeddings layer: the vectors in the database were made by the model
 * FOLIO_EMBED_MODEL selects (vectors record their model; a mismatch is
 * refused and retrieval falls back to full-text), and a provider model still
 * returns vectors of the stored size.
 */
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { modelRegistryFor } from '../chat/create.js';
import type { Config } from '../config/env.js';
import { type Database, queryRows } from '../db/client.js';
import { type CheckResult, fail, pass, reason, skip, warn } from './types.js';

const LAYER = 'embeddings';

/** `ollama:nomic-embed-text` → `nomic-embed-text`; `local:use-lite-512` → `local` (the FOLIO_EMBED_MODEL value). */
export function embedSetting(modelId: string): string {
  return modelId.startsWith('local:') ? 'local' : modelId.slice(modelId.indexOf(':') + 1);
}

export async function checkEmbeddings(config: Config, database: Database | null): Promise<CheckResult> {
  if (config.model.embedModel === 'none') return skip(LAYER, 'FOLIO_EMBED_MODEL=none');
  if (!database) return skip(LAYER, 'needs the database');
  const [store] = await queryRows<{ ok: boolean }>(database.db, sql`SELECT to_regclass('chunk_vectors') IS NOT NULL AS ok`);
  if (!store!.ok) return skip(LAYER, 'no vector store yet (see pgvector)');
  const registry = modelRegistryFor(config, pino({ level: 'silent' }));
  const id = registry.embedderId!;
  const stored = await queryRows<{ model: string; dims: number; vectors: number }>(
    database.db,
    sql`SELECT model, max(dims)::int AS dims, count(*)::int AS vectors FROM chunk_vectors GROUP BY model ORDER BY model`,
  );
  const [{ chunks }] = (await queryRows<{ chunks: number }>(database.db, sql`SELECT count(*)::int AS chunks FROM chunks`)) as [{ chunks: number }];
  const others = stored.filter((s) => s.model !== id);
  if (others.length > 0) {
    const desc = others.map((o) => `${o.model} (${o.vectors} vectors of ${o.dims} dimensions)`).join(', ');
    return fail(
      LAYER,
      `the stored vectors were made by ${desc}, but FOLIO_EMBED_MODEL selects ${id}: vectors of different models are never mixed, so retrieval is full-text only`,
      `run \`folio embed --replace\` to re-embed every chunk with ${id}, or set FOLIO_EMBED_MODEL=${embedSetting(others[0]!.model)} back.`,
    );
  }
  const mine = stored.find((s) => s.model === id);
  const embedder = registry.embedder()!;
  try {
    // The built-in model is 512-d by construction (and loading it takes seconds): only providers are asked.
    const dims = id.startsWith('local:')
      ? 512
      : (await embedder.embed(['folio doctor'], AbortSignal.timeout(Math.min(config.chat.firstTokenTimeoutMs, 60_000))))[0]?.length;
    if (!dims) return fail(LAYER, `${id} returned no vector`, 'check FOLIO_EMBED_MODEL: it must be an embedding model.');
    if (mine && mine.dims !== dims) {
      return fail(
        LAYER,
        `${id} now returns ${dims}-dimensional vectors, but the stored ones have ${mine.dims}`,
        'the model behind this name changed: run `folio embed --replace`.',
      );
    }
    if (chunks > 0 && !mine)
      return warn(
        LAYER,
        `${id} (${dims} dimensions) works, but none of the ${chunks} text chunks has a vector yet`,
        'run `folio embed` (or POST /api/admin/embeddings); `folio serve` also fills them in the background on first use.',
      );
    return pass(LAYER, `${id}: ${dims} dimensions, ${mine?.vectors ?? 0} of ${chunks} chunks have vectors`);
  } catch (err) {
    return fail(LAYER, `${id} did not make a vector: ${reason(err)}`, 'check that FOLIO_EMBED_MODEL names an embedding model the server has (see the model layer).');
  } finally {
    await registry.close();
  }
}
