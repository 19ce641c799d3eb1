/**
 * All SQL of the chat feature: conversations and their messages. Messages are
 * shown and replayed only when the position they were written at is visible
 * to the reader now (`visibleTo`, from the progress row), so after a progress
 * reset, later messages disappear from both.
 */

import type { SQL } from 'drizzle-orm';
import { and, eq, sql } from 'drizzle-orm';
import type { Citation, MessageStatus } from '../contract/index.js';
import { type Db, queryRows } from '../db/client.js';
import { conversations, messages, series } from '../db/schema.js';
import { type ChunkHit, fullTextSql, PAGE_TEXT, pageChunksSql, recapSql, vectorPlan, vectorSql, withVectorPlan } from '../retrieval/queries.js';
import { markNamed, mergeHits, recapPages } from '../retrieval/retriever.js';
import { type Route, type RouteEpisodes, routeQuestion } from '../retrieval/route.js';
import { entityVisible, episodeEnd, type Position, type ReaderScope, readerPosition, visibleTo } from '../spoilers/index.js';

export async function seriesTitle(db: Db, seriesId: string): Promise<string | null> {
  const rows = await db.select({ title: series.title }).from(series).where(eq(series.id, seriesId));
  return rows[0]?.title ?? null;
}

export interface TurnContextArgs {
  readerId: string;
  seriesId: string;
  conversationId: string;
  /** Client id of the question (history stops before it when it is already stored: a regenerate). */
  questionId: string;
  /** `websearch_to_tsquery` text, or null when the question has no searchable word. */
  webSearch: string | null;
  /** The question, for its route (retrieval/route.ts); without it, the route is read from the search words. */
  question?: string;
  /** Pages in view, or null for the position's page. */
  viewing: Position[] | null;
  queryVector: { model: string; vector: number[] } | null;
  historyLimit: number;
  candidates: number;
}

export interface TurnContext {
  /** null: no such series. */
  title: string | null;
  position: Position | null;
  /** Where the reader's current episode ends (spoilers episodeEnd): finished from there. */
  episodeEnd: number | null;
  /** The series' language. */
  language: string | null;
  /** The series' content hash: its version, for the spoiler checks' cache (spoilers seriesChecks). */
  contentHash: string | null;
  /** The series of the conversation with this id, null when it is new. */
  conversationSeries: string | null;
  messages: number;
  /** Every entity name and alias of the series, with its kind and whether the reader has reached it. */
  entities: Array<{ slug: string; name: string; kind: string; aliases: string[]; visible: boolean }>;
  history: Array<{ role: 'user' | 'assistant'; text: string }>;
  /** What the question is about (retrieval/route.ts): where the focus candidates come from. */
  route: Route;
  /** Full-text hits: the whole visible series, then the route's focus (and recap pages, `focus` 2). */
  textHits: ChunkHit[];
  /** Nearest chunks: the whole visible series, then the route's focus. */
  vectorHits: ChunkHit[];
  viewHits: ChunkHit[];
  positionHits: ChunkHit[];
}

const jsonRows = (statement: SQL) => sql`(SELECT COALESCE(json_agg(t), '[]'::json) FROM (${statement}) t)`;

/** The episodes a route looks at, as a condition on an episode column (relative to the reader's position). */
function routeEpisodes(scope: ReaderScope, episodes: RouteEpisodes | 'recent', column: SQL): SQL {
  const current = sql`(SELECT rp.episode FROM (${readerPosition(scope)}) rp)`;
  if (typeof episodes === 'object') return sql`${column} = ${episodes.episode}`;
  switch (episodes) {
    case 'current':
      return sql`${column} = ${current}`;
    case 'recent':
      // The current episode, and the one before while the reader is on its first page: a question about
      // "the story so far" there is about what just ended.
      return sql`(${column} = ${current} OR (${column} = (SELECT max(ep.number) FROM episodes ep WHERE ep.series_id = ${scope.seriesId} AND ep.number < ${current})
                  AND (SELECT rp.page FROM (${readerPosition(scope)}) rp) <= ${EPISODE_JUST_STARTED}))`;
    case 'previous':
      return sql`${column} = (SELECT max(ep.number) FROM episodes ep WHERE ep.series_id = ${scope.seriesId} AND ep.number < ${current})`;
    case 'earlier':
      return sql`${column} < ${current}`;
    case 'story':
      // The endings of the latest episodes before this one.
      return sql`${column} IN (SELECT ep.number FROM episodes ep WHERE ep.series_id = ${scope.seriesId} AND ep.number < ${current}
                                ORDER BY ep.number DESC LIMIT ${STORY_RECAP_EPISODES})`;
  }
}

/** How much the route's part of the story counts when choosing candidates: full-text rank × this. */
const TEXT_FOCUS_BOOST = 2;
/** ... and cosine distance − this (vectors of the route's episodes). */
const VECTOR_FOCUS_BOOST = 0.3;

/** Up to this page of an episode (the title strip and the first page), the episode so far includes the previous one. */
const EPISODE_JUST_STARTED = 1;

/** Episodes whose endings a "so far" recap of the whole story uses. */
const STORY_RECAP_EPISODES = 4;

/**
 * Everything a chat turn reads, in one statement: the series, the reader's position, the
 * conversation's owner and length, the entities split by the boundary, the replayable history and
 * the retrieval candidates (full-text, vector, page text). One statement sees one snapshot, so
 * every check of the turn uses one position; and it costs one round trip before the model is asked.
 * With a query vector on a large store it runs in a transaction that enables iterative HNSW scans
 * (retrieval/queries.ts vectorPlan).
 */
export async function turnContext(db: Db, a: TurnContextArgs): Promise<TurnContext> {
  const scope: ReaderScope & { readerId: string } = { readerId: a.readerId, seriesId: a.seriesId };
  const visible = (alias: string) => visibleTo(scope, { episode: sql.raw(`${alias}.episode`), page: sql.raw(`${alias}.page`) });
  const empty = sql`'[]'::json`;
  const plan = a.queryVector ? await vectorPlan(db) : 'exact';
  const question = a.question ?? (a.webSearch ?? '').split(' or ').join(' ');
  const route = routeQuestion(question);
  // The route's candidates: every one of them is still under the boundary (visibleTo in each query).
  const focusEpisodes = route.kind !== 'so_far' && route.episodes !== null ? (route.kind === 'episode' ? 'recent' : route.episodes) : null;
  const mark =
    route.kind === 'entity'
      ? sql`c.source = 'wiki'`
      : focusEpisodes
        ? sql`(${PAGE_TEXT} AND c.page > 0 AND ${routeEpisodes(scope, focusEpisodes, sql`c.episode`)})`
        : undefined;
  // One scan per kind of search: the route's part of the story is a rank boost inside it, not a second scan.
  const vectorBoost = focusEpisodes ? { episodes: (episode: SQL) => routeEpisodes(scope, focusEpisodes, episode), by: VECTOR_FOCUS_BOOST } : undefined;
  // The page in view leads the passages unless the question is about earlier episodes or asks for a recap: then the best passage does.
  const aboutView = route.kind === 'earlier' || route.kind === 'so_far' ? sql`false` : sql`true`;
  // A follow-up searches with the words of the reader's previous question too.
  const previousQuestion = sql`(SELECT m.text FROM messages m
       WHERE m.reader_id = ${a.readerId} AND m.conversation_id = ${a.conversationId} AND m.role = 'user' AND ${visible('m')}
         AND m.id < COALESCE((SELECT x.id FROM messages x WHERE x.reader_id = ${a.readerId} AND x.conversation_id = ${a.conversationId} AND x.client_id = ${a.questionId}), 9223372036854775807)
       ORDER BY m.id DESC LIMIT 1)`;
  const search: SQL | string | null =
    route.kind === 'follow_up'
      ? sql`(${a.webSearch ?? ''} || COALESCE(' or ' || regexp_replace(trim(regexp_replace(${previousQuestion}, '[^[:alnum:]]+', ' ', 'g')), ' +', ' or ', 'g'), ''))`
      : a.webSearch;
  const recap =
    route.kind === 'so_far' && route.episodes !== null
      ? recapSql(scope, routeEpisodes(scope, route.episodes, sql`c.episode`), { lastOnly: route.episodes === 'story', limit: 60 })
      : null;
  const statement = sql`
    SELECT s.title, s.language, s.content_hash AS "contentHash", p.episode, p.page, ${episodeEnd(a.seriesId, sql`p.episode`)} AS "episodeEnd",
      (SELECT c.series_id FROM conversations c WHERE c.reader_id = ${a.readerId} AND c.id = ${a.conversationId}) AS "conversationSeries",
      (SELECT count(*)::int FROM messages m WHERE m.reader_id = ${a.readerId} AND m.conversation_id = ${a.conversationId}) AS messages,
      (SELECT COALESCE(json_agg(json_build_object('slug', e.slug, 'name', e.name, 'kind', e.kind, 'aliases', e.aliases,
                                                 'visible', ${entityVisible(scope, 'e')}) ORDER BY e.episode, e.page, e.name), '[]'::json)
         FROM entities e WHERE e.series_id = ${a.seriesId}) AS entities,
      (SELECT COALESCE(json_agg(json_build_object('role', h.role, 'text', h.text) ORDER BY h.id), '[]'::json) FROM (
          SELECT m.id, m.role, m.text FROM messages m
           WHERE m.reader_id = ${a.readerId} AND m.conversation_id = ${a.conversationId}
             AND m.id < COALESCE((SELECT x.id FROM messages x WHERE x.reader_id = ${a.readerId} AND x.conversation_id = ${a.conversationId} AND x.client_id = ${a.questionId}), 9223372036854775807)
             AND m.status IN ('complete', 'quote', 'guarded', 'declined') AND ${visible('m')}
           ORDER BY m.id DESC LIMIT ${a.historyLimit}) h) AS history,
      ${search ? jsonRows(fullTextSql(scope, search, a.candidates, { mark, boost: TEXT_FOCUS_BOOST })) : empty} AS "textHits",
      ${a.queryVector ? jsonRows(vectorSql(scope, a.queryVector.model, a.queryVector.vector, a.candidates, plan, { mark, boost: vectorBoost })) : empty} AS "vectorHits",
      ${recap ? jsonRows(recap) : empty} AS "recapHits",
      ${jsonRows(pageChunksSql(scope, a.viewing, aboutView, { orPosition: true }))} AS "pageHits"
    FROM (SELECT ${a.seriesId}::text AS id) x
    LEFT JOIN series s ON s.id = x.id
    LEFT JOIN LATERAL (${readerPosition(scope)}) p ON true`;
  type Row = Omit<TurnContext, 'position' | 'route' | 'viewHits' | 'positionHits'> & {
    episode: number | null;
    page: number | null;
    /** The pages in view and the position's page, in one scan (`inView` when the reader sent pages). */
    pageHits: Array<ChunkHit & { inView?: boolean }>;
    recapHits: ChunkHit[];
  };
  const rows = await withVectorPlan(db, plan, (d) => queryRows<Row>(d, statement));
  const { episode, page, recapHits, textHits, vectorHits, pageHits, ...rest } = rows[0]!;
  const pageHit = ({ inView: _inView, ...hit }: ChunkHit & { inView?: boolean }): ChunkHit => hit;
  const viewHits = (a.viewing ? pageHits.filter((h) => h.inView) : pageHits).map(pageHit);
  const positionHits = a.viewing ? pageHits.filter((h) => h.episode === episode && h.page === page).map(pageHit) : [];
  // A who/what question leads with the article of the thing it names (its sections were fetched under the boundary).
  const named = (hits: ChunkHit[]) => (route.kind === 'entity' ? markNamed(hits, question, rest.entities) : hits);
  return {
    ...rest,
    route,
    textHits: named(mergeHits(textHits, recapPages(recapHits, route.episodes === 'story'))),
    vectorHits: named(vectorHits),
    viewHits,
    positionHits,
    position: episode === null || page === null ? null : { episode, page },
  };
}

/** The conversation's series, or null when this reader has no conversation with this id. */
export async function conversationSeries(db: Db, readerId: string, id: string): Promise<string | null> {
  const rows = await db
    .select({ seriesId: conversations.seriesId })
    .from(conversations)
    .where(and(eq(conversations.readerId, readerId), eq(conversations.id, id)));
  return rows[0]?.seriesId ?? null;
}

export interface NewMessage {
  readerId: string;
  conversationId: string;
  /** The conversation is created with this series if it does not exist yet. */
  seriesId: string;
  clientId: string | null;
  role: 'user' | 'assistant';
  text: string;
  position: Position;
  status: string;
  citations?: unknown[];
  suggestions?: string[];
  model?: string | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  ttftMs?: number | null;
  latencyMs?: number | null;
  /** Sentences of the answer the guard withheld. */
  withheld?: number;
}

/**
 * Store a message (creating its conversation if new, in the same statement). A user message whose
 * client id is already stored (the AI SDK's "regenerate") is not stored twice: its id is returned
 * and the answers after it are removed.
 */
export async function insertMessage(db: Db, m: NewMessage): Promise<{ id: number; existed: boolean }> {
  const values = {
    readerId: m.readerId,
    conversationId: m.conversationId,
    clientId: m.clientId,
    role: m.role,
    text: m.text,
    episode: m.position.episode,
    page: m.position.page,
    status: m.status,
    citations: m.citations ?? [],
    suggestions: m.suggestions ?? [],
    model: m.model ?? null,
    inputTokens: m.inputTokens ?? null,
    outputTokens: m.outputTokens ?? null,
    ttftMs: m.ttftMs ?? null,
    latencyMs: m.latencyMs ?? null,
    withheld: m.withheld ?? 0,
  };
  // One round trip: the insert and the conversation's timestamp.
  const [inserted] = await queryRows<{ id: number }>(
    db,
    sql`WITH conv AS (
          INSERT INTO conversations (reader_id, id, series_id) VALUES (${m.readerId}, ${m.conversationId}, ${m.seriesId}) ON CONFLICT DO NOTHING),
        ins AS (
          INSERT INTO messages (reader_id, conversation_id, client_id, role, text, episode, page, status, citations, suggestions, model,
                                input_tokens, output_tokens, ttft_ms, latency_ms, withheld)
          VALUES (${values.readerId}, ${values.conversationId}, ${values.clientId}, ${values.role}, ${values.text}, ${values.episode}, ${values.page},
                  ${values.status}, ${JSON.stringify(values.citations)}::jsonb, ${JSON.stringify(values.suggestions)}::jsonb, ${values.model},
                  ${values.inputTokens}, ${values.outputTokens}, ${values.ttftMs}, ${values.latencyMs}, ${values.withheld})
          ON CONFLICT DO NOTHING
          RETURNING id),
        touch AS (UPDATE conversations SET updated_at = now() WHERE reader_id = ${m.readerId} AND id = ${m.conversationId})
        SELECT id::int AS id FROM ins`,
  );
  if (inserted) return { id: inserted.id, existed: false };
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.readerId, m.readerId), eq(messages.conversationId, m.conversationId), eq(messages.clientId, m.clientId!)));
  await db.execute(sql`DELETE FROM messages WHERE reader_id = ${m.readerId} AND conversation_id = ${m.conversationId} AND id > ${row!.id} AND role = 'assistant'`);
  return { id: row!.id, existed: true };
}

export interface StoredMessage {
  id: number;
  clientId: string | null;
  role: 'user' | 'assistant';
  text: string;
  episode: number;
  page: number;
  /** What the stream's metadata said (the rows are written by conversations.ts TurnStore). */
  status: MessageStatus;
  citations: Citation[];
  suggestions: string[];
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  ttftMs: number | null;
  latencyMs: number | null;
  withheld: number;
  createdAt: string;
}

const messageVisible = (scope: ReaderScope) => visibleTo(scope, { episode: sql`m.episode`, page: sql`m.page` });

/** The visible messages of a conversation, oldest first. */
export async function visibleMessages(db: Db, scope: ReaderScope & { readerId: string }, conversationId: string): Promise<StoredMessage[]> {
  return queryRows<StoredMessage>(
    db,
    sql`SELECT m.id::int AS id, m.client_id AS "clientId", m.role, m.text, m.episode, m.page, m.status, m.citations, m.suggestions, m.model,
               m.input_tokens AS "inputTokens", m.output_tokens AS "outputTokens", m.ttft_ms AS "ttftMs", m.latency_ms AS "latencyMs",
               m.withheld, m.created_at::text AS "createdAt"
          FROM messages m
         WHERE m.reader_id = ${scope.readerId} AND m.conversation_id = ${conversationId} AND ${messageVisible(scope)}
         ORDER BY m.id`,
  );
}

export interface ConversationSummary {
  id: string;
  createdAt: string;
  updatedAt: string;
  firstQuestion: string;
  messages: number;
}

/** This reader's conversations in a series that have at least one visible message, newest first. */
export async function listConversations(db: Db, scope: ReaderScope & { readerId: string }): Promise<ConversationSummary[]> {
  return queryRows<ConversationSummary>(
    db,
    sql`SELECT c.id, c.created_at::text AS "createdAt", c.updated_at::text AS "updatedAt",
               (SELECT m.text FROM messages m
                 WHERE m.reader_id = c.reader_id AND m.conversation_id = c.id AND m.role = 'user' AND ${messageVisible(scope)}
                 ORDER BY m.id LIMIT 1) AS "firstQuestion",
               (SELECT count(*)::int FROM messages m
                 WHERE m.reader_id = c.reader_id AND m.conversation_id = c.id AND ${messageVisible(scope)}) AS messages
          FROM conversations c
         WHERE c.reader_id = ${scope.readerId} AND c.series_id = ${scope.seriesId}
           AND EXISTS (SELECT 1 FROM messages m WHERE m.reader_id = c.reader_id AND m.conversation_id = c.id AND ${messageVisible(scope)})
         ORDER BY c.updated_at DESC, c.id
         LIMIT 200`,
  );
}
