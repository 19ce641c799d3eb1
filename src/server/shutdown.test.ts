/**
 * Graceful shutdown of a real `folio serve` process (from source, embedded
 * database in a temp dir) relaying a slow fake model: SIGTERM while several
 * chat streams are open. Streams that end within the grace period end
 * normally; longer ones are ended at the grace period with a closing notice.
 * Either way every answer is stored exactly as it was streamed (checked from
 * a restarted server), new connections are refused during the drain, and the
 * process exits 0 on time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI } from '../../test/cli.js';
import type { FakeModelServer } from '../../test/fakes/model-server.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { freePort } from '../../test/services/free-port.js';
import { RESTARTING_MESSAGE } from '../http/drain.js';

const SERIES = 'moth-and-lantern';
/** Names the reader at 3/6 has reached: the output guard lets the answer through. */
const SENTENCE = 'Ada walks along the canal with Flit while the lamps of Tallow Street flicker one by one. ';

let data: string;
let fake: FakeModelServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'folio-shutdown-'));
  fake = await startFakeOllama();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await fake?.close();
  await rm(data, { recursive: true, force: true });
});

interface Serve {
  base: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; at: number }>;
  logs: () => string;
}

async function serve(): Promise<Serve> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', String(port)], {
    env: {
      ...process.env,
      FOLIO_DATA_DIR: data,
      LOG_LEVEL: 'info',
      FOLIO_MODEL: 'ollama',
      FOLIO_MODEL_BASE_URL: fake.url,
      FOLIO_CHAT_MODEL: 'llama3.2:3b',
      FOLIO_EMBED_MODEL: 'none',
      FOLIO_CHAT_RATE_PER_READER: '0',
      FOLIO_CHAT_RATE_PER_IP: '0',
      FOLIO_MODEL_TOTAL_TIMEOUT_MS: '120000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((r) => child.on('exit', (code) => r({ code, at: performance.now() })));
  const base = `http://127.0.0.1:${port}`;
  for (const until = Date.now() + 90_000; ; ) {
    if (
      (await fetch(`${base}/ready`).then(
        (r) => r.status,
        () => 0,
      )) === 200
    )
      break;
    if (Date.now() > until || child.exitCode !== null) throw new Error(`folio serve did not become ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, child, exited, logs: () => out };
}

async function newReader(base: string): Promise<string> {
  const { token } = (await (await fetch(`${base}/api/readers`, { method: 'POST' })).json()) as { token: string };
  const moved = await fetch(`${base}/api/series/${SERIES}/progress`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ episode: 3, page: 6, confirmSkip: true }),
  });
  expect(moved.status).toBe(200);
  return token;
}

interface Streamed {
  id: string;
  text: string;
  types: string[];
  errors: string[];
  /** When the first text arrived (performance.now()). */
  firstText: Promise<void>;
  done: Promise<void>;
}

/** Open a chat stream and read it as it comes, keeping everything received even if the connection breaks. */
function openChat(base: string, token: string, id: string): Streamed {
  let gotText!: () => void;
  const s: Streamed = { id, text: '', types: [], errors: [], firstText: new Promise((r) => (gotText = r)), done: Promise.resolve() };
  s.done = (async () => {
    const res = await fetch(`${base}/api/series/${SERIES}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, messages: [{ id: `${id}-q`, role: 'user', parts: [{ type: 'text', text: 'Where is Ada going?' }] }] }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
          const chunk = JSON.parse(event.slice(6)) as { type: string; delta?: string; errorText?: string };
          s.types.push(chunk.type);
          if (chunk.type === 'text-delta') {
            s.text += chunk.delta;
            gotText();
          }
          if (chunk.type === 'error') s.errors.push(chunk.errorText ?? '');
        }
      }
    } catch (err) {
      s.errors.push(`connection: ${String(err)}`);
    }
  })();
  return s;
}

/** Whether a brand-new TCP connection to the port is accepted. */
function accepts(base: string): Promise<boolean> {
  const { port } = new URL(base);
  return new Promise((resolve) => {
    const sock = connect(Number(port), '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

it('SIGTERM: refuses new connections, lets streams finish or ends them at the grace period, stores every answer as streamed, exits 0', async () => {
  // 1. Streams that end within the grace period (about 4 s of tokens) run to their normal end.
  fake.set({ persona: 'fixed', text: SENTENCE.repeat(2), tokenChars: 4, tokensPerSecond: 12 });
  let server = await serve();
  const shortReader = await newReader(server.base);
  const short = ['short-1', 'short-2', 'short-3'].map((id) => openChat(server.base, shortReader, id));
  await Promise.all(short.map((s) => s.firstText));
  const sigterm1 = performance.now();
  server.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  expect(await accepts(server.base)).toBe(false);
  await Promise.all(short.map((s) => s.done));
  const exit1 = await server.exited;
  expect(exit1.code).toBe(0);
  expect(exit1.at - sigterm1).toBeLessThan(9_000);
  for (const s of short) {
    expect(s.errors).toEqual([]);
    expect(s.types).toContain('finish');
    expect(s.text).toBe(SENTENCE.repeat(2));
  }

  // 2. Streams longer than the grace period (about 27 s of tokens): ended at 10 s with a notice.
  fake.set({ persona: 'fixed', text: SENTENCE.repeat(12), tokenChars: 4, tokensPerSecond: 10 });
  server = await serve();
  const longReader = await newReader(server.base);
  const long = ['long-1', 'long-2', 'long-3', 'long-4'].map((id) => openChat(server.base, longReader, id));
  await Promise.all(long.map((s) => s.firstText));
  await new Promise((r) => setTimeout(r, 1_000));
  const sigterm2 = performance.now();
  server.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  expect(await accepts(server.base)).toBe(false);
  await Promise.all(long.map((s) => s.done));
  const exit2 = await server.exited;
  expect(exit2.code).toBe(0);
  const took = exit2.at - sigterm2;
  expect(took).toBeGreaterThan(9_500);
  expect(took).toBeLessThan(12_500);
  expect(server.logs()).toMatch(/"endedStreams":true/);
  for (const s of long) {
    expect(s.types).not.toContain('finish');
    expect(s.errors).toEqual([RESTARTING_MESSAGE]);
    expect(s.text.length).toBeGreaterThan(SENTENCE.length);
    expect(SENTENCE.repeat(12).startsWith(s.text)).toBe(true);
    expect(s.text.length).toBeLessThan(SENTENCE.repeat(12).length);
  }

  // 3. A restarted server has every answer exactly as each client received it.
  server = await serve();
  try {
    const check = async (s: Streamed, token: string, status: string) => {
      const res = await fetch(`${server.base}/api/conversations/${s.id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const conv = (await res.json()) as { messages: Array<{ role: string; parts: Array<{ type: string; text?: string }>; metadata: { status: string } }> };
      expect(conv.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      const answer = conv.messages[1]!;
      expect(answer.parts.find((p) => p.type === 'text')?.text, s.id).toBe(s.text);
      expect(answer.metadata.status, s.id).toBe(status);
    };
    for (const s of short) await check(s, shortReader, 'complete');
    for (const s of long) await check(s, longReader, 'aborted');
  } finally {
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  }
}, 240_000);
