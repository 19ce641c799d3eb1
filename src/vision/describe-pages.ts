/**
 * Descriptions for the pages of an import: each distinct image is looked up
 * in the cache (image hash + model) and only the missing ones are sent to the
 * model, downscaled, with bounded concurrency, a timeout and one retry each.
 * A failure never fails the import: the page stays without a description, is
 * counted, and is tried again at the next import. After a few failures in a
 * row the model is taken to be down and the remaining pages are not sent
 * (counted as failed), so a dead server cannot stall an import for hours.
 */
import { mapLimit } from '../concurrency.js';
import type { Db } from '../db/client.js';
import { isFolioError } from '../errors.js';
import { visionImage } from '../images.js';
import { classifyModelError } from '../models/errors.js';
import type { PageContext, PageDescriber } from './describer.js';
import { EMPTY_DESCRIPTION } from './prompt.js';
import * as q from './queries.js';

export interface PageImage {
  /** SHA-256 of the source image bytes: with the model, the cache key. */
  imageHash: string;
  read(): Promise<Buffer>;
  context: PageContext;
  /** The page has no authored text: the model transcribes it too (`context.dialogue` is the OCR reading, a hint). */
  transcribe?: boolean;
}

export interface DescribeOptions {
  /** Requests in flight at once (FOLIO_JOB_CONCURRENCY; 1 on a Raspberry Pi). */
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Pause before the one retry. */
  retryDelayMs?: number;
  /** Consecutive failed pages after which the rest are not sent. */
  giveUpAfter?: number;
}

export interface DescribeOutcome {
  /** Descriptions by image hash: reused and new. */
  texts: Map<string, string>;
  /** The model's lettering of the pages it transcribed, by image hash (reused and new). */
  letterings: Map<string, string>;
  /** Distinct images described by the model in this run. */
  made: number;
  /** Distinct images whose description came from the cache. */
  reused: number;
  /** Distinct images left without a description (model failed, or not sent after it was given up on). */
  failed: number;
  /** What went wrong first, for the operator: `timeout (episode 1, page 3)`. */
  firstFailure: string | null;
}

const DEFAULT_RETRY_DELAY_MS = 1_000;
const DEFAULT_GIVE_UP_AFTER = 3;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

function failureKind(err: unknown): string {
  if (isFolioError(err) && err.code === EMPTY_DESCRIPTION) return 'empty answer';
  return classifyModelError(err);
}

/** The cache key of a transcription (lettering and description, stored together as JSON) by this model. */
const transcriptionKey = (model: string) => `${model}#lettering`;

export async function describePages(db: Db, describer: PageDescriber, pages: PageImage[], opts: DescribeOptions): Promise<DescribeOutcome> {
  const distinct = new Map<string, PageImage>();
  for (const p of pages) if (!distinct.has(p.imageHash)) distinct.set(p.imageHash, p);
  const hashes = (transcribe: boolean) => [...distinct.values()].filter((p) => Boolean(p.transcribe) === transcribe).map((p) => p.imageHash);
  const texts = await q.cachedDescriptions(db, hashes(false), describer.model);
  const letterings = new Map<string, string>();
  for (const [hash, raw] of await q.cachedDescriptions(db, hashes(true), transcriptionKey(describer.model))) {
    const t = JSON.parse(raw) as { lettering: string | null; description: string | null };
    if (t.description) texts.set(hash, t.description);
    if (t.lettering) letterings.set(hash, t.lettering);
  }
  const done0 = new Set([...texts.keys(), ...letterings.keys()]);
  const reused = done0.size;
  const todo = [...distinct.values()].filter((p) => !done0.has(p.imageHash));

  let made = 0;
  let failed = 0;
  let done = 0;
  let inARow = 0;
  let firstFailure: string | null = null;
  const giveUpAfter = opts.giveUpAfter ?? DEFAULT_GIVE_UP_AFTER;
  opts.onProgress?.(0, todo.length);

  const attempt = async (p: PageImage): Promise<{ lettering: string | null; description: string | null }> => {
    const image = await visionImage(await p.read());
    let lastError: unknown;
    for (let i = 0; i < 2; i++) {
      opts.signal?.throwIfAborted();
      if (i > 0) await sleep(opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, opts.signal);
      try {
        if (p.transcribe) return await describer.transcribe(image.bytes, image.mime, p.context, opts.signal);
        return { lettering: null, description: await describer.describe(image.bytes, image.mime, p.context, opts.signal) };
      } catch (err) {
        // A cancelled import is not a model failure.
        opts.signal?.throwIfAborted();
        lastError = err;
      }
    }
    throw lastError;
  };

  await mapLimit(todo, opts.concurrency, async (p) => {
    opts.signal?.throwIfAborted();
    if (inARow >= giveUpAfter) {
      failed++;
    } else {
      try {
        const t = await attempt(p);
        if (p.transcribe) await q.rememberDescription(db, p.imageHash, transcriptionKey(describer.model), JSON.stringify(t));
        else await q.rememberDescription(db, p.imageHash, describer.model, t.description!);
        if (t.description) texts.set(p.imageHash, t.description);
        if (t.lettering) letterings.set(p.imageHash, t.lettering);
        made++;
        inARow = 0;
      } catch (err) {
        opts.signal?.throwIfAborted();
        failed++;
        inARow++;
        firstFailure ??= `${failureKind(err)} (episode ${p.context.episode}, page ${p.context.page})`;
      }
    }
    opts.onProgress?.(++done, todo.length);
  });
  return { texts, letterings, made, reused, failed, firstFailure };
}
