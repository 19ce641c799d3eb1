/** All SQL of the vision feature: the description cache by source image and model. */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { visionDescriptions } from '../db/schema.js';

/** Stored descriptions of these images by this model, by image hash. */
export async function cachedDescriptions(db: Db, imageHashes: string[], model: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < imageHashes.length; i += 500) {
    const rows = await db
      .select({ hash: visionDescriptions.imageHash, text: visionDescriptions.text })
      .from(visionDescriptions)
      .where(and(eq(visionDescriptions.model, model), inArray(visionDescriptions.imageHash, imageHashes.slice(i, i + 500))));
    for (const r of rows) out.set(r.hash, r.text);
  }
  return out;
}

/** Remember one description at once, so a crashed or cancelled import keeps what it already paid for. */
export async function rememberDescription(db: Db, imageHash: string, model: string, text: string): Promise<void> {
  await db
    .insert(visionDescriptions)
    .values({ imageHash, model, text })
    .onConflictDoUpdate({ target: [visionDescriptions.imageHash, visionDescriptions.model], set: { text } });
}
