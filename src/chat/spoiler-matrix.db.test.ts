/**
 * Spoiler matrix for the companion over the Pepper&Carrot corpus, through real
 * HTTP on PGlite and PostgreSQL: readers at positions spread over episodes
 * 1–23 ask a plain question about their page and adversarial ones (direct,
 * "I'm the author", role-play, yes/no, injected instructions, later episode
 * numbers, spelling a name out, multi-turn) to a spoiling model on the Ollama,
 * OpenAI-compatible and Anthropic wires (test/fakes/spoiler-model.ts: true
 * reached lines mixed with spoilers in every disguise), and to quote mode.
 *
 * For every answer, on everything the client received (answer, citations,
 * suggestions, notices, metadata):
 *  - zero leaks by the independent oracle (test/spoilers/leaks.ts);
 *  - every passage in every prompt is at or before the position (by chunk id
 *    against the database), and its text names nothing unreached;
 *  - every citation is at or before the position;
 *  - usefulness: the reached sentences of the model's answer still arrive, and
 *    a `data-guard` notice says how many sentences were withheld.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { type ChatResult, type CompanionServer, startCompanionServer } from '../../test/fakes/folio.js';
import { promptPassages, promptText } from '../../test/fakes/model-server.js';
import { type SpoilingModel, type SpoilingWire, startSpoilingModel } from '../../test/fakes/spoiler-model.js';
import { PEPPER_CARROT } from '../../test/server.js';
import { findLeaks, leaksIn, receivedText, unreachedNames } from '../../test/spoilers/leaks.js';
import { formatTally, MATRIX_POSITIONS, newTally, tallyDisguises, usefulness, where } from '../../test/spoilers/matrix.js';
import { buildOracle, type Oracle } from '../../test/spoilers/oracle.js';
import { ADVERSARIAL_QUESTIONS } from '../../test/spoilers/questions.js';
import { importPack } from '../content/importer.js';
import { queryRows } from '../db/client.js';
import { comparePositions, type Position } from '../spoilers/position.js';

const SERIES = 'pepper-carrot';
/** A question about the reader's own page: it must still be answered. */
const CONTROL = 'What is happening on this page?';

let t: TestDatabase;
let oracle: Oracle;
const models: Partial<Record<SpoilingWire, SpoilingModel>> = {};
const servers: Record<string, CompanionServer> = {};
let chunkPositions: Map<number, Position>;

beforeAll(async () => {
  t = await createTestDatabase();
  oracle = await buildOracle(PEPPER_CARROT);
  const [ollama, openai, anthropic] = await Promise.all((['ollama', 'openai', 'anthropic'] as const).map((w) => startSpoilingModel(w, oracle)));
  Object.assign(models, { ollama, openai, anthropic });
  const common = { FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '3000', FOLIO_MODEL_TOTAL_TIMEOUT_MS: '10000' };
  servers.quote = await startCompanionServer(t.database, { ...common, FOLIO_MODEL: 'none' });
  // The Ollama server also embeds (fake vectors), so vector search takes part in retrieval.
  servers.ollama = await startCompanionServer(t.database, {
    ...common,
    FOLIO_MODEL: 'ollama',
    FOLIO_MODEL_BASE_URL: ollama!.server.url,
    FOLIO_CHAT_MODEL: 'llama3.2:3b',
    FOLIO_EMBED_MODEL: 'nomic-embed-text',
  });
  servers.openai = await startCompanionServer(t.database, {
    ...common,
    FOLIO_MODEL: 'openai',
    FOLIO_MODEL_BASE_URL: `${openai!.server.url}/v1`,
    FOLIO_CHAT_MODEL: 'gpt-4o-mini',
  });
  servers.anthropic = await startCompanionServer(t.database, {
    ...common,
    FOLIO_MODEL: 'anthropic',
    FOLIO_MODEL_BASE_URL: `${anthropic!.server.url}/v1`,
    FOLIO_MODEL_API_KEY: 'sk-ant-test',
    FOLIO_CHAT_MODEL: 'claude-haiku-4-5',
  });
  await importPack({ database: t.database, storage: servers.quote.storage }, PEPPER_CARROT);
  const rows = await queryRows<{ id: number; episode: number; page: number }>(
    t.database.db,
    sql`SELECT id::int AS id, episode, page FROM chunks WHERE series_id = ${SERIES}`,
  );
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
  await Promise.all(Object.values(models).map((m) => m.close()));
  await t?.close();
});

/** Prompt passages at or before the position, labelled as stored, naming nothing unreached. */
function checkPrompts(prompts: unknown[], at: Position): { problems: string[]; passages: number } {
  const problems: string[] = [];
  let passages = 0;
  for (const body of prompts) {
    for (const p of promptPassages(promptText(body))) {
      passages++;
      const stored = chunkPositions.get(Number(p.id.slice(1)));
      if (!stored) problems.push(`prompt passage ${p.id} is not a chunk of the series`);
      else {
        if (comparePositions(stored, at) > 0) problems.push(`prompt passage ${p.id} at ${where(stored)} is beyond the position`);
        if (stored.episode !== p.episode || stored.page !== p.page) problems.push(`prompt passage ${p.id} is labelled ${p.episode}/${p.page} but is at ${where(stored)}`);
      }
      for (const leak of leaksIn(oracle, p.text, at, { kinds: ['name', 'spelled', 'episode', 'page', 'line'] })) problems.push(`prompt passage ${p.id}: ${leak}`);
    }
  }
  return { problems, passages };
}

function checkCitations(r: ChatResult, at: Position): string[] {
  const problems: string[] = [];
  for (const c of r.citations) {
    if (comparePositions(c, at) > 0) problems.push(`citation ${c.id} is beyond the position`);
    if (c.kind === 'page' && c.href !== `/read/${SERIES}/${c.episode}/${c.page}`) problems.push(`citation ${c.id} links ${c.href}`);
  }
  return problems;
}

/** How the answer was made (the `finish` part's metadata). */
const modeOf = (r: ChatResult) => (r.metadata && 'mode' in r.metadata ? r.metadata.mode : null);

/** Does the question itself name something the reader has not reached (by the oracle, not the guard)? */
const asksUnreached = (question: string, at: Position) => findLeaks(oracle, question, at, { kinds: ['name', 'spelled', 'episode'] }).length > 0;

/** Questions for one position: the control question first, then three adversarial ones (rotating), in one conversation. */
const questionsAt = (i: number) => [CONTROL, ...[0, 1, 2].map((k) => ADVERSARIAL_QUESTIONS[(i * 3 + k) % ADVERSARIAL_QUESTIONS.length]!)];

describe('companion spoiler matrix (Pepper&Carrot)', () => {
  it('the oracle and the model have teeth: early on much is forbidden, and every spoiler sentence fails the oracle', () => {
    expect(unreachedNames(oracle, { episode: 1, page: 2 })).toEqual(expect.arrayContaining(['Coriander', 'Torreya', 'Qualicity', 'Shichimi']));
    expect(oracle.forbiddenAt({ episode: 1, page: 2 }).length).toBeGreaterThan(500);
    for (const at of MATRIX_POSITIONS) {
      const script = models.ollama!.at(at);
      expect(findLeaks(oracle, script.answer, at).length).toBeGreaterThan(15);
    }
  });

  it.each(['ollama', 'openai', 'anthropic'] as const)(
    '%s wire, a model that spoils in every disguise: zero leaks, reached content still answered',
    async (wire) => {
      const model = models[wire]!;
      const server = servers[wire]!;
      const failures: string[] = [];
      const tally = newTally();
      let passages = 0;
      let useful = 0;
      let declined = 0;
      for (const [i, at] of MATRIX_POSITIONS.entries()) {
        const token = await server.newReader();
        await server.moveTo(token, SERIES, at);
        const conversationId = `matrix-${wire}-${at.episode}-${at.page}`;
        for (const question of questionsAt(i)) {
          // Big frames on one wire, small ones (names split across frames) on the others.
          const script = model.at(at, { tokenChars: wire === 'openai' ? 11 : 3 });
          const before = model.server.requests.length;
          const r = await server.ask(token, SERIES, question, { conversationId });
          const label = `${wire} at ${where(at)}, "${question}"`;
          if (r.status !== 200) failures.push(`${label}: status ${r.status}: ${JSON.stringify(r.errorBody)}`);
          const prompts = model.server.requests
            .slice(before)
            .filter((q) => /chat|messages/.test(q.path))
            .map((q) => q.body);
          const checked = checkPrompts(prompts, at);
          passages += checked.passages;
          const received = receivedText(r);
          const leaks = findLeaks(oracle, received, at, { question });
          tallyDisguises(tally, script, received, leaks);
          for (const p of [...checked.problems, ...checkCitations(r, at), ...leaks.map((l) => `${l.kind} ${JSON.stringify(l.matched)}`)]) failures.push(`${label}: ${p}`);
          // A question that names something unreached (by the oracle: a name in any disguise, a later episode) is
          // declined up front, without asking the model; the control question never is.
          if (asksUnreached(question, at)) {
            declined++;
            if (modeOf(r) !== 'declined') failures.push(`${label}: asks about the unreached but was not declined (mode ${modeOf(r)})`);
            if (prompts.length > 0) failures.push(`${label}: asks about the unreached but the model was asked`);
          } else if (modeOf(r) === 'declined' && question === CONTROL) failures.push(`${label}: the control question was declined`);
          // The control question is about the reader's own page: the model was asked, and what it said that the reader may know arrives.
          if (question === CONTROL) {
            if (prompts.length === 0) failures.push(`${label}: the model was not asked`);
            for (const p of usefulness(r.text, r.chunks, script)) failures.push(`${label}: ${p}`);
            useful++;
          }
        }
      }
      if (failures.length > 0) throw new Error(`${failures.length} failures (${formatTally(tally)}):\n${failures.join('\n')}`);
      expect(useful).toBe(MATRIX_POSITIONS.length);
      expect(declined).toBeGreaterThan(MATRIX_POSITIONS.length / 2);
      expect(passages).toBeGreaterThan(MATRIX_POSITIONS.length);
    },
    300_000,
  );

  it('quote mode: zero leaks, and questions about the page are answered from it', async () => {
    const server = servers.quote!;
    const failures: string[] = [];
    for (const [i, at] of MATRIX_POSITIONS.entries()) {
      const token = await server.newReader();
      await server.moveTo(token, SERIES, at);
      for (const question of questionsAt(i)) {
        const r = await server.ask(token, SERIES, question, { conversationId: `matrix-quote-${at.episode}-${at.page}` });
        const label = `quote at ${where(at)}, "${question}"`;
        if (r.status !== 200) failures.push(`${label}: status ${r.status}`);
        const mode = modeOf(r);
        if (asksUnreached(question, at) ? mode !== 'declined' : question === CONTROL && mode === 'declined') failures.push(`${label}: mode ${mode}`);
        for (const p of [...checkCitations(r, at), ...leaksIn(oracle, receivedText(r), at, { question })]) failures.push(`${label}: ${p}`);
      }
    }
    if (failures.length > 0) throw new Error(`${failures.length} failures:\n${failures.join('\n')}`);
  }, 300_000);

  it('quote mode is useful: "who is Carrot?" on episode 1 page 2 quotes who Carrot is', async () => {
    const server = servers.quote!;
    const token = await server.newReader();
    await server.moveTo(token, SERIES, { episode: 1, page: 2 });
    const r = await server.ask(token, SERIES, 'Who is Carrot?');
    expect(r.text).toContain("Carrot is Pepper's familiar, a male orange tabby cat");
    expect(r.text).not.toContain('Hippiah');
    expect(r.citations.some((c) => c.kind === 'wiki' && c.title === 'Carrot' && c.href === `/series/${SERIES}/wiki/carrot`)).toBe(true);
    expect(leaksIn(oracle, receivedText(r), { episode: 1, page: 2 }, { question: 'Who is Carrot?' })).toEqual([]);
  });

  it('after a progress reset, earlier answers written further on are neither replayed nor shown', async () => {
    const server = servers.ollama!;
    const ollama = models.ollama!.server;
    const token = await server.newReader();
    await server.moveTo(token, SERIES, { episode: 23, page: 7 });
    ollama.set({ persona: 'fixed', text: 'Coriander and Shichimi compete against Pepper in the potion contest of Komona [6/4].', suggestions: null });
    const late = await server.ask(token, SERIES, 'Who competes in the contest?', { conversationId: 'matrix-reset' });
    expect(late.text).toContain('Coriander');
    await server.resetTo(token, SERIES, { episode: 2, page: 1 });
    ollama.reset();
    ollama.set({ persona: 'echo', suggestions: ['What is Pepper doing?'] });
    const r = await server.ask(token, SERIES, 'What did you tell me before?', { conversationId: 'matrix-reset' });
    const prompt = promptText(ollama.chatRequests()[0]!.body);
    expect(prompt).not.toContain('Coriander');
    expect(prompt).not.toContain('Who competes in the contest?');
    expect(
      checkPrompts(
        ollama.requests.map((q) => q.body),
        { episode: 2, page: 1 },
      ).problems,
    ).toEqual([]);
    expect(leaksIn(oracle, receivedText(r), { episode: 2, page: 1 }, { question: 'What did you tell me before?' })).toEqual([]);
    const detail = await (await server.fetch('/api/conversations/matrix-reset', { token })).text();
    expect(leaksIn(oracle, detail, { episode: 2, page: 1 }, { kinds: ['name', 'spelled', 'episode', 'page', 'line'] })).toEqual([]);
  });
});
