/**
 * The labelled questions asked at their positions (issue 16), shared by `bench/answers.ts` (the figures, timed)
 * and `answers.db.test.ts` (the same figures held to thresholds in CI), so both measure the same thing:
 *  - retrieval: the passages a chat turn uses, in order, as chat/companion.ts builds them (the question vector from
 *    the companion's EmbeddingService, then chat/queries.ts turnContext and retrieval/retriever.ts
 *    assemblePassages with the position's page in view), for a reader whose progress is the question's position;
 *  - quote mode: the answer a reader gets with no language model, through the real chat route over HTTP, the
 *    stream folded as the web app folds it; a follow_up asks its history first in the same conversation; a beyond
 *    question is safe when nothing the client received has a forbidden word or an oracle leak.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { Companion } from '../../../src/chat/companion.js';
import { modelRegistryFor } from '../../../src/chat/create.js';
import * as chatq from '../../../src/chat/queries.js';
import { loadConfig } from '../../../src/config/env.js';
import { importPack } from '../../../src/content/importer.js';
import type { AnswerMode } from '../../../src/contract/index.js';
import { answerParts, readFolioStream } from '../../../src/contract/read-stream.js';
import type { Database, Db } from '../../../src/db/client.js';
import { readers } from '../../../src/db/schema.js';
import type { Embedder } from '../../../src/models/types.js';
import { EmbeddingService, embedPending } from '../../../src/retrieval/embeddings.js';
import { assemblePassages, CANDIDATES, pagesInView } from '../../../src/retrieval/retriever.js';
import { toWebSearch } from '../../../src/retrieval/search-query.js';
import { LocalStorage } from '../../../src/storage/local.js';
import { startTestServer, type TestServer } from '../../server.js';
import { findLeaks, receivedText } from '../../spoilers/leaks.js';
import type { Oracle } from '../../spoilers/oracle.js';
import { containsWords, firstGoldRank, isAnswerable, type LabelledQuestion, QUESTION_KINDS, wikiSlugOf } from './labelled.js';

export const SERIES = 'pepper-carrot';
const READER = '66666666-6666-6666-6666-666666666666';
/** What a chat turn replays (chat/companion.ts HISTORY_MESSAGES); it does not change the passages. */
const HISTORY_MESSAGES = 8;

type Log = (message: string) => void;
const at = (p: { episode: number; page: number }) => `${p.episode}/${p.page}`;

/** One question's figures on one database. */
export interface QuestionResult {
  id: string;
  kind: string;
  language: string;
  position: string;
  /** 1-based rank of the first gold passage, null when none was among the passages. */
  rank: number | null;
  /** The passages, in order: `3/2` for page text, `wiki:slug` for a wiki section. */
  passages: string[];
  retrievalMs: number;
  /** False when quote mode was not asked for this question (the test asks a share of them). */
  asked: boolean;
  mode: AnswerMode | null;
  /** Answerable: the answer has every word group. */
  words: boolean | null;
  /** Beyond: forbidden words the client received. */
  forbidden: string[];
  /** Oracle leaks in what the client received (`kind "matched"`). */
  leaks: string[];
  answerMs: number;
  answer: string;
  error?: string;
}

/**
 * An embedder whose vectors are kept on disk by model and text: the same text always gives the same vector, and
 * the corpus's ~750 chunks take minutes on a busy two-core machine, so the second database (and the next run)
 * reads them instead. FOLIO_LABELLED_VECTORS sets the folder.
 */
export class DiskCachedEmbedder implements Embedder {
  readonly id: string;
  /** Texts embedded by the model (not found on disk), for the log. */
  computed = 0;
  private cache: Map<string, number[]> | null = null;
  private readonly file: string;
  constructor(private readonly inner: Embedder) {
    this.id = inner.id;
    const dir = process.env.FOLIO_LABELLED_VECTORS ?? join(tmpdir(), 'folio-labelled-vectors');
    this.file = join(dir, `${inner.id.replace(/[^\w.-]/g, '_')}.json`);
  }
  private async load(): Promise<Map<string, number[]>> {
    if (this.cache) return this.cache;
    let entries: Array<[string, number[]]> = [];
    try {
      entries = JSON.parse(await readFile(this.file, 'utf8')) as Array<[string, number[]]>;
    } catch {
      // No cache yet, or a torn one: start empty.
    }
    this.cache = new Map(entries);
    return this.cache;
  }
  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    const cache = await this.load();
    const key = (t: string) => createHash('sha256').update(t).digest('hex');
    const missing = [...new Set(texts.filter((t) => !cache.has(key(t))))];
    if (missing.length > 0) {
      this.computed += missing.length;
      for (const [i, v] of (await this.inner.embed(missing, signal)).entries()) cache.set(key(missing[i]!), v);
      await mkdir(join(this.file, '..'), { recursive: true });
      // Written whole, then renamed: two test projects may share the file.
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify([...cache]));
      await rename(tmp, this.file);
    }
    return texts.map((t) => cache.get(key(t))!);
  }
}

/** Import the pack into a migrated database, give every chunk a vector, and add the reader whose progress moves. */
export async function prepareCorpus(database: Database, embedder: Embedder, opts: { pack: string; mediaDir: string; log?: Log }): Promise<void> {
  const log = opts.log ?? (() => {});
  let t = performance.now();
  await importPack({ database, storage: new LocalStorage(opts.mediaDir) }, opts.pack);
  log(`imported in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  await embedPending(database.db, embedder, { batchSize: 16, onProgress: (p) => p.done % 160 === 0 && log(`embedding ${p.done}/${p.total}`) });
  log(`vectors stored in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await database.db.execute(sql`ANALYZE`);
  await database.db.insert(readers).values({ id: READER }).onConflictDoNothing();
}

const passageLabel = (p: { source: string; sourceRef: string; episode: number; page: number }): string => {
  const slug = wikiSlugOf(p);
  return slug === null ? `${p.episode}/${p.page}` : `wiki:${slug}`;
};

export interface Retrieved {
  passages: string[];
  rank: number | null;
  ms: number;
}

/** The passages of a chat turn for `q` at its position; `ms` times turnContext + assemblePassages (not the vector). */
export async function retrieve(db: Db, embeddings: EmbeddingService, q: LabelledQuestion, turn: number): Promise<Retrieved> {
  await db.execute(sql`INSERT INTO progress (reader_id, series_id, episode, page) VALUES (${READER}, ${SERIES}, ${q.position.episode}, ${q.position.page})
                       ON CONFLICT (reader_id, series_id) DO UPDATE SET episode = EXCLUDED.episode, page = EXCLUDED.page`);
  const viewing = [q.position];
  // As Companion.prepare: the question's vector first, then one statement.
  const queryVector = await embeddings.queryVector(db, q.question);
  if (!queryVector) throw new Error('no question vector: the vector store is not ready, retrieval would be full-text only');
  const t = performance.now();
  const context = await chatq.turnContext(db, {
    readerId: READER,
    seriesId: SERIES,
    conversationId: `labelled-${turn}`,
    questionId: `q-${turn}`,
    webSearch: toWebSearch(q.question),
    question: q.question,
    viewing,
    queryVector,
    historyLimit: HISTORY_MESSAGES,
    candidates: CANDIDATES,
  });
  const passages = assemblePassages({ text: context.textHits, vector: context.vectorHits, current: pagesInView(context, viewing) });
  const ms = performance.now() - t;
  if (context.position === null || at(context.position) !== at(q.position)) throw new Error(`${q.id}: the turn read position ${JSON.stringify(context.position)}`);
  return { passages: passages.map(passageLabel), rank: firstGoldRank(passages, q.gold), ms };
}

type Prior = Array<{ id: string; role: 'user' | 'assistant'; parts: Array<{ type: 'text'; text: string }> }>;

/** One chat request through the HTTP route, the stream folded as the web app folds it. */
async function ask(server: TestServer, token: string, conversationId: string, prior: Prior, question: string, viewing: Array<{ episode: number; page: number }>) {
  const userMessage = { id: `u${prior.length}`, role: 'user' as const, parts: [{ type: 'text' as const, text: question }] };
  const t = performance.now();
  const res = await server.fetch(`/api/series/${SERIES}/chat`, {
    method: 'POST',
    token,
    json: { id: conversationId, messages: [...prior, userMessage], trigger: 'submit-message', viewing },
  });
  if (res.status !== 200 || !res.headers.get('content-type')?.includes('text/event-stream')) throw new Error(`chat: HTTP ${res.status} ${await res.text()}`);
  const { message, chunks, errorTexts } = await readFolioStream(res.body!);
  const ms = performance.now() - t;
  const a = answerParts(message);
  if (a.error) throw new Error(`chat: ${a.error.code}: ${a.error.message}`);
  if (errorTexts.length) throw new Error(`chat: ${errorTexts[0]}`);
  prior.push(userMessage, { id: message?.id ?? `a${prior.length}`, role: 'assistant', parts: [{ type: 'text', text: a.text }] });
  return { text: a.text, received: receivedText({ text: a.text, chunks }), mode: a.metadata && 'mode' in a.metadata ? (a.metadata.mode as AnswerMode) : null, ms };
}

type Answered = Pick<QuestionResult, 'mode' | 'words' | 'forbidden' | 'leaks' | 'answerMs' | 'answer'>;

/** A new reader at the question's position; the history, then the question, in one conversation. */
async function answer(server: TestServer, oracle: Oracle, q: LabelledQuestion, tag: string): Promise<Answered> {
  const token = await server.newReader();
  const moved = await server.fetch(`/api/series/${SERIES}/progress`, { method: 'POST', token, json: { ...q.position, confirmSkip: true } });
  if (moved.status !== 200) throw new Error(`progress: HTTP ${moved.status} ${await moved.text()}`);
  await moved.body?.cancel();
  const conversation = `qa-${tag}-${q.id}`.replace(/[^\w.:~-]/g, '_');
  const prior: Prior = [];
  const viewing = [q.position];
  for (const h of q.history) await ask(server, token, conversation, prior, h, viewing);
  const a = await ask(server, token, conversation, prior, q.question, viewing);
  return {
    mode: a.mode,
    words: isAnswerable(q) ? containsWords(a.text, q.words) : null,
    forbidden: q.forbidden.filter((w) => containsWords(a.received, [[w]])),
    leaks: findLeaks(oracle, a.received, q.position, { question: [...q.history, q.question].join('\n') }).map((l) => `${l.kind} ${JSON.stringify(l.matched)}`),
    answerMs: a.ms,
    answer: a.text,
  };
}

export interface EvaluateOptions {
  embedder: Embedder;
  oracle: Oracle;
  questions: LabelledQuestion[];
  /** For the media the app serves (the pack's images); the caller removes it. */
  mediaDir: string;
  /** Which questions are also asked in quote mode over HTTP (default: all). */
  quote?: (q: LabelledQuestion, index: number) => boolean;
  /** Quote-mode questions asked at once (each has its own reader and conversation); default 1, as timed by the bench. */
  concurrency?: number;
  /** Retrieval turns run first and not counted, so the timings are of a warm database. */
  warmup?: number;
  /** Names the conversations (one per database). */
  tag?: string;
  log?: Log;
}

/** Every question on a database prepared by prepareCorpus: retrieval, then quote mode over HTTP. */
export async function evaluate(database: Database, opts: EvaluateOptions): Promise<QuestionResult[]> {
  const log = opts.log ?? (() => {});
  const logger = pino({ level: 'silent' });
  // No language model: quote mode. The embedder is the caller's (its vectors are in the store).
  const config = loadConfig({ FOLIO_MODEL: 'none', FOLIO_EMBED_MODEL: 'none', FOLIO_CHAT_RATE_PER_READER: '0', FOLIO_CHAT_RATE_PER_IP: '0' }, { cwd: opts.mediaDir });
  const companion = new Companion({ logger, models: modelRegistryFor(config, logger), embeddings: new EmbeddingService(opts.embedder, logger), limits: config.chat });
  let server: TestServer | null = null;
  try {
    server = await startTestServer(database, { companion, mediaDir: opts.mediaDir, logger });
    const { questions } = opts;
    log(`retrieval for ${questions.length} questions`);
    for (let i = 0; i < (opts.warmup ?? 0); i++) await retrieve(database.db, companion.deps.embeddings, questions[i % questions.length]!, -1 - i);
    const retrieved: Retrieved[] = [];
    for (const [i, q] of questions.entries()) retrieved.push(await retrieve(database.db, companion.deps.embeddings, q, i));

    const quote = opts.quote ?? (() => true);
    log(`quote-mode answers over HTTP for ${questions.filter(quote).length} questions`);
    const results: QuestionResult[] = new Array(questions.length);
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < questions.length; i = next++) {
        const q = questions[i]!;
        const r = retrieved[i]!;
        const base = { id: q.id, kind: q.kind, language: q.language, position: at(q.position), rank: r.rank, passages: r.passages, retrievalMs: r.ms };
        const none = { mode: null, forbidden: [], leaks: [], answerMs: Number.NaN, answer: '' };
        if (!quote(q, i)) results[i] = { ...base, ...none, asked: false, words: null };
        else {
          try {
            results[i] = { ...base, asked: true, ...(await answer(server!, opts.oracle, q, opts.tag ?? 'db')) };
          } catch (err) {
            results[i] = { ...base, ...none, asked: true, words: isAnswerable(q) ? false : null, error: (err as Error).message };
          }
        }
        if (++done % 50 === 0) log(`${done}/${questions.length} done`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, worker));
    return results;
  } finally {
    await server?.close();
    await companion.close();
  }
}

/** The groups of the breakdown: every answerable kind, and the French questions across kinds. */
export const GROUPS = [...QUESTION_KINDS.filter((k) => k !== 'beyond'), 'fr'] as const;
const inGroup = (r: QuestionResult, g: (typeof GROUPS)[number]) => (g === 'fr' ? r.language === 'fr' : r.kind === g);

export interface Breakdown {
  n: number;
  recallAt5: number;
  mrr: number;
  /** Of the questions asked in quote mode. */
  words: number;
}

/** Recall@5 and MRR of answerable results, and the share of quote-mode answers with the required words. */
export function summarise(results: QuestionResult[]): Breakdown {
  const n = results.length;
  const mean = (rs: QuestionResult[], f: (r: QuestionResult) => number) => (rs.length ? rs.reduce((s, r) => s + f(r), 0) / rs.length : Number.NaN);
  return {
    n,
    recallAt5: mean(results, (r) => (r.rank !== null && r.rank <= 5 ? 1 : 0)),
    mrr: mean(results, (r) => (r.rank ? 1 / r.rank : 0)),
    words: mean(
      results.filter((r) => r.asked),
      (r) => (r.words ? 1 : 0),
    ),
  };
}

export function byGroup(answerable: QuestionResult[]): Record<string, Breakdown> {
  return Object.fromEntries(GROUPS.map((g) => [g, summarise(answerable.filter((r) => inGroup(r, g)))]).filter(([, b]) => (b as Breakdown).n > 0));
}

/** A beyond question is safe when nothing received had a forbidden word or a leak, and the request did not fail. */
export const unsafe = (r: QuestionResult) => r.asked && (Boolean(r.error) || r.forbidden.length > 0 || r.leaks.length > 0);

/** The headline figures of one database's results. */
export function figures(results: QuestionResult[]) {
  const answerable = results.filter((r) => r.kind !== 'beyond');
  const beyond = results.filter((r) => r.kind === 'beyond' && r.asked);
  const all = summarise(answerable);
  return {
    answerable: answerable.length,
    quoted: answerable.filter((r) => r.asked).length,
    beyond: beyond.length,
    recallAt5: all.recallAt5,
    mrr: all.mrr,
    quoteWords: all.words,
    beyondSafe: beyond.length ? beyond.filter((r) => !unsafe(r)).length / beyond.length : Number.NaN,
    failed: results.filter((r) => r.error),
    unsafe: beyond.filter(unsafe),
  };
}
