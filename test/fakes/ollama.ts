/** Fake Ollama: /api/tags, /api/chat (NDJSON stream or one JSON), /api/embed. */
import { answerFor, type FakeModelServer, fakeEmbedding, promptText, startModelServer, suggestionsFor, type Wire, writeJson } from './model-server.js';

export const FAKE_OLLAMA_MODELS = ['llama3.2:3b', 'nomic-embed-text:latest'];
export const FAKE_EMBED_DIMS = 64;

const now = () => new Date().toISOString();

const wire: Wire = {
  async route(req, body, res, ctx) {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/api/tags') {
      if (await ctx.preflight(req, res, undefined, (_s, m) => ({ error: m }))) return true;
      writeJson(res, 200, { models: FAKE_OLLAMA_MODELS.map((name) => ({ name, model: name, size: 1, digest: 'x', modified_at: now() })) });
      return true;
    }
    if (req.method === 'POST' && path === '/api/embed') {
      const b = body as { model: string; input: string[] | string };
      const input = Array.isArray(b.input) ? b.input : [b.input];
      writeJson(res, 200, {
        model: b.model,
        embeddings: input.map((t) => fakeEmbedding(t, FAKE_EMBED_DIMS)),
        total_duration: 1,
        load_duration: 1,
        prompt_eval_count: input.length,
      });
      return true;
    }
    if (req.method === 'POST' && path === '/api/chat') {
      const b = body as { model: string; messages: unknown[]; stream?: boolean; format?: unknown };
      if (await ctx.preflight(req, res, undefined, (_s, m) => ({ error: m }))) return true;
      if (b.messages.length === 0) {
        // Load request (warm-up): Ollama answers at once with done_reason "load".
        writeJson(res, 200, { model: b.model, created_at: now(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true });
        return true;
      }
      const promptTokens = Math.ceil(promptText(body).length / 4);
      if (b.format !== undefined || b.stream === false) {
        const content = b.format !== undefined ? JSON.stringify({ suggestions: suggestionsFor(ctx.behaviour) }) : answerFor(ctx.behaviour, body);
        writeJson(res, 200, {
          model: b.model,
          created_at: now(),
          message: { role: 'assistant', content },
          done_reason: 'stop',
          done: true,
          prompt_eval_count: promptTokens,
          eval_count: 10,
        });
        return true;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      let count = 0;
      const ok = await ctx.stream(res, answerFor(ctx.behaviour, body), (token) => {
        count++;
        res.write(`${JSON.stringify({ model: b.model, created_at: now(), message: { role: 'assistant', content: token }, done: false })}\n`);
      });
      if (ok && !res.destroyed)
        res.end(
          `${JSON.stringify({ model: b.model, created_at: now(), message: { role: 'assistant', content: '' }, done_reason: 'stop', done: true, prompt_eval_count: promptTokens, eval_count: count, total_duration: 1, eval_duration: 1 })}\n`,
        );
      return true;
    }
    return false;
  },
};

export function startFakeOllama(): Promise<FakeModelServer> {
  return startModelServer(wire, { isChat: (p) => p.startsWith('/api/chat') });
}
