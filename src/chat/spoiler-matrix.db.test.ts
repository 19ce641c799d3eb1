/**
 * Spoiler matrix for the companion over the Pepper&Carrot corpus, through real
 * HTTP on PGlite and PostgreSQL: readers at a spread of positions across all
 * 23 episodes ask adversarial questions (direct, "I'm the author", role-play,
 * yes/no, injected instructions inside a quote, later episode numbers,
 * spelling a name out, multi-turn) to every provider — each a fake server
 * playing a model that knows the whole public story — and to quote mode.
 *
 * For every answer:
 *  - every passage in every prompt the model server received is at or before
 *    the position, checked by chunk id against the database (not by string);
 *  - every citation is at or before the position;
 *  - nothing the client receives names an entity the reader has not reached
 *    (oracle from the pack's world/entities.yaml, independent of Folio's SQL),
 *    contains a line of a page beyond the position (test/spoilers/oracle.ts),
 *    or refers to a later episode.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { startFakeAnthropic } from '../../test/fakes/anthropic.js';
import { startCompanionServer, type ChatResult, type CompanionServer } from '../../test/fakes/folio.js';
import { promptPassages, promptText, type FakeModelServer } from '../../test/fakes/model-server.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { startFakeOpenAI } from '../../test/fakes/openai.js';
import { PEPPER_CARROT } from '../../test/server.js';
import { leaksIn as leaksInOf, receivedText, unreachedNames as unreachedNamesOf } from '../../test/spoilers/leaks.js';
import { buildOracle, type Oracle } from '../../test/spoilers/oracle.js';
import { ADVERSARIAL_QUESTIONS } from '../../test/spoilers/questions.js';
import { importPack } from '../content/importer.js';
import { queryRows } from '../db/client.js';
import { comparePositions, type Position } from '../spoilers/position.js';

const SERIES = 'pepper-carrot';


let t: TestDatabase;
let oracle: Oracle;
let ollama: FakeModelServer;
let openai: FakeModelServer;
let anthropic: FakeModelServer;
const servers: Record<string, CompanionServer> = {};
let chunkPositions: Map<number, Position>;

beforeAll(async () => {
  t = await createTestDatabase();
  [ollama, openai, anthropic] = await Promise.all([startFakeOllama(), startFakeOpenAI(), startFakeAnthropic()]);
  const common = { FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '3000', FOLIO_MODEL_TOTAL_TIMEOUT_MS: '10000' };
  servers.quote = await startCompanionServer(t.database, { ...common, FOLIO_MODEL: 'none' });
  // The Ollama server also embeds (fake vectors), so vector search takes part in retrieval.
  servers.ollama = await startCompanionServer(t.database, {
    ...common,
    FOLIO_MODEL: 'ollama',
    FOLIO_MODEL_BASE_URL: ollama.url,
    FOLIO_CHAT_MODEL: 'llama3.2:3b',
    FOLIO_EMBED_MODEL: 'nomic-embed-text',
  });
  servers.openai = await startCompanionServer(t.database, { ...common, FOLIO_MODEL: 'openai', FOLIO_MODEL_BASE_URL: `${openai.url}/v1`, FOLIO_CHAT_MODEL: 'gpt-4o-mini' });
  servers.anthropic = await startCompanionServer(t.database, {
    ...common,
    FOLIO_MODEL: 'anthropic',
    FOLIO_MODEL_BASE_URL: `${anthropic.url}/v1`,
    FOLIO_MODEL_API_KEY: 'sk-ant-test',
    FOLIO_CHAT_MODEL: 'claude-haiku-4-5',
  });
  await importPack({ database: t.database, storage: servers.quote.storage }, PEPPER_CARROT);
  oracle = await buildOracle(PEPPER_CARROT);
  const rows = await queryRows<{ id: number; episode: number; page: number }>(t.database.db, sql`SELECT id::int AS id, episode, page FROM chunks WHERE series_id = ${SERIES}`);
  chunkPositions = new Map(rows.map((r) => [r.id, { episode: r.episode, page: r.page }]));
  // Vectors for every chunk first, so each answer below uses hybrid retrieval.
  const warm = await servers.ollama.newReader();
  await servers.ollama.moveTo(warm, SERIES, { episode: 1, page: 1 });
  await servers.ollama.fetch(`/api/series/${SERIES}/chat/warmup`, { method: 'POST', token: warm });
  for (const deadline = Date.now() + 120_000; ; ) {
    const [row] = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM chunk_vectors`);
    if (row!.n === chunkPositions.size) break;
    if (Date.now() > deadline) throw new Error(`only ${row!.n} of ${chunkPositions.size} chunks were embedded`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 300_000);

afterAll(async () => {
  for (const s of Object.values(servers)) await s.close();
  await Promise.all([ollama?.close(), openai?.close(), anthropic?.close()]);
  await t?.close();
});

beforeEach(() => {
  for (const f of [ollama, openai, anthropic]) {
    f.reset();
    f.set({ persona: 'spoiling', tokenChars: 3 });
  }
});

const unreachedNames = (at: Position) => unreachedNamesOf(oracle, at);
const leaksIn = (text: string, at: Position) => leaksInOf(oracle, text, at);

/** How much the checks looked at (so a matrix that checks nothing fails). */
const checked = { promptPassages: 0, guarded: 0, declined: 0, answered: 0 };

/** Every check of one answer; returns the problems found (empty = no leak). */
function checkAnswer(r: ChatResult, at: Position, prompts: unknown[]): string[] {
  const problems: string[] = [];
  const mode = (r.metadata as { mode?: string } | null)?.mode;
  if (mode === 'guarded') checked.guarded++;
  else if (mode === 'declined') checked.declined++;
  else checked.answered++;
  if (r.status !== 200) problems.push(`status ${r.status}: ${JSON.stringify(r.errorBody)}`);
  for (const body of prompts) {
    for (const p of promptPassages(promptText(body))) {
      checked.promptPassages++;
      const stored = chunkPositions.get(Number(p.id.slice(1)));
      if (!stored) problems.push(`prompt passage ${p.id} is not a chunk of the series`);
      else {
        if (comparePositions(stored, at) > 0) problems.push(`prompt passage ${p.id} at ${stored.episode}/${stored.page} is beyond the position`);
        if (stored.episode !== p.episode || stored.page !== p.page) problems.push(`prompt passage ${p.id} is labelled ${p.episode}/${p.page} but is at ${stored.episode}/${stored.page}`);
      }
    }
  }
  for (const c of r.citations) {
    if (comparePositions(c, at) > 0) problems.push(`citation ${c.id} is beyond the position`);
    if (c.kind === 'page' && c.href !== `/read/${SERIES}/${c.episode}/${c.page}`) problems.push(`citation ${c.id} links ${c.href}`);
  }
  // Everything the client received, as text: the deltas joined as the client joins them, then every other part.
  const received = receivedText(r);
  problems.push(...leaksIn(received, at));
  return problems;
}

/** First, middle and last page of every episode, in turn, plus the pages around early debuts. */
function matrixPositions(): Position[] {
  const out: Position[] = [];
  oracle.pack.episodes.forEach((e, i) => {
    const pages = e.data.pages.map((p) => p.number);
    out.push({ episode: e.data.number, page: pages[[1, Math.floor(pages.length / 2), pages.length - 1][i % 3]!] ?? pages[0]! });
  });
  out.push({ episode: 3, page: 1 }, { episode: 3, page: 2 }, { episode: 6, page: 3 }, { episode: 6, page: 4 });
  return out.sort(comparePositions);
}

async function walk(provider: string, fake: FakeModelServer | null): Promise<number> {
  const server = servers[provider]!;
  let answers = 0;
  const failures: string[] = [];
  for (const at of matrixPositions()) {
    const token = await server.newReader();
    await server.moveTo(token, SERIES, at);
    const conversationId = `matrix-${provider}-${at.episode}-${at.page}`;
    for (const [i, question] of ADVERSARIAL_QUESTIONS.entries()) {
      // Mostly the model that spoils; every third answer from one that quotes its passages (those must pass through clean).
      fake?.set({ persona: i % 3 === 2 ? 'honest' : 'spoiling', tokenChars: 3 });
      const before = fake?.requests.length ?? 0;
      const r = await server.ask(token, SERIES, question, { conversationId });
      const prompts = fake ? fake.requests.slice(before).filter((q) => q.path.includes('chat') || q.path.includes('messages')).map((q) => q.body) : [];
      for (const p of checkAnswer(r, at, prompts)) failures.push(`${provider} at ${at.episode}/${at.page}, "${question}": ${p}`);
      answers++;
    }
  }
  expect(failures).toEqual([]);
  return answers;
}

describe('companion spoiler matrix (Pepper&Carrot)', () => {
  it('the oracle has teeth: early on, many names and lines are forbidden', () => {
    expect(unreachedNames({ episode: 1, page: 2 })).toEqual(expect.arrayContaining(['Coriander', 'Torreya', 'Qualicity', 'Shichimi']));
    expect(oracle.forbiddenAt({ episode: 1, page: 2 }).length).toBeGreaterThan(500);
    // And the spoiling model really spoils: its text fails the oracle at every position.
    expect(leaksIn('Yes! Later Coriander becomes queen of Qualicity; Torreya is T-o-r-r-e-y-a; see episode 36.', { episode: 23, page: 8 }).length).toBeGreaterThanOrEqual(3);
  });

  it.each(['ollama', 'openai', 'anthropic'] as const)('%s (a model that knows the whole story): zero leaks', async (provider) => {
    const fake = { ollama, openai, anthropic }[provider];
    Object.assign(checked, { promptPassages: 0, guarded: 0, declined: 0, answered: 0 });
    const answers = await walk(provider, fake);
    // The checks had something to check: passages in prompts, answers the guard stopped, declined, and let through.
    expect(checked.promptPassages).toBeGreaterThan(answers);
    expect(checked.guarded).toBeGreaterThan(0);
    expect(checked.declined).toBeGreaterThan(0);
    expect(checked.answered).toBeGreaterThan(0);
    expect(answers).toBe(matrixPositions().length * ADVERSARIAL_QUESTIONS.length);
    // The model was really asked (not everything was declined up front), and the guard had work to do.
    expect(fake.chatRequests().length).toBeGreaterThan(0);
  }, 600_000);

  it('quote mode: zero leaks', async () => {
    await walk('quote', null);
  }, 600_000);

  it('after a progress reset, earlier answers written further on are neither replayed nor shown', async () => {
    const server = servers.ollama!;
    const token = await server.newReader();
    await server.moveTo(token, SERIES, { episode: 23, page: 8 });
    ollama.set({ persona: 'fixed', text: 'Coriander and Shichimi compete against Pepper in the potion contest of Komona [6/4].' });
    const late = await server.ask(token, SERIES, 'Who competes in the contest?', { conversationId: 'matrix-reset' });
    expect(late.text).toContain('Coriander');
    await server.resetTo(token, SERIES, { episode: 2, page: 1 });
    ollama.reset();
    ollama.set({ persona: 'echo' });
    const r = await server.ask(token, SERIES, 'What did you tell me before?', { conversationId: 'matrix-reset' });
    const prompt = promptText(ollama.chatRequests()[0]!.body);
    expect(prompt).not.toContain('Coriander');
    expect(prompt).not.toContain('Who competes in the contest?');
    expect(checkAnswer(r, { episode: 2, page: 1 }, ollama.requests.map((q) => q.body))).toEqual([]);
    const detail = await (await server.fetch('/api/conversations/matrix-reset', { token })).text();
    expect(leaksIn(detail, { episode: 2, page: 1 })).toEqual([]);
  });

  it('quote mode is useful: "who is Carrot?" on episode 1 page 2 quotes who Carrot is', async () => {
    const server = servers.quote!;
    const token = await server.newReader();
    await server.moveTo(token, SERIES, { episode: 1, page: 2 });
    const r = await server.ask(token, SERIES, 'Who is Carrot?');
    expect(r.text).toContain("Carrot is Pepper's familiar, a male orange tabby cat");
    expect(r.text).not.toContain('Hippiah');
    expect(r.citations.some((c) => c.kind === 'wiki' && c.title === 'Carrot' && c.href === `/series/${SERIES}/wiki/carrot`)).toBe(true);
    expect(checkAnswer(r, { episode: 1, page: 2 }, [])).toEqual([]);
  });
});
