/**
 * A fake model server as its own process (for benches, or to try Folio by hand):
 *   node --import tsx test/fakes/cli.ts ollama|openai|anthropic [--port N]
 * Prints one JSON line {"url": "..."} when listening. Behaviour can be changed with
 * `POST /__fake/behaviour` (JSON, see Behaviour in model-server.ts); `GET /__fake/stats`.
 * Keeps only a count of requests (a bench sends many).
 */
import { startFakeAnthropic } from './anthropic.js';
import type { FakeModelServer } from './model-server.js';
import { startFakeOllama } from './ollama.js';
import { startFakeOpenAI } from './openai.js';

const kind = process.argv[2];
const starters: Record<string, () => Promise<FakeModelServer>> = { ollama: startFakeOllama, openai: startFakeOpenAI, anthropic: startFakeAnthropic };
const start = kind ? starters[kind] : undefined;
if (!start) {
  process.stderr.write('usage: node --import tsx test/fakes/cli.ts ollama|openai|anthropic\n');
  process.exit(2);
}
const server = await start();
// A long bench must not keep every request body in memory.
setInterval(() => {
  if (server.requests.length > 1000) server.requests.splice(0, server.requests.length - 100);
}, 1000).unref();
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
const stop = () => void server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
