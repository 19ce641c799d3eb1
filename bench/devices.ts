/**
 * Linking a device (issue 21, ADR 0041): server round trips of the device routes on the built `folio serve`, on
 * PGlite and on PostgreSQL, next to `GET /health` in the same process and run (the HTTP floor). Sequential requests
 * on loopback, so a round trip is the server's time plus a loopback hop.
 *
 *   npm run bench:devices                 # both backends, 200 of each
 *   npm run bench:devices -- --quick      # 50 of each
 *   npm run bench:devices -- --json
 *
 * Figures (p50 and p99): a new link code; entering it on a device that is no reader; entering it on a device that
 * is a reader with a place in a series (the merge); listing devices; signing one out.
 */
import { availableParallelism, loadavg } from 'node:os';
import { cleanup, formatTable, installCleanupHandlers, makeRow, percentile, type Row, runArgs } from './lib.js';
import { type Backend, startFolio } from './streams.js';

const SERIES = 'moth-and-lantern';
const log = (m: string) => process.stderr.write(`bench:devices: ${m}\n`);

let client = 0;
async function post(url: string, token: string | null, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  // Each request from its own client address (behind a trusted proxy): link attempts are limited per address.
  client++;
  const headers: Record<string, string> = { 'x-forwarded-for': `198.18.${(client >> 8) & 255}.${client & 255}` };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Milliseconds of one call. */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function measure(backend: Backend, n: number): Promise<Row[]> {
  log(`${backend}: starting folio…`);
  // No model is asked here; the fake's address is never called.
  const folio = await startFolio({ backend, fakeUrl: 'http://127.0.0.1:9', env: { FOLIO_MODEL: 'none', FOLIO_TRUST_PROXY: 'true' } });
  try {
    const api = (path: string) => `${folio.url}${path}`;
    const newReader = async () => (await post(api('/api/readers'), null)).json.token as string;
    const samples: Record<string, number[]> = { health: [], code: [], link: [], merge: [], list: [], signOut: [] };
    for (let i = 0; i < n + 10; i++) {
      const keep = i >= 10; // the first ten warm up
      // A new reader each round: codes are limited to a few a minute per reader.
      const laptop = await newReader();
      const health = await timed(() => fetch(api('/health')).then((r) => r.arrayBuffer()));
      let code = '';
      const tCode = await timed(async () => {
        code = (await post(api('/api/readers/me/link-codes'), laptop)).json.code as string;
      });
      const tLink = await timed(async () => {
        const r = await post(api('/api/readers/link'), null, { code });
        if (r.status !== 200) throw new Error(`link: ${r.status} ${JSON.stringify(r.json)}`);
      });
      // A device that already is a reader, with a place: the merge.
      const other = await newReader();
      await post(api(`/api/series/${SERIES}/progress`), other, { episode: 1, page: 2, confirmSkip: true });
      const mergeCode = (await post(api('/api/readers/me/link-codes'), laptop)).json.code as string;
      const tMerge = await timed(async () => {
        const r = await post(api('/api/readers/link'), other, { code: mergeCode });
        if (r.status !== 200) throw new Error(`merge: ${r.status} ${JSON.stringify(r.json)}`);
      });
      let devices: Array<{ id: string; current: boolean }> = [];
      const tList = await timed(async () => {
        devices = ((await (await fetch(api('/api/readers/me/devices'), { headers: { authorization: `Bearer ${laptop}` } })).json()) as { devices: typeof devices })
          .devices;
      });
      const others = devices.filter((d) => !d.current);
      const tOut = await timed(async () => {
        const res = await fetch(api(`/api/readers/me/devices/${others[0]!.id}`), { method: 'DELETE', headers: { authorization: `Bearer ${laptop}` } });
        if (res.status !== 204) throw new Error(`sign out: ${res.status}`);
      });
      if (!keep) continue;
      samples.health!.push(health);
      samples.code!.push(tCode);
      samples.link!.push(tLink);
      samples.merge!.push(tMerge);
      samples.list!.push(tList);
      samples.signOut!.push(tOut);
    }
    const labels: Record<string, string> = {
      health: 'GET /health (the HTTP floor, same run)',
      code: 'POST /api/readers/me/link-codes',
      link: 'POST /api/readers/link (a device with no reader)',
      merge: 'POST /api/readers/link (a reader with a place: merged)',
      list: 'GET /api/readers/me/devices',
      signOut: 'DELETE /api/readers/me/devices/:id',
    };
    const rows: Row[] = [];
    for (const [id, xs] of Object.entries(samples)) {
      const p50 = percentile(xs, 50);
      const note = id === 'health' ? undefined : `${(p50 / Math.max(0.001, percentile(samples.health!, 50))).toFixed(1)}× /health at p50`;
      rows.push(makeRow(`${backend}.${id}.p50`, `${backend}: ${labels[id]}, p50`, 'ms.1', [p50], null, note));
      rows.push(makeRow(`${backend}.${id}.p99`, `${backend}: ${labels[id]}, p99`, 'ms.1', [percentile(xs, 99)]));
    }
    return rows;
  } finally {
    await folio.stop();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const { json } = runArgs(
    argv.filter((a) => a !== '--quick'),
    { runs: 1, usage: 'npm run bench:devices -- [--json] [--quick]' },
  );
  installCleanupHandlers();
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  for (const backend of ['pglite', 'postgres'] as const) rows.push(...(await measure(backend, quick ? 50 : 200)));
  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, machine, rows }, null, 2)}\n`);
  else
    process.stdout.write(
      `${formatTable(rows, `Device routes, sequential round trips on loopback: ${new Date().toISOString()}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}`)}\n`,
    );
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:devices: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
