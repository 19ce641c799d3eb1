/**
 * Fake OpenAI-compatible vision server: POST /v1/chat/completions with image
 * input, on a real loopback port (the shared model-server.ts machinery: faults,
 * recorded requests, behaviours). Every request must carry exactly one image
 * part `{"type":"image_url","image_url":{"url":"data:image/<type>;base64,…"}}`
 * in a user message; one that does not is answered 400 and counted in
 * `rejected`, so a test can assert the wire format by asserting `rejected` is 0.
 * The decoded images are kept for inspection.
 *
 * Answers: persona `fixed` says `text` (a model that "recognises" a character,
 * say); otherwise a plain description naming the episode and page it was told,
 * or, asked to transcribe, the machine reading it was given as the lettering.
 */
import { type FakeModelServer, promptText, startModelServer, type Wire, writeJson } from './model-server.js';

export interface VisionImage {
  mime: string;
  bytes: Buffer;
  /** The text parts of the request (system + user). */
  prompt: string;
}

export interface FakeVisionServer extends FakeModelServer {
  readonly images: VisionImage[];
  /** Requests refused because they carried no (or no valid) image part. */
  readonly rejected: number;
}

const DATA_URL = /^data:(image\/(?:jpeg|png|webp|gif));base64,([A-Za-z0-9+/]+={0,2})$/;

type Part = { type?: unknown; text?: unknown; image_url?: { url?: unknown } | string };

/** The image parts of the user messages, decoded; null when any is not a base64 data URL of an image. */
export function imageParts(body: unknown): Array<{ mime: string; bytes: Buffer }> | null {
  const messages = (body as { messages?: Array<{ role?: string; content?: unknown }> })?.messages ?? [];
  const out: Array<{ mime: string; bytes: Buffer }> = [];
  for (const m of messages) {
    if (m.role !== 'user' || !Array.isArray(m.content)) continue;
    for (const part of m.content as Part[]) {
      if (part.type !== 'image_url') continue;
      const url = typeof part.image_url === 'string' ? part.image_url : part.image_url?.url;
      const match = typeof url === 'string' ? DATA_URL.exec(url) : null;
      if (!match) return null;
      out.push({ mime: match[1]!, bytes: Buffer.from(match[2]!, 'base64') });
    }
  }
  return out;
}

/** A plain description of "the page" the prompt names. */
function honestDescription(prompt: string): string {
  const at = /Episode (\d+)\b[^\n]*?, page (\d+)/.exec(prompt);
  return at
    ? `A drawn panel for episode ${at[1]}, page ${at[2]}: rooftops under a violet sky, and a lantern glowing in a window.`
    : 'A drawn panel: rooftops under a violet sky.';
}

/** A transcription that letters what the machine reading says (no better, no worse), and a plain description. */
function honestTranscription(prompt: string): string {
  const reading = /<reading>\n([\s\S]*?)\n<\/reading>/.exec(prompt)?.[1] ?? '';
  return `LETTERING:\n${reading || '(none)'}\n\nDESCRIPTION:\n${honestDescription(prompt)}`;
}

export async function startFakeVision(): Promise<FakeVisionServer> {
  const images: VisionImage[] = [];
  let rejected = 0;
  const errorBody = (_status: number, message: string) => ({ error: { message, type: 'invalid_request_error' } });
  const wire: Wire = {
    async route(req, body, res, ctx) {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || path !== '/v1/chat/completions') return false;
      const auth = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : undefined;
      if (await ctx.preflight(req, res, auth, errorBody)) return true;
      const parts = imageParts(body);
      if (parts === null || parts.length !== 1) {
        rejected++;
        writeJson(res, 400, errorBody(400, 'expected exactly one image part with a data:image/...;base64, URL'));
        return true;
      }
      const prompt = promptText(body);
      images.push({ ...parts[0]!, prompt });
      const b = ctx.behaviour;
      const content = b.persona === 'fixed' ? b.text : /Transcribe the lettering/.test(prompt) ? honestTranscription(prompt) : honestDescription(prompt);
      if (b.ttftMs > 0) await new Promise((r) => setTimeout(r, b.ttftMs));
      writeJson(res, 200, {
        id: 'chatcmpl-vision',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: (body as { model?: string }).model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 900, completion_tokens: 40, total_tokens: 940 },
      });
      return true;
    },
  };
  const server = await startModelServer(wire, { isChat: (p) => p.startsWith('/v1/chat/completions') });
  const reset = server.reset;
  server.reset = () => {
    reset();
    images.length = 0;
    rejected = 0;
  };
  return Object.defineProperties(server, { images: { value: images }, rejected: { get: () => rejected } }) as FakeVisionServer;
}
