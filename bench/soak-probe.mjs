/**
 * Preloaded into the `folio serve` of bench/soak.ts (`node --expose-gc --import
 * bench/soak-probe.mjs …`), never into a production process. It appends JSON
 * lines to $FOLIO_SOAK_PROBE (sizes in MB, `at` in ms since the epoch):
 *  - every second, `process.memoryUsage()` ({"kind":"sample"}): RSS and the V8
 *    heap's size read at the same moment, so the bench can tell the heap from
 *    the rest of the process (PGlite's WebAssembly memory, native memory, code);
 *  - on SIGUSR2, the same after two full garbage collections with the
 *    finalizers the first one queued run in between ({"kind":"gc"}, with
 *    `code`: the part of the heap that is compiled code): what the heap holds
 *    alive. RSS and the heap's size also count garbage not collected yet and the
 *    room V8 keeps to grow into, which V8 sizes by the allocation rate over
 *    minutes; a leak is what survives a full collection. With
 *    $FOLIO_SOAK_SNAPSHOTS (a directory), a heap snapshot too.
 * Plain JavaScript, so it loads in front of the build as well as of tsx.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

const file = process.env.FOLIO_SOAK_PROBE;
const snapshots = process.env.FOLIO_SOAK_SNAPSHOTS;
let collections = 0;
const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

function write(kind, extra) {
  const m = process.memoryUsage();
  const line = {
    kind,
    at: Date.now(),
    rss: mb(m.rss),
    heapTotal: mb(m.heapTotal),
    heapUsed: mb(m.heapUsed),
    external: mb(m.external),
    arrayBuffers: mb(m.arrayBuffers),
    ...extra,
  };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

if (file) {
  setInterval(() => write('sample'), 1_000).unref();
  const gc = globalThis.gc;
  if (typeof gc === 'function') {
    process.on('SIGUSR2', () => {
      let t0 = performance.now();
      gc();
      let gcMs = performance.now() - t0;
      // FinalizationRegistry callbacks run as tasks after a collection: let them run, then collect what they let go.
      setTimeout(() => {
        t0 = performance.now();
        gc();
        gcMs += performance.now() - t0;
        // Compiled code grows for minutes as V8 optimises more functions: part of the heap, not a leak.
        const code = getHeapSpaceStatistics().find((s) => s.space_name === 'code_space');
        const snapshot = snapshots ? writeHeapSnapshot(join(snapshots, `soak-${++collections}.heapsnapshot`)) : undefined;
        write('gc', { gcMs: Math.round(gcMs), code: mb(code?.space_used_size ?? 0), ...(snapshot ? { snapshot } : {}) });
      }, 100);
    });
  }
}
