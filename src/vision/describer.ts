/**
 * A page describer: one image in, a short plain description out. The
 * implementation goes through the Vercel AI SDK on the configured provider,
 * built exactly as the chat model is (base URL, key, Modal proxy headers):
 * the image travels as an image content part, which the OpenAI-compatible
 * provider sends as `image_url` with a `data:` URL, Ollama as `images`, and
 * Anthropic as a base64 image source.
 */
import type { LanguageModel } from 'ai';
import type { Config } from '../config/env.js';
import { FolioError } from '../errors.js';
import { aiSdk } from '../models/ai-sdk.js';
import { providerModel } from '../models/registry.js';
import { cleanDescription, EMPTY_DESCRIPTION, type PageContext, parseTranscription, TRANSCRIBE_SYSTEM, transcribePrompt, VISION_SYSTEM, visionPrompt } from './prompt.js';

export type { PageContext } from './prompt.js';

export interface PageDescriber {
  /** `provider:model`: stored with every description and, with the image hash, the key that avoids asking twice. */
  readonly model: string;
  /** A short description of what the page shows. Throws when the model fails or says nothing usable. */
  describe(image: Uint8Array, mime: string, context: PageContext, signal?: AbortSignal): Promise<string>;
  /**
   * The page's lettering (with the OCR reading in `context.dialogue` as a hint) and a description. Throws when the
   * model fails or returns neither.
   */
  transcribe(image: Uint8Array, mime: string, context: PageContext, signal?: AbortSignal): Promise<{ lettering: string | null; description: string | null }>;
}

export interface DescriberOptions {
  /** One request's limit (FOLIO_MODEL_TOTAL_TIMEOUT_MS). */
  timeoutMs: number;
  maxOutputTokens?: number;
}

export class AiSdkPageDescriber implements PageDescriber {
  constructor(
    private readonly languageModel: LanguageModel,
    readonly model: string,
    private readonly opts: DescriberOptions,
  ) {}

  private async ask(system: string, prompt: string, image: Uint8Array, mime: string, maxOutputTokens: number, signal?: AbortSignal): Promise<string> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const { generateText } = await aiSdk();
    const result = await generateText({
      model: this.languageModel,
      system,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: prompt },
            { type: 'image', image: image, mediaType: mime },
          ],
        },
      ],
      abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      // Retries are the caller's (one, see describe-pages.ts): the SDK's back-off would multiply them.
      maxRetries: 0,
      maxOutputTokens,
      temperature: 0.2,
    });
    return result.text;
  }

  async describe(image: Uint8Array, mime: string, context: PageContext, signal?: AbortSignal): Promise<string> {
    const text = cleanDescription(await this.ask(VISION_SYSTEM, visionPrompt(context), image, mime, this.opts.maxOutputTokens ?? 200, signal));
    if (text === null) throw new FolioError(EMPTY_DESCRIPTION, 'The vision model returned no usable description.');
    return text;
  }

  async transcribe(image: Uint8Array, mime: string, context: PageContext, signal?: AbortSignal) {
    const out = parseTranscription(await this.ask(TRANSCRIBE_SYSTEM, transcribePrompt(context), image, mime, this.opts.maxOutputTokens ?? 600, signal));
    if (out.lettering === null && out.description === null) throw new FolioError(EMPTY_DESCRIPTION, 'The vision model returned no lettering and no description.');
    return out;
  }
}

/**
 * The describer FOLIO_VISION_MODEL asks for, or null when it is unset. `auto` means the local Ollama (at
 * FOLIO_MODEL_BASE_URL or its default port); `none` with a vision model is refused by the config contract.
 */
export function pageDescriberFor(config: Pick<Config, 'model' | 'chat'>): PageDescriber | null {
  const m = config.model;
  if (!m.visionModel || m.provider === 'none') return null;
  const provider = m.provider === 'auto' ? 'ollama' : m.provider;
  const chat = providerModel(provider, m, m.visionModel);
  return new AiSdkPageDescriber(chat.languageModel, chat.label, { timeoutMs: config.chat.totalTimeoutMs });
}
