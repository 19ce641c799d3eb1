/**
 * Model faults end to end through HTTP, while another reader keeps reading.
 *
 * src/chat/companion.db.test.ts checks each fault's typed error per provider.
 * This adds what it does not: for every fault — connection refused, 401, a hang
 * before the first token, a cut mid-stream, malformed frames, a very slow model
 * (1 token/s) that finishes, and one slower than the whole-answer timeout —
 * several readers' chats fail (or finish) the way docs/companion.md says, within
 * the configured timeouts, **while another reader's API requests (library,
 * episode, progress) keep being answered**: every one of them 200, and several
 * of them completed while a faulty stream was still open. Their latency is
 * printed (`faults:` lines) for docs/reliability.md; it is not asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPack } from '../../src/content/importer.js';
import { backend, createTestDatabase, type TestDatabase } from '../db.js';
import { type ChatResult, type CompanionServer, startCompanionServer } from '../fakes/folio.js';
import type { Behaviour, FakeModelServer } from '../fakes/model-server.js';
import { startFakeOllama } from '../fakes/ollama.js';
import { SAMPLE } from '../server.js';

const SERIES = 'moth-and-lantern';
const LIMITS = { first: 2_000, idle: 2_500, total: 6_000 };
/** How late a stream may end past the configured timeout (scheduling on a busy 2-core machine). */
const SLACK_MS = 3_000;
const PATHS = ['/api/series', `/api/series/${SERIES}/episodes/1`, `/api/series/${SERIES}/progress`];

let t: TestDatabase;
let fake: FakeModelServer;
let server: CompanionServer;
let other: string;

beforeAll(async () => {
  t = await createTestDatabase();
  fake = await startFakeOllama();
  server = await startCompanionServer(t.database, {
    FOLIO_MODEL: 'ollama',
    FOLIO_MODEL_BASE_URL: fake.url,
    FOLIO_CHAT_MODEL: 'llama3.2:3b',
    FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: String(LIMITS.first),
    FOLIO_MODEL_IDLE_TIMEOUT_MS: String(LIMITS.idle),
    FOLIO_MODEL_TOTAL_TIMEOUT_MS: String(LIMITS.total),
    FOLIO_CHAT_HEARTBEAT_MS: '1000',
  });
  await importPack({ database: t.database, storage: server.storage }, SAMPLE);
  other = await server.newReader();
  await server.moveTo(other, SERIES, { episode: 2, page: 2 });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await fake?.close();
  await t?.close();
});

interface Served {
  status: number;
  ms: number;
  /** performance.now() when the answer was complete. */
  at: number;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;

/**
 * `chats` readers ask at once, again and again for at least `minMs` (one round when a round takes longer),
 * while the other reader reads in a loop. Returns every chat (with its duration and end time) and every read.
 */
async function underFault(behaviour: Partial<Behaviour>, opts: { chats?: number; minMs?: number } = {}) {
  fake.reset();
  fake.set(behaviour);
  const askers = await Promise.all(
    Array.from({ length: opts.chats ?? 4 }, async () => {
      const token = await server.newReader();
      await server.moveTo(token, SERIES, { episode: 1, page: 3 });
      return token;
    }),
  );
  const chats: Array<{ r: ChatResult; ms: number; end: number }> = [];
  const reads: Served[] = [];
  let faultOpenUntil = 0;
  let done = false;
  const started = performance.now();
  const faulty = (async () => {
    try {
      do {
        const round = await Promise.all(
          askers.map(async (token) => {
            const t0 = performance.now();
            const r = await server.ask(token, SERIES, 'Where is Ada?');
            return { r, ms: performance.now() - t0, end: performance.now() };
          }),
        );
        chats.push(...round);
        faultOpenUntil = Math.max(faultOpenUntil, ...round.map((c) => c.end));
      } while (performance.now() - started < (opts.minMs ?? 1_500));
    } finally {
      done = true;
    }
  })();
  const reading = (async () => {
    while (!done) {
      for (const path of PATHS) {
        const t0 = performance.now();
        const res = await server.fetch(path, { token: other, signal: AbortSignal.timeout(30_000) });
        await res.arrayBuffer();
        reads.push({ status: res.status, ms: performance.now() - t0, at: performance.now() });
      }
    }
  })();
  await Promise.all([faulty, reading]);
  return { chats, reads, faultOpenUntil, started };
}

function expectServedMeanwhile(label: string, run: Awaited<ReturnType<typeof underFault>>): void {
  const { reads, chats, faultOpenUntil } = run;
  expect(
    reads.map((r) => r.status).every((s) => s === 200),
    `${label}: another reader's requests: ${reads.map((r) => r.status).join(',')}`,
  ).toBe(true);
  // Served while a faulty stream was still open, not after all of them ended.
  const meanwhile = reads.filter((r) => r.at < faultOpenUntil);
  expect(meanwhile.length, `${label}: reads answered while the fault held`).toBeGreaterThanOrEqual(3);
  const ms = reads.map((r) => r.ms);
  process.stderr.write(
    `faults: [${backend()}] ${label}: ${chats.length} chats (longest ${Math.round(Math.max(...chats.map((c) => c.ms)))} ms); ` +
      `another reader: ${reads.length} requests, all 200, latency p50 ${pct(ms, 50).toFixed(1)} ms, p99 ${pct(ms, 99).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms\n`,
  );
}

const FIXED = 'Ada walks along the canal with Flit and the lamps flicker one by one.';

describe('model faults: typed errors within the timeouts, other readers still served', () => {
  it('connection refused (closed before any response): one retry, then unavailable:model', async () => {
    const run = await underFault({ fault: 'refuse' });
    for (const { r, ms } of run.chats) {
      expect(r.status).toBe(200);
      expect(r.statuses.map((s) => s.state)).toEqual(['waking']);
      expect(r.errors.map((e) => e.code)).toEqual(['unavailable:model']);
      expect(ms).toBeLessThan(LIMITS.total + SLACK_MS);
    }
    expectServedMeanwhile('refused', run);
  });

  it('401: not retried, unavailable:model_auth, no upstream text', async () => {
    const run = await underFault({ fault: 'unauthorized' });
    for (const { r } of run.chats) {
      expect(r.errors.map((e) => e.code)).toEqual(['unavailable:model_auth']);
      expect(r.statuses).toEqual([]);
      expect(r.raw).not.toContain('UPSTREAM-DETAIL');
    }
    expectServedMeanwhile('401', run);
  });

  it('hang before the first token: retried once after the first-token timeout, then unavailable:model', async () => {
    const run = await underFault({ fault: 'hang' }, { minMs: 0 });
    for (const { r, ms } of run.chats) {
      expect(r.errors.map((e) => e.code)).toEqual(['unavailable:model']);
      expect(r.heartbeats).toBeGreaterThanOrEqual(1);
      // Two attempts of FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS each.
      expect(ms).toBeGreaterThanOrEqual(2 * LIMITS.first - 100);
      expect(ms).toBeLessThan(2 * LIMITS.first + SLACK_MS);
    }
    expectServedMeanwhile('hang', run);
  });

  it('cut mid-stream: what was said is kept, then unavailable:model_stream', async () => {
    const run = await underFault({ fault: 'cut', persona: 'fixed', text: FIXED });
    for (const { r } of run.chats) {
      expect(r.text.length).toBeGreaterThan(0);
      expect(r.errors.map((e) => e.code)).toEqual(['unavailable:model_stream']);
    }
    expectServedMeanwhile('cut', run);
  });

  it('malformed frames: unavailable:model_stream, nothing of the frames reaches the reader', async () => {
    const run = await underFault({ fault: 'malformed' });
    for (const { r } of run.chats) {
      expect(r.errors.map((e) => e.code)).toEqual(['unavailable:model_stream']);
      expect(r.raw).not.toContain('this is not a frame');
    }
    expectServedMeanwhile('malformed', run);
  });

  it('very slow (1 token/s) but within the timeouts: the whole answer arrives', async () => {
    const text = 'Ada walks home. ';
    const run = await underFault({ persona: 'fixed', text, tokenChars: 4, tokensPerSecond: 1 }, { minMs: 0 });
    for (const { r, ms } of run.chats) {
      expect(r.errors).toEqual([]);
      expect(r.text).toBe(text);
      expect(ms).toBeGreaterThanOrEqual(2_500);
      expect(ms).toBeLessThan(LIMITS.total + SLACK_MS);
    }
    expectServedMeanwhile('slow, 1 token/s', run);
  });

  it('very slow (1 token/s) past FOLIO_MODEL_TOTAL_TIMEOUT_MS: cut at the deadline with unavailable:model_timeout, what was said kept', async () => {
    const run = await underFault({ persona: 'fixed', text: FIXED.repeat(3), tokenChars: 4, tokensPerSecond: 1 }, { minMs: 0 });
    for (const { r, ms } of run.chats) {
      expect(r.errors.map((e) => e.code)).toEqual(['unavailable:model_timeout']);
      expect(r.text.length).toBeGreaterThan(0);
      expect(ms).toBeGreaterThanOrEqual(LIMITS.total - 100);
      expect(ms).toBeLessThan(LIMITS.total + SLACK_MS);
    }
    expectServedMeanwhile('slow past the total timeout', run);
  });
});
