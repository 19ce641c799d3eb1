/**
 * Recaps through real HTTP on PGlite and PostgreSQL: extractive (no model)
 * and with fake model servers, including one that knows the whole story.
 * Spoiler matrix over Pepper&Carrot positions × {extractive, a model that
 * spoils in every disguise (test/fakes/spoiler-model.ts)} × {series, episode}:
 * every prompt passage at or before the position, every citation too, zero
 * leaks by the independent oracle in anything the client receives, and the
 * model's reached lines still arrive with a notice counting what was withheld.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { type ChatResult, type CompanionServer, parseChatResponse, startCompanionServer } from '../../test/fakes/folio.js';
import { type FakeModelServer, promptPassages, promptText } from '../../test/fakes/model-server.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { type SpoilingModel, startSpoilingModel } from '../../test/fakes/spoiler-model.js';
import { PEPPER_CARROT, SAMPLE } from '../../test/server.js';
import { findLeaks, leaksIn, receivedText } from '../../test/spoilers/leaks.js';
import { formatTally, MATRIX_POSITIONS, newTally, tallyDisguises, usefulness, where } from '../../test/spoilers/matrix.js';
import { buildOracle, type Oracle } from '../../test/spoilers/oracle.js';
import { importPack } from '../content/importer.js';
import { comparePositions } from '../spoilers/position.js';

let t: TestDatabase;
let quote: CompanionServer;
let model: CompanionServer;
let ollama: FakeModelServer;
let oracle: Oracle;
let spoiling: SpoilingModel;
let spoilingServer: CompanionServer;

beforeAll(async () => {
  t = await createTestDatabase();
  oracle = await buildOracle(PEPPER_CARROT);
  ollama = await startFakeOllama();
  spoiling = await startSpoilingModel('ollama', oracle);
  spoilingServer = await startCompanionServer(t.database, {
    FOLIO_MODEL: 'ollama',
    FOLIO_MODEL_BASE_URL: spoiling.server.url,
    FOLIO_CHAT_MODEL: 'llama3.2:3b',
    FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '3000',
  });
  quote = await startCompanionServer(t.database, { FOLIO_MODEL: 'none' });
  model = await startCompanionServer(t.database, {
    FOLIO_MODEL: 'ollama',
    FOLIO_MODEL_BASE_URL: ollama.url,
    FOLIO_CHAT_MODEL: 'llama3.2:3b',
    FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '3000',
  });
  await importPack({ database: t.database, storage: quote.storage }, SAMPLE);
  await importPack({ database: t.database, storage: quote.storage }, PEPPER_CARROT);
}, 300_000);

afterAll(async () => {
  await quote?.close();
  await model?.close();
  await spoilingServer?.close();
  await ollama?.close();
  await spoiling?.close();
  await t?.close();
});

async function recap(server: CompanionServer, token: string, seriesId: string, body: unknown): Promise<ChatResult> {
  return parseChatResponse(await server.fetch(`/api/series/${seriesId}/recap`, { method: 'POST', token, json: body }));
}

describe('recap: the sample series', () => {
  it('extractive "story so far": finished episodes by summary, the current episode only up to the position', async () => {
    const token = await quote.newReader();
    await quote.moveTo(token, 'moth-and-lantern', { episode: 2, page: 2 });
    const r = await recap(quote, token, 'moth-and-lantern', { scope: 'series' });
    expect(r.status).toBe(200);
    expect(r.metadata).toMatchObject({ mode: 'extractive', scope: 'series', position: { episode: 2, page: 2 } });
    expect(r.text).toContain('The street lamps of Wickmere are going dark');
    // Episode 2's own summary (and what it names) is only for readers who finished it.
    expect(r.text).not.toContain('hundreds of stolen lamp-flames');
    expect(r.text).not.toContain('Mother Soot');
    expect(r.citations.length).toBeGreaterThan(0);
    for (const c of r.citations) expect(comparePositions(c, { episode: 2, page: 2 })).toBeLessThanOrEqual(0);
  });

  it('"previously" covers the episode before and the current one so far', async () => {
    const token = await quote.newReader();
    await quote.moveTo(token, 'moth-and-lantern', { episode: 2, page: 3 });
    const r = await recap(quote, token, 'moth-and-lantern', { scope: 'episode' });
    expect(r.text).toMatch(/^Previously/);
    expect(r.text).toContain('**Episode 1:');
    expect(r.text).toContain('**Episode 2:');
  });

  it('with a model: the prompt holds only reached passages, the answer streams with citations', async () => {
    ollama.reset();
    // The guard releases text a sentence at a time: a recap of several sentences streams in several parts.
    ollama.set({
      persona: 'fixed',
      text: 'Ada wakes in the lamp-house. She lights the lamps. Flit follows her. The night is long.',
      tokenChars: 4,
      tokensPerSecond: 200,
    });
    const token = await model.newReader();
    await model.moveTo(token, 'moth-and-lantern', { episode: 1, page: 3 });
    const r = await recap(model, token, 'moth-and-lantern', { scope: 'series' });
    expect(r.metadata).toMatchObject({ mode: 'model', model: expect.stringContaining('llama3.2') });
    expect(r.text).toBe('Ada wakes in the lamp-house. She lights the lamps. Flit follows her. The night is long.');
    // It streams sentence by sentence (each judged whole before it is sent, ADR 0020); sentences released in the
    // same turn of the event loop go out as one delta, so how many deltas depends on timing.
    expect(r.chunks.filter((c) => c.type === 'text-delta').length).toBeGreaterThanOrEqual(1);
    const passages = promptPassages(promptText(ollama.chatRequests()[0]!.body));
    expect(passages.length).toBeGreaterThan(0);
    for (const p of passages) expect(comparePositions(p, { episode: 1, page: 3 })).toBeLessThanOrEqual(0);
    expect(r.citations.length).toBeGreaterThan(0);
  });

  it('refuses before streaming: no reader, not started, bad body, a position in the body, unknown series', async () => {
    const token = await quote.newReader();
    expect((await quote.fetch('/api/series/moth-and-lantern/recap', { method: 'POST', json: { scope: 'series' } })).status).toBe(401);
    const notStarted = await quote.fetch('/api/series/moth-and-lantern/recap', { method: 'POST', token, json: { scope: 'series' } });
    expect(notStarted.status).toBe(409);
    await quote.moveTo(token, 'moth-and-lantern', { episode: 1, page: 1 });
    for (const body of [{ scope: 'everything' }, { scope: 'series', episode: 3, page: 2 }, { position: { episode: 3, page: 9 } }, [1]]) {
      const res = await quote.fetch('/api/series/moth-and-lantern/recap', { method: 'POST', token, json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(
      (await quote.fetch('/api/series/moth-and-lantern/recap', { method: 'POST', token, body: 'scope=series', headers: { 'content-type': 'text/plain' } })).status,
    ).toBe(415);
    expect((await quote.fetch('/api/series/nope/recap', { method: 'POST', token, json: { scope: 'series' } })).status).toBe(404);
  });
});

describe('recap: the reader going away', () => {
  it('closing the connection mid-recap aborts the model request upstream', async () => {
    ollama.reset();
    ollama.set({ persona: 'fixed', text: 'Ada walks the canal while the lamps flicker. '.repeat(20), tokensPerSecond: 20 });
    const token = await model.newReader();
    await model.moveTo(token, 'moth-and-lantern', { episode: 1, page: 3 });
    const ctrl = new AbortController();
    const res = await model.fetch('/api/series/moth-and-lantern/recap', { method: 'POST', token, json: { scope: 'series' }, signal: ctrl.signal });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('text-delta')) seen += new TextDecoder().decode((await reader.read()).value);
    expect(ollama.chatRequests()[0]!.aborted).toBe(false);
    ctrl.abort();
    await expect.poll(() => ollama.chatRequests()[0]!.aborted, { timeout: 3000 }).toBe(true);
  });
});

describe('recap spoiler matrix (Pepper&Carrot)', () => {
  it.each(['series', 'episode'] as const)(
    'extractive, %s scope: zero leaks, citations at or before the position, something to read',
    async (scope) => {
      const failures: string[] = [];
      for (const at of MATRIX_POSITIONS) {
        const token = await quote.newReader();
        await quote.moveTo(token, 'pepper-carrot', at);
        const r = await recap(quote, token, 'pepper-carrot', { scope });
        const label = `${where(at)} ${scope}`;
        if (r.status !== 200) failures.push(`${label}: status ${r.status}`);
        if (r.text.replace(/…/g, '').trim().length === 0) failures.push(`${label}: nothing left to read`);
        for (const c of r.citations) if (comparePositions(c, at) > 0) failures.push(`${label}: citation ${c.id}`);
        for (const leak of leaksIn(oracle, receivedText(r), at)) failures.push(`${label}: ${leak}`);
      }
      if (failures.length > 0) throw new Error(`${failures.length} failures:\n${failures.join('\n')}`);
    },
    120_000,
  );

  it.each(['series', 'episode'] as const)(
    'a model that spoils in every disguise, %s scope: zero leaks, reached lines still arrive, a notice counts what was withheld',
    async (scope) => {
      const failures: string[] = [];
      const tally = newTally();
      let passagesChecked = 0;
      for (const at of MATRIX_POSITIONS) {
        const token = await spoilingServer.newReader();
        await spoilingServer.moveTo(token, 'pepper-carrot', at);
        spoiling.server.reset();
        const script = spoiling.at(at, { tokenChars: 5 });
        const r = await recap(spoilingServer, token, 'pepper-carrot', { scope });
        const label = `${where(at)} ${scope}`;
        if (r.status !== 200) failures.push(`${label}: status ${r.status}`);
        for (const req of spoiling.server.chatRequests()) {
          for (const p of promptPassages(promptText(req.body))) {
            passagesChecked++;
            if (comparePositions(p, at) > 0) failures.push(`${label}: prompt passage at ${p.episode}/${p.page}`);
            for (const leak of leaksIn(oracle, p.text, at, { kinds: ['name', 'spelled', 'episode', 'page', 'line'] }))
              failures.push(`${label}: prompt passage ${p.episode}/${p.page}: ${leak}`);
          }
        }
        for (const c of r.citations) if (comparePositions(c, at) > 0) failures.push(`${label}: citation ${c.id}`);
        const received = receivedText(r);
        const leaks = findLeaks(oracle, received, at);
        tallyDisguises(tally, script, received, leaks);
        for (const l of leaks) failures.push(`${label}: ${l.kind} ${JSON.stringify(l.matched)}`);
        for (const p of usefulness(r.text, r.chunks, script)) failures.push(`${label}: ${p}`);
      }
      if (failures.length > 0) throw new Error(`${failures.length} failures (${formatTally(tally)}):\n${failures.join('\n')}`);
      // The model really was asked, with passages.
      expect(passagesChecked).toBeGreaterThan(0);
    },
    120_000,
  );
});
