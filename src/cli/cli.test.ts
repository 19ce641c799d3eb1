/**
 * The `folio` command as an operator runs it: a real process on the embedded
 * database in a temp data dir (run from source through tsx).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runFolio } from '../../test/cli.js';
import { writeTinyPack } from '../../test/packs.js';
import { freePort } from '../../test/services/free-port.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'folio-cli-'));
  dirs.push(d);
  return d;
}

const run = runFolio;

async function waitFor(url: string, status: number, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).status === status) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${status} from ${url}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('folio CLI', () => {
  it('explains every command and option', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['serve', 'import', 'migrate', 'reset']) expect(top.stdout).toContain(cmd);
    const imp = await run(['import', '--help']);
    for (const opt of ['--dry-run', '--json', '--concurrency']) expect(imp.stdout).toContain(opt);
    const serve = await run(['serve', '--help']);
    for (const opt of ['--port', '--host', '--no-sample']) expect(serve.stdout).toContain(opt);
  });

  it('refuses to start with a bad variable, naming it and the fix', async () => {
    const r = await run(['serve'], { PORT: 'abc', FOLIO_DATA_DIR: await tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^PORT: .*Fix: /m);
  });

  it('imports a pack as JSON lines, then reports it unchanged', async () => {
    const data = await tempDir();
    const pack = await writeTinyPack({ id: 'cli-tiny' });
    const first = await run(['import', pack, '--json'], { FOLIO_DATA_DIR: data });
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout.trim()) as Record<string, unknown>;
    expect(a).toMatchObject({ ok: true, status: 'created', seriesId: 'cli-tiny', episodes: 2, pages: 6, imagesMade: 8 });
    const second = await run(['import', pack, '--json'], { FOLIO_DATA_DIR: data });
    expect(JSON.parse(second.stdout.trim())).toMatchObject({ ok: true, status: 'unchanged', imagesMade: 0 });
  });

  it('prints every problem of a broken pack with file and field, exits 1 and imports nothing', async () => {
    const data = await tempDir();
    const pack = await writeTinyPack({ id: 'cli-broken' });
    await writeFile(join(pack, 'series.yaml'), 'id: Not An Id\ntitle: ""\n');
    await writeFile(join(pack, 'episodes', 'ep2', 'pages', '2.jpg'), 'garbage');
    const r = await run(['import', pack], { FOLIO_DATA_DIR: data });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing was imported');
    expect(r.stderr).toContain('series.yaml (id)');
    expect(r.stderr).toContain('series.yaml (title)');
    expect(r.stderr).toContain('episodes/ep2/episode.yaml (pages[1].image)');
    const json = await run(['import', pack, '--json'], { FOLIO_DATA_DIR: data });
    const line = JSON.parse(json.stdout.trim()) as { ok: boolean; error: { code: string }; problems: unknown[] };
    expect(line.ok).toBe(false);
    expect(line.error.code).toBe('bad_request:pack');
    expect(line.problems.length).toBe(3);
  });

  it('serves the sample on first run: /health at once, /ready after migrate + import; guards the data dir; stops on SIGTERM', async () => {
    const data = await tempDir();
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', String(port)], {
      env: { ...process.env, FOLIO_DATA_DIR: data, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/health`, 200);
    await waitFor(`${base}/ready`, 200);
    const lib = (await (await fetch(`${base}/api/series`)).json()) as { series: Array<{ id: string; episodeCount: number }> };
    expect(lib.series.map((s) => s.id)).toEqual(['moth-and-lantern']);
    expect(lib.series[0]!.episodeCount).toBe(3);
    // The web reader from dist/web when `npm run build` has made it; otherwise a page saying to build it.
    const home = await fetch(`${base}/`);
    if (existsSync(join(process.cwd(), 'dist', 'web', 'index.html'))) {
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('<div id="root">');
    } else {
      expect(home.status).toBe(503);
      expect(await home.text()).toContain('npm run build');
    }

    // A second process on the same embedded database is refused with a clear message.
    const clash = await run(['import', await writeTinyPack()], { FOLIO_DATA_DIR: data });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/Another Folio process \(pid \d+\)/);

    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(data, 'pglite', 'folio.lock'))).toBe(false);

    // reset refuses without --yes, then deletes the embedded database and the images.
    const again = await run(['reset'], { FOLIO_DATA_DIR: data });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--yes');
    const reset = await run(['reset', '--yes'], { FOLIO_DATA_DIR: data });
    expect(reset.code).toBe(0);
    expect(existsSync(join(data, 'pglite'))).toBe(false);
    expect(existsSync(join(data, 'media'))).toBe(false);
  }, 120_000);

  it('the bundle `npm start` runs (scripts/build.mjs → bin/folio.js) serves the API', async () => {
    const root = process.cwd();
    const build = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    const data = await tempDir();
    const port = await freePort();
    const child = spawn(process.execPath, [join(root, 'bin', 'folio.js'), 'serve', '--port', String(port)], {
      env: { ...process.env, FOLIO_DATA_DIR: data, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/ready`, 200);
    const lib = (await (await fetch(`${base}/api/series`)).json()) as { series: Array<{ id: string }> };
    expect(lib.series.map((s) => s.id)).toEqual(['moth-and-lantern']);
    const detail = await fetch(`${base}/api/series/moth-and-lantern`);
    expect(detail.status).toBe(200);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});
