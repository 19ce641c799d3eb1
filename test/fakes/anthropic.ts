/** Fake Anthropic API: /v1/messages (SSE stream, or JSON for structured output via a tool or output_config) and GET /v1/models/{id}. */
import { answerFor, type FakeModelServer, promptText, startModelServer, suggestionsFor, type Wire, writeJson } from './model-server.js';

const errorBody = (status: number, message: string) => ({ type: 'error', error: { type: status === 401 ? 'authentication_error' : 'overloaded_error', message } });

const wire: Wire = {
  async route(req, body, res, ctx) {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const key = typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : undefined;
    if (req.method === 'GET' && path.startsWith('/v1/models/')) {
      // The Models API (GET /v1/models/{model_id}): what `folio doctor` asks.
      if (await ctx.preflight(req, res, key, errorBody)) return true;
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      if (!id.startsWith('claude-')) writeJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `model: ${id}` } });
      else writeJson(res, 200, { type: 'model', id, display_name: id, created_at: '2025-09-29T00:00:00Z' });
      return true;
    }
    if (req.method !== 'POST' || path !== '/v1/messages') return false;
    if (await ctx.preflight(req, res, key, errorBody)) return true;
    const b = body as { model: string; stream?: boolean; tools?: Array<{ name: string }>; output_config?: { format?: unknown } };
    const inputTokens = Math.ceil(promptText(body).length / 4);
    const usage = { input_tokens: inputTokens, output_tokens: 10 };
    if (!b.stream) {
      const jsonTool = b.tools?.find((t) => t.name === 'json');
      const suggestions = { suggestions: suggestionsFor(ctx.behaviour) };
      const content = jsonTool
        ? [{ type: 'tool_use', id: 'toolu_fake', name: 'json', input: suggestions }]
        : [{ type: 'text', text: b.output_config?.format !== undefined ? JSON.stringify(suggestions) : answerFor(ctx.behaviour, body) }];
      writeJson(res, 200, {
        id: 'msg_fake',
        type: 'message',
        role: 'assistant',
        model: b.model,
        content,
        stop_reason: jsonTool ? 'tool_use' : 'end_turn',
        stop_sequence: null,
        usage,
      });
      return true;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    res.write(
      event('message_start', {
        message: {
          id: 'msg_fake',
          type: 'message',
          role: 'assistant',
          model: b.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: 1 },
        },
      }),
    );
    res.write(event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
    let count = 0;
    const ok = await ctx.stream(res, answerFor(ctx.behaviour, body), (token) => {
      count++;
      res.write(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: token } }));
    });
    if (ok && !res.destroyed) {
      res.write(event('content_block_stop', { index: 0 }));
      res.write(event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: count } }));
      res.end(event('message_stop', {}));
    }
    return true;
  },
};

export function startFakeAnthropic(): Promise<FakeModelServer> {
  return startModelServer(wire, { isChat: (p) => p.startsWith('/v1/messages') });
}
