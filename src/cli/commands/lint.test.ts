/** `folio lint` as an operator runs it: a real process, from source. */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFolio } from '../../../test/cli.js';
import { writeTinyPack } from '../../../test/packs.js';

const SAMPLE = join(process.cwd(), 'samples', 'moth-and-lantern');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The clean bundled sample with one spoiler put back: a sentence naming the Great Lantern (debut 1/2) in a section shown from 1/1. */
async function spoiledSample(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'folio-lint-sample-'));
  dirs.push(dir);
  await cp(SAMPLE, dir, { recursive: true });
  const ada = join(dir, 'wiki', 'ada.md');
  const text = await readFile(ada, 'utf8');
  await writeFile(ada, text.replace('of them will take a flame.\n', 'of them will take a flame. She worries about the Great Lantern too.\n'));
  return dir;
}

describe('folio lint', () => {
  it('is listed with its options', async () => {
    expect((await runFolio(['--help'])).stdout).toContain('lint');
    const help = await runFolio(['lint', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--json');
    expect(help.stdout).toMatch(/Exit code: 0 clean, 1 likely spoilers found, 2/);
  });

  it('reports findings with file and line, exit 1', async () => {
    const r = await runFolio(['lint', await spoiledSample()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^wiki\/ada\.md:17 {2}later-entity {2}shown from 1\/1 but names "the Great Lantern"/m);
    expect(r.stdout).toMatch(/1 likely spoiler\(s\) in 1 file\(s\)/);
  });

  it('the bundled sample itself is clean: exit 0', async () => {
    const r = await runFolio(['lint', SAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No likely spoilers found.');
  });

  it('--json gives every finding as data', async () => {
    const r = await runFolio(['lint', await spoiledSample(), '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; seriesId: string; findings: Array<{ rule: string; file: string; line: number; at: unknown; safeFrom: unknown }> };
    expect(out).toMatchObject({ ok: true, seriesId: 'moth-and-lantern' });
    expect(out.findings).toContainEqual(
      expect.objectContaining({ rule: 'later-entity', file: 'wiki/ada.md', line: 17, at: { episode: 1, page: 1 }, safeFrom: { episode: 1, page: 2 } }),
    );
  });

  it('a clean pack exits 0; an invalid or missing pack exits 2', async () => {
    const clean = await writeTinyPack({ id: 'clean' });
    dirs.push(clean);
    const ok = await runFolio(['lint', clean]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('No likely spoilers found.');

    const broken = await mkdtemp(join(tmpdir(), 'folio-lint-bad-'));
    dirs.push(broken);
    await writeFile(join(broken, 'series.yaml'), 'id: Not An Id\n');
    const bad = await runFolio(['lint', broken, '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, problems: expect.any(Array) });

    const missing = await runFolio(['lint', join(broken, 'nope')]);
    expect(missing.code).toBe(2);
  });
});
