/**
 * The model layer: the configured provider answers, with Modal proxy-auth
 * headers when they are set (models/types.ts modalHeaders), and lists the
 * chat model (and a provider embedding model) Folio will ask for. Listing is
 * free and generates nothing: Ollama `GET /api/tags`, OpenAI-compatible
 * `GET /models`, Anthropic `GET /v1/models/{model}` (authenticated).
 */
import type { Config } from '../config/env.js';
import { OLLAMA_DEFAULT_URL, ollamaRoot, probeOllama } from '../models/ollama.js';
import { pickAutoChatModel } from '../models/registry.js';
import { modalHeaders, type ProviderSettings } from '../models/types.js';
import { type CheckResult, fail, pass, reason, skip, warn } from './types.js';

const LAYER = 'model';
export const ANTHROPIC_DEFAULT_URL = 'https://api.anthropic.com/v1';

const settings = (c: Config): ProviderSettings => ({ baseUrl: c.model.baseUrl, apiKey: c.model.apiKey, modalProxy: c.model.modalProxy });

/** A GET that reports instead of throwing. */
async function get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: unknown } | { error: string }> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body };
  } catch (err) {
    return { error: (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : reason(err) };
  }
}

function refused(config: Config, url: string, status: number): CheckResult {
  const modal = config.model.modalProxy !== undefined;
  return fail(
    LAYER,
    `${url} refused Folio's credentials (${status})`,
    modal
      ? 'check MODAL_PROXY_TOKEN_ID and MODAL_PROXY_TOKEN_SECRET (Modal: Settings → Proxy Auth Tokens; the endpoint has requires_proxy_auth=True).'
      : config.model.provider === 'ollama'
        ? 'this server wants credentials: for a Modal endpoint set MODAL_PROXY_TOKEN_ID and MODAL_PROXY_TOKEN_SECRET.'
        : 'check FOLIO_MODEL_API_KEY (the bare key, no "Bearer ").',
  );
}

const unreachable = (url: string, why: string, fix: string) => fail(LAYER, `the model server at ${url} is not reachable: ${why}`, fix);

async function checkOllama(config: Config, timeoutMs: number): Promise<CheckResult> {
  const s = settings(config);
  const root = ollamaRoot(s);
  const r = await get(`${root}/api/tags`, modalHeaders(s), timeoutMs);
  if ('error' in r) {
    return unreachable(
      root,
      r.error,
      `start Ollama there (\`ollama serve\`), or correct FOLIO_MODEL_BASE_URL${root === OLLAMA_DEFAULT_URL ? ' (unset: the local default)' : ''}; a Modal endpoint scaled to zero takes a little while on its first request: run folio doctor again.`,
    );
  }
  if (r.status === 401 || r.status === 403) return refused(config, `${root}/api/tags`, r.status);
  if (r.status !== 200)
    return fail(
      LAYER,
      `${root}/api/tags answered ${r.status}: not an Ollama server?`,
      'point FOLIO_MODEL_BASE_URL at the Ollama server (without /api), or choose FOLIO_MODEL=openai for an OpenAI-compatible one.',
    );
  const listed = ((r.body as { models?: Array<{ name?: string; model?: string }> }).models ?? []).map((m) => String(m.name ?? m.model ?? '')).filter(Boolean);
  const pull = (m: string) => `\`ollama pull ${m}\` on that server (Modal: \`modal run deploy/modal/ollama_server.py::pull --model ${m}\`)`;
  const chat = pickAutoChatModel(listed, config.model.chatModel);
  if (chat === null) {
    return config.model.chatModel
      ? fail(
          LAYER,
          `FOLIO_CHAT_MODEL=${config.model.chatModel} is not pulled on ${root} (it has: ${listed.join(', ') || 'nothing'})`,
          `${pull(config.model.chatModel)}, or set FOLIO_CHAT_MODEL to one it has.`,
        )
      : fail(LAYER, `${root} has no chat model (it has: ${listed.join(', ') || 'nothing'})`, `${pull('llama3.2:3b')}, and set FOLIO_CHAT_MODEL.`);
  }
  const embed = config.model.embedModel;
  if (embed !== 'local' && embed !== 'none' && pickAutoChatModel(listed, embed) === null) {
    return fail(LAYER, `FOLIO_EMBED_MODEL=${embed} is not pulled on ${root} (it has: ${listed.join(', ')})`, `${pull(embed)}, or set FOLIO_EMBED_MODEL=local.`);
  }
  const auth = config.model.modalProxy ? ', with Modal proxy auth' : '';
  return pass(LAYER, `Ollama at ${root}${auth} answers and has ${chat}${embed !== 'local' && embed !== 'none' ? ` and ${embed}` : ''}`);
}

async function checkOpenAI(config: Config, timeoutMs: number): Promise<CheckResult> {
  const s = settings(config);
  const base = s.baseUrl!;
  const r = await get(`${base}/models`, { ...(s.apiKey ? { authorization: `Bearer ${s.apiKey}` } : {}), ...modalHeaders(s) }, timeoutMs);
  if ('error' in r) return unreachable(base, r.error, 'start the server, or correct FOLIO_MODEL_BASE_URL (the URL that ends in /v1).');
  if (r.status === 401 || r.status === 403) return refused(config, `${base}/models`, r.status);
  if (r.status === 404) return fail(LAYER, `${base}/models does not exist`, 'FOLIO_MODEL_BASE_URL must be the OpenAI-compatible base URL, usually ending in /v1.');
  if (r.status !== 200) return fail(LAYER, `${base}/models answered ${r.status}`, 'check the model server.');
  const ids = ((r.body as { data?: Array<{ id?: string }> }).data ?? []).map((m) => String(m.id ?? '')).filter(Boolean);
  for (const [variable, model] of [
    ['FOLIO_CHAT_MODEL', config.model.chatModel!],
    ...(config.model.embedModel !== 'local' && config.model.embedModel !== 'none' ? [['FOLIO_EMBED_MODEL', config.model.embedModel]] : []),
  ] as const) {
    if (!ids.includes(model)) {
      return fail(
        LAYER,
        `${variable}=${model} is not among the models ${base} serves (${ids.slice(0, 8).join(', ') || 'none'}${ids.length > 8 ? ', …' : ''})`,
        `set ${variable} to a model id from GET ${base}/models, or load that model on the server.`,
      );
    }
  }
  return pass(LAYER, `OpenAI-compatible server at ${base} answers and serves ${config.model.chatModel}`);
}

async function checkAnthropic(config: Config, timeoutMs: number): Promise<CheckResult> {
  const base = config.model.baseUrl ?? ANTHROPIC_DEFAULT_URL;
  const model = config.model.chatModel!;
  // The Models API: authenticated, free, and it says whether this model name exists for this key.
  const r = await get(`${base}/models/${encodeURIComponent(model)}`, { 'x-api-key': config.model.apiKey!, 'anthropic-version': '2023-06-01' }, timeoutMs);
  if ('error' in r) return unreachable(base, r.error, 'check the network (and FOLIO_MODEL_BASE_URL if you set it).');
  if (r.status === 401 || r.status === 403) return refused(config, base, r.status);
  if (r.status === 404)
    return fail(LAYER, `Anthropic does not know the model "${model}" for this key`, 'set FOLIO_CHAT_MODEL to a model id your account has (e.g. claude-sonnet-4-5).');
  if (r.status !== 200) return fail(LAYER, `${base}/models/${model} answered ${r.status}`, 'check FOLIO_MODEL_API_KEY and FOLIO_CHAT_MODEL.');
  return pass(LAYER, `Anthropic accepts the key and has ${model}`);
}

export async function checkModel(config: Config): Promise<CheckResult> {
  // The first request to a scaled-to-zero GPU may wait for a container: as long as a chat would.
  const timeoutMs = Math.min(config.chat.firstTokenTimeoutMs, 60_000);
  switch (config.model.provider) {
    case 'none':
      return skip(LAYER, 'FOLIO_MODEL=none: answers are quotes from the pages read, with citations (no language model)');
    case 'auto': {
      const s = settings(config);
      const listed = await probeOllama(s, Math.max(config.chat.probeTimeoutMs, 2_000));
      const model = listed === null ? null : pickAutoChatModel(listed, config.model.chatModel);
      if (model) return pass(LAYER, `FOLIO_MODEL=auto: the Ollama at ${ollamaRoot(s)} answers with ${model}`);
      return warn(
        LAYER,
        listed === null
          ? `FOLIO_MODEL=auto: no Ollama answers at ${ollamaRoot(s)}, so answers are in quote mode`
          : `FOLIO_MODEL=auto: the Ollama at ${ollamaRoot(s)} has no chat model, so answers are in quote mode`,
        'start Ollama and `ollama pull llama3.2:3b` for model answers, or set FOLIO_MODEL=none to choose quote mode on purpose.',
      );
    }
    case 'ollama':
      return checkOllama(config, timeoutMs);
    case 'openai':
      return checkOpenAI(config, timeoutMs);
    case 'anthropic':
      return checkAnthropic(config, timeoutMs);
  }
}
