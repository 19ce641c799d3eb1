/**
 * Transcripts for the pages of an import that carry no authored text: each
 * distinct image is looked up in the cache (image hash + engine) and only the
 * missing ones are read, with bounded concurrency. Each page is remembered as
 * soon as it is read, so a killed or cancelled import resumes after it. The
 * engine is opened only when there is something to read, and closed after.
 */
import { mapLimit } from '../concurrency.js';
import type { Db } from '../db/client.js';
// Types only: the engine (tesseract.js) loads with the first page to read, not with the importer.
import type { OcrEngine, TextRegion } from './ocr.js';
import { type CachedTranscript, cachedTranscripts, rememberTranscript } from './queries.js';

export interface TranscribeImage {
  /** SHA-256 of the source image bytes: with the engine, the cache key. */
  imageHash: string;
  read(): Promise<Buffer>;
}

export interface TranscribeOptions {
  direction: 'ltr' | 'rtl';
  /** Pages read at once; the engine's own workers bound the CPU. */
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface TranscribeOutcome {
  /** Transcripts by image hash: reused and new. */
  transcripts: Map<string, CachedTranscript>;
  /** The engine's id, stored with each page. */
  engine: string;
  read: number;
  reused: number;
}

/** An engine that is opened on first need: `id` must be known without opening it (the cache key). */
export interface OcrEngineSource {
  readonly id: string;
  open(): Promise<OcrEngine>;
  /** The page text stored for a transcript's regions. */
  text(regions: TextRegion[]): string;
}

export async function transcribePages(db: Db, source: OcrEngineSource, images: TranscribeImage[], opts: TranscribeOptions): Promise<TranscribeOutcome> {
  const distinct = new Map<string, TranscribeImage>();
  for (const p of images) if (!distinct.has(p.imageHash)) distinct.set(p.imageHash, p);
  const transcripts = await cachedTranscripts(db, [...distinct.keys()], source.id);
  const reused = transcripts.size;
  const todo = [...distinct.values()].filter((p) => !transcripts.has(p.imageHash));
  let done = 0;
  opts.onProgress?.(0, todo.length);
  if (todo.length > 0) {
    const engine = await source.open();
    try {
      await mapLimit(todo, opts.concurrency, async (p) => {
        opts.signal?.throwIfAborted();
        const regions = await engine.read(await p.read(), { direction: opts.direction, signal: opts.signal });
        const t: CachedTranscript = { regions, text: source.text(regions) };
        await rememberTranscript(db, p.imageHash, source.id, t);
        transcripts.set(p.imageHash, t);
        opts.onProgress?.(++done, todo.length);
      });
    } finally {
      await engine.close();
    }
  }
  return { transcripts, engine: source.id, read: todo.length, reused };
}
