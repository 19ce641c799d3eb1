/**
 * The describer through the real AI SDK OpenAI-compatible provider against a
 * fake vision server on a loopback port: the image goes out as an `image_url`
 * part with a `data:` URL, with the provider's key and Modal proxy headers.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeVisionServer, startFakeVision } from '../../test/fakes/vision.js';
import { loadConfig } from '../config/env.js';
import { visionImage } from '../images.js';
import { pageDescriberFor } from './describer.js';

let vision: FakeVisionServer;
const ctx = { seriesTitle: 'Tiny', episode: 1, episodeTitle: 'One', page: 2, dialogue: 'ADA: Hello.' };
let jpeg: Buffer;

beforeAll(async () => {
  vision = await startFakeVision();
  jpeg = await sharp({ create: { width: 64, height: 96, channels: 3, background: '#2980b9' } })
    .jpeg()
    .toBuffer();
});
afterAll(() => vision?.close());
beforeEach(() => vision.reset());

const openai = (extra: Record<string, string> = {}) =>
  loadConfig(
    {
      FOLIO_MODEL: 'openai',
      FOLIO_MODEL_BASE_URL: `${vision.url}/v1`,
      FOLIO_MODEL_API_KEY: 'sk-vision-test',
      FOLIO_CHAT_MODEL: 'fake-chat',
      FOLIO_VISION_MODEL: 'qwen2.5-vl-7b',
      MODAL_PROXY_TOKEN_ID: 'wk-vision',
      MODAL_PROXY_TOKEN_SECRET: 'ws-vision',
      ...extra,
    },
    { cwd: '/tmp' },
  );

describe('pageDescriberFor', () => {
  it('is off without FOLIO_VISION_MODEL', () => {
    expect(pageDescriberFor(loadConfig({ FOLIO_MODEL: 'openai', FOLIO_MODEL_BASE_URL: 'http://127.0.0.1:1/v1', FOLIO_CHAT_MODEL: 'x' }, { cwd: '/tmp' }))).toBeNull();
    expect(pageDescriberFor(loadConfig({}, { cwd: '/tmp' }))).toBeNull();
  });

  it('auto means the local Ollama', () => {
    expect(pageDescriberFor(loadConfig({ FOLIO_VISION_MODEL: 'qwen2.5vl:3b' }, { cwd: '/tmp' }))?.model).toBe('ollama:qwen2.5vl:3b');
  });

  it('sends the page as an image_url data URL on the configured OpenAI-compatible server, with its key and Modal headers', async () => {
    vision.set({ apiKey: 'sk-vision-test' });
    const describer = pageDescriberFor(openai())!;
    expect(describer.model).toBe('openai:qwen2.5-vl-7b');
    const text = await describer.describe(jpeg, 'image/jpeg', ctx);
    expect(text).toBe('A drawn panel for episode 1, page 2: rooftops under a violet sky, and a lantern glowing in a window.');

    expect(vision.rejected).toBe(0);
    expect(vision.images).toHaveLength(1);
    expect(vision.images[0]!.mime).toBe('image/jpeg');
    expect(vision.images[0]!.bytes.equals(jpeg)).toBe(true);
    expect(vision.images[0]!.prompt).toContain('ADA: Hello.');
    const req = vision.chatRequests()[0]!;
    expect((req.body as { model: string }).model).toBe('qwen2.5-vl-7b');
    expect(req.headers['modal-key']).toBe('wk-vision');
    expect(req.headers['modal-secret']).toBe('ws-vision');
    const image = JSON.stringify(req.body).match(/"url":"(data:[^"]{0,40})/)?.[1];
    expect(image).toMatch(/^data:image\/jpeg;base64,/);
  });

  it('a model answer with nothing usable is a failure', async () => {
    vision.set({ persona: 'fixed', text: '**  **' });
    await expect(pageDescriberFor(openai())!.describe(jpeg, 'image/jpeg', ctx)).rejects.toMatchObject({ code: 'unavailable:vision_empty' });
  });

  it('a server error and a hanging server fail (the latter within the timeout)', async () => {
    vision.set({ fault: 'server-error' });
    await expect(pageDescriberFor(openai())!.describe(jpeg, 'image/jpeg', ctx)).rejects.toMatchObject({ statusCode: 503 });
    vision.set({ fault: 'hang' });
    const started = performance.now();
    const describer = pageDescriberFor(openai({ FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '200', FOLIO_MODEL_TOTAL_TIMEOUT_MS: '1000' }))!;
    await expect(describer.describe(jpeg, 'image/jpeg', ctx)).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});

describe('visionImage', () => {
  it('downscales a page to at most 1024 px on its longest side, as JPEG', async () => {
    const big = await sharp({ create: { width: 1500, height: 2400, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const out = await visionImage(big);
    expect(out.mime).toBe('image/jpeg');
    expect([out.width, out.height]).toEqual([640, 1024]);
    expect((await sharp(out.bytes).metadata()).format).toBe('jpeg');
    const small = await visionImage(jpeg);
    expect([small.width, small.height]).toEqual([64, 96]);
  });
});
