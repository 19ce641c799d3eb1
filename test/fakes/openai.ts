/** Fake OpenAI-compatible server: /v1/models, /v1/chat/completions (SSE stream or JSON), /v1/embeddings. */
import { answerFor, type FakeModelServer, fakeEmbedding, promptText, startModelServer, suggestionsFor, type Wire, writeJson } from './model-server.js';
import { FAKE_EMBED_DIMS } from './ollama.js';

const bearer = (h: string | undefined) => (h?.startsWith('Bearer ') ? h.slice(7) : undefined);
const errorBody = (_status: number, message: string) => ({ error: { message, type: 'invalid_request_error', code: 'invalid_api_key' } });

const wire: Wire = {
  async route(req, body, res, ctx) {
    const path = (req.url ?? '').split('?')[0];
    const auth = bearer(req.headers.authorization);
    if (req.method === 'GET' && path === '/v1/models') {
      if (await ctx.preflight(req, res, auth, errorBody)) return true;
      writeJson(res, 200, { object: 'list', data: [{ id: 'fake-chat', object: 'model', owned_by: 'folio-tests' }] });
      return true;
    }
    if (req.method === 'POST' && path === '/v1/embeddings') {
      if (await ctx.preflight(req, res, auth, errorBody)) return true;
      const b = body as { model: string; input: string[] | string };
      const input = Array.isArray(b.input) ? b.input : [b.input];
      writeJson(res, 200, {
        object: 'list',
        data: input.map((t, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(t, FAKE_EMBED_DIMS) })),
        model: b.model,
        usage: { prompt_tokens: input.length, total_tokens: input.length },
      });
      return true;
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      const b = body as { model: string; stream?: boolean; response_format?: unknown };
      if (await ctx.preflight(req, res, auth, errorBody)) return true;
      const created = Math.floor(Date.now() / 1000);
      const promptTokens = Math.ceil(promptText(body).length / 4);
      if (!b.stream) {
        const content = b.response_format !== undefined ? JSON.stringify({ suggestions: suggestionsFor(ctx.behaviour) }) : answerFor(ctx.behaviour, body);
        writeJson(res, 200, {
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          created,
          model: b.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: promptTokens, completion_tokens: 10, total_tokens: promptTokens + 10 },
        });
        return true;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created, model: b.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      let count = 0;
      const ok = await ctx.stream(res, answerFor(ctx.behaviour, body), (token, i) => {
        count++;
        res.write(chunk(i === 0 ? { role: 'assistant', content: token } : { content: token }, null));
      });
      if (ok && !res.destroyed) {
        res.write(chunk({}, 'stop'));
        res.write(
          `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created, model: b.model, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: count, total_tokens: promptTokens + count } })}\n\n`,
        );
        res.end('data: [DONE]\n\n');
      }
      return true;
    }
    return false;
  },
};

export function startFakeOpenAI(): Promise<FakeModelServer> {
  return startModelServer(wire, { isChat: (p) => p.startsWith('/v1/chat/completions') });
}
