/**
 * What the MCP tools do, as plain functions of (deps, reader, arguments). The
 * reader comes from the bearer token; the position is always the reader's
 * progress row, read by the same services the web app uses. No tool takes a
 * position or a reader id: the schemas do not have them, and anything extra
 * in a call is dropped before it reaches here.
 */
import type { AnswerEvent } from '../answer/engine.js';
import { listLibrary, seriesDetail } from '../catalog/catalog.js';
import type { Citation } from '../chat/citations.js';
import type { Companion } from '../chat/companion.js';
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import { prepareRecap, recapAnswer } from '../recap/recap.js';
import type { RecapScope } from '../recap/sources.js';
import { search } from '../search/search.js';
import type { Storage } from '../storage/storage.js';
import { withReaderView } from '../world/view.js';
import { worldGraph, worldNode } from '../world/world.js';

export interface ToolDeps {
  db: Db;
  storage: Storage;
  companion: Companion | undefined;
  /** Absolute origin of the web reader, for links (`https://folio.example.com`). */
  webOrigin: string;
  /** The HTTP request's signal: aborted when the client closes the connection (or at shutdown). */
  signal: AbortSignal;
  /** The rate limit's verdict on a `tools/call` (http/rate-limit.ts), by its JSON-RPC id: the error to answer with, or null. */
  refusal: (requestId: string | number) => FolioError | null;
}

export interface ToolOutput {
  text: string;
  structured: Record<string, unknown>;
}

const link = (deps: ToolDeps, path: string) => `${deps.webOrigin}${path}`;

export async function listSeriesTool(deps: ToolDeps, readerId: string): Promise<ToolOutput> {
  const { series } = await listLibrary(deps.db, deps.storage, readerId);
  const items = series.map((s) => ({
    seriesId: s.id,
    title: s.title,
    episodes: s.episodeCount,
    position: s.progress,
    license: s.license,
    attribution: s.attribution,
    link: link(deps, s.progress ? `/read/${s.id}/${s.progress.episode}/${s.progress.page}` : `/series/${s.id}`),
  }));
  const text =
    items.length === 0
      ? 'There are no series on this Folio yet.'
      : items
          .map(
            (s) =>
              `- ${s.title} (series_id: ${s.seriesId}), ${s.episodes} episodes — ${s.position ? `reading episode ${s.position.episode}, page ${s.position.page}` : 'not started'}. ${s.link}`,
          )
          .join('\n');
  return { text, structured: { series: items } };
}

export async function whereAmITool(deps: ToolDeps, readerId: string, seriesId: string): Promise<ToolOutput> {
  const detail = await seriesDetail(deps.db, deps.storage, { readerId, seriesId });
  const at = detail.progress;
  if (!at) {
    return {
      text: `You have not started "${detail.series.title}" yet. Open it in the reader: ${link(deps, `/series/${seriesId}`)}`,
      structured: { seriesId, position: null, link: link(deps, `/series/${seriesId}`) },
    };
  }
  const episode = detail.episodes.find((e) => e.number === at.episode);
  const where = link(deps, `/read/${seriesId}/${at.episode}/${at.page}`);
  return {
    text: `In "${detail.series.title}" you are at episode ${at.episode}${episode ? ` ("${episode.displayTitle}", ${episode.pageCount} pages)` : ''}, page ${at.page}. Continue reading: ${where}`,
    structured: { seriesId, position: at, episodeTitle: episode?.displayTitle ?? null, link: where },
  };
}

/** What an answer's events come to, for a tool result (no stream to re-parse: the engine's events are read directly). */
interface Collected {
  text: string;
  withheld: string | null;
  citations: Citation[];
  suggestions: string[];
  metadata: { mode?: unknown; position?: unknown } | null;
}

async function collect<M extends { mode: unknown; position: unknown }>(events: AsyncIterable<AnswerEvent<M>>): Promise<Collected> {
  const out: Collected = { text: '', withheld: null, citations: [], suggestions: [], metadata: null };
  for await (const ev of events) {
    if (ev.type === 'text') out.text += ev.delta;
    else if (ev.type === 'withheld') out.withheld = ev.message;
    else if (ev.type === 'citations') out.citations = ev.citations;
    else if (ev.type === 'suggestions') out.suggestions = ev.suggestions;
    else if (ev.type === 'done') out.metadata = ev.metadata;
    else if (ev.type === 'error') throw ev.error;
    else if (ev.type === 'aborted') throw new FolioError('unavailable:cancelled', 'The call was cancelled.');
  }
  return out;
}

function render(deps: ToolDeps, c: Collected, notes: string[]): ToolOutput {
  const sources = c.citations.map((x) => ({ label: x.label, title: x.title, link: link(deps, x.href), snippet: x.snippet }));
  const lines = [c.text.trim()];
  // Withheld sentences are "…" in the text: the assistant is told why, so it does not fill them in.
  if (c.withheld) lines.push('', c.withheld);
  if (notes.length > 0) lines.push('', ...notes);
  if (sources.length > 0) lines.push('', 'Sources (pages the reader has reached):', ...sources.map((s) => `- [${s.label}] ${s.title}: ${s.link}`));
  if (c.suggestions.length > 0) lines.push('', `Follow-up questions: ${c.suggestions.join(' · ')}`);
  return {
    text: lines.join('\n'),
    structured: { answer: c.text, mode: c.metadata?.mode ?? null, position: c.metadata?.position ?? null, withheld: c.withheld, sources, suggestions: c.suggestions },
  };
}

function requireCompanion(deps: ToolDeps): Companion {
  if (!deps.companion) throw new FolioError('unavailable:companion', 'The companion is not running on this server.');
  return deps.companion;
}

/** One tool call: its JSON-RPC id (for the rate limit's verdict) and its cancel signal (MCP `notifications/cancelled`). */
export interface CallInfo {
  requestId: string | number;
  signal: AbortSignal;
}

function admit(deps: ToolDeps, call: CallInfo): AbortSignal {
  const refused = deps.refusal(call.requestId);
  if (refused) throw refused;
  // Either the connection closing or the client cancelling the call stops the answer and its model request.
  return AbortSignal.any([deps.signal, call.signal]);
}

export async function askTool(deps: ToolDeps, readerId: string, seriesId: string, question: string, call: CallInfo): Promise<ToolOutput> {
  const signal = admit(deps, call);
  const companion = requireCompanion(deps);
  const id = `mcp-${crypto.randomUUID()}`;
  const turn = await companion.prepare(
    deps.db,
    readerId,
    seriesId,
    { id, messages: [{ id: `${id}-q`, role: 'user', parts: [{ type: 'text', text: question }] }] },
    signal,
  );
  const c = await collect(companion.answer(deps.db, turn, signal));
  const notes = c.metadata?.mode === 'quote' ? ['(No language model is configured: these are quotes from the pages the reader has reached.)'] : [];
  return render(deps, c, notes);
}

export async function recapTool(deps: ToolDeps, readerId: string, seriesId: string, scope: RecapScope, call: CallInfo): Promise<ToolOutput> {
  const signal = admit(deps, call);
  const companion = requireCompanion(deps);
  const turn = await prepareRecap(deps.db, readerId, seriesId, scope, companion.deps.embeddings);
  const c = await collect(recapAnswer(companion, turn, signal));
  return render(deps, c, []);
}

export async function searchTool(deps: ToolDeps, readerId: string, seriesId: string, query: string): Promise<ToolOutput> {
  const r = await withReaderView(deps.db, { readerId, seriesId }, (view) => search(view, { q: query, limit: 10, offset: 0 }));
  const results = r.results.map((x) => ({ title: x.title, where: `${x.episode}/${x.page}`, snippet: x.snippet, link: link(deps, x.link) }));
  const text =
    results.length === 0
      ? 'Nothing in the pages or wiki the reader has reached matches that.'
      : results.map((x) => `- ${x.title} [${x.where}]: ${x.snippet}\n  ${x.link}`).join('\n');
  return { text, structured: { results } };
}

const fold = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * A world entity by name or alias, among those the reader has reached. An
 * unreached name and a name that does not exist get the same answer, so the
 * tool cannot be used to probe who appears later.
 */
export async function whoIsTool(deps: ToolDeps, readerId: string, seriesId: string, name: string): Promise<ToolOutput> {
  return withReaderView(deps.db, { readerId, seriesId }, async (view) => {
    const graph = await worldGraph(view, deps.storage);
    const wanted = fold(name);
    const node =
      graph.nodes.find((n) => [n.name, ...n.aliases].some((x) => fold(x) === wanted)) ?? graph.nodes.find((n) => fold(n.name).includes(wanted) && wanted.length >= 3);
    // The asked name is not repeated: the answer is the same text for an unreached and an unknown name.
    if (!node) return { text: `Not yet in your reading: nobody by that name appears in the pages the reader has reached.`, structured: { found: false } };
    const detail = await worldNode(view, deps.storage, node.slug);
    const edges = detail.edges.map(
      (e) =>
        `${e.direction === 'out' ? `${detail.node.name} ${e.kind.replace(/_/g, ' ')} ${e.other.name}` : `${e.other.name} ${e.kind.replace(/_/g, ' ')} ${detail.node.name}`}`,
    );
    const wiki = detail.node.wiki ? link(deps, `/series/${seriesId}/wiki/${detail.node.wiki}`) : null;
    const text = [
      `${detail.node.name} (${detail.node.kind}), first seen at episode ${detail.node.debut.episode}, page ${detail.node.debut.page}.`,
      detail.node.description ?? '',
      edges.length > 0 ? `Known relationships: ${edges.join('; ')}.` : '',
      wiki ? `Wiki: ${wiki}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    return {
      text,
      structured: {
        name: detail.node.name,
        kind: detail.node.kind,
        description: detail.node.description,
        debut: detail.node.debut,
        relationships: edges,
        wiki,
        found: true,
      },
    };
  });
}
