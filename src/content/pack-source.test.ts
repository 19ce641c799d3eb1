import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strToU8, type Zippable, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolioError } from '../errors.js';
import { isSafeEntryPath, openPack, openPackDir, openPackZip, type PackSource, ZIP_LIMITS } from './pack-source.js';

const zip = (files: Record<string, string>): Uint8Array => {
  const z: Zippable = {};
  for (const [name, content] of Object.entries(files)) z[name] = strToU8(content);
  return zipSync(z);
};

/** Runs `fn`, expects a FolioError with `code`, returns it. */
async function folioError(fn: () => unknown, code: string): Promise<FolioError> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FolioError);
  expect((err as FolioError).code).toBe(code);
  return err as FolioError;
}

const text = async (src: PackSource, p: string): Promise<string> => (await src.read(p)).toString('utf8');

describe('isSafeEntryPath', () => {
  it.each(['series.yaml', 'episodes/ep01-Potion/episode.yaml', 'episodes/ep01-Potion/pages/001.jpg', 'a..b/c.txt', '..hidden/x', 'dir/..x', 'x'.repeat(500)])(
    'accepts %s',
    (p) => {
      expect(isSafeEntryPath(p)).toBe(true);
    },
  );

  it.each([
    '',
    '/etc/passwd',
    '../evil.txt',
    'pack/../../evil.txt',
    'pack/..',
    './series.yaml',
    'pack/./x',
    'pack\\..\\evil',
    'C:/Windows/x',
    'c:evil',
    'a\0b',
    'x'.repeat(501),
  ])('rejects %j', (p) => {
    expect(isSafeEntryPath(p)).toBe(false);
  });
});

describe('openPackZip', () => {
  it('reads a pack at the root of the archive', async () => {
    const src = await openPackZip(zip({ 'series.yaml': 'id: x\n', 'episodes/e1/episode.yaml': 'number: 1\n' }), 'root.zip');
    expect(src.origin).toBe('root.zip');
    expect(src.files()).toEqual(['episodes/e1/episode.yaml', 'series.yaml']);
    expect(src.has('series.yaml')).toBe(true);
    expect(await text(src, 'series.yaml')).toBe('id: x\n');
  });

  it('unwraps a pack inside a single top-level folder', async () => {
    const src = await openPackZip(zip({ 'my-pack/series.yaml': 'id: x\n', 'my-pack/episodes/e1/episode.yaml': 'number: 1\n', 'my-pack/wiki/a.md': 'A' }), 'folder.zip');
    expect(src.files()).toEqual(['episodes/e1/episode.yaml', 'series.yaml', 'wiki/a.md']);
    expect(src.has('my-pack/series.yaml')).toBe(false);
    expect(await text(src, 'episodes/e1/episode.yaml')).toBe('number: 1\n');
  });

  it('does not unwrap when there are several top-level folders', async () => {
    const src = await openPackZip(zip({ 'a/series.yaml': 'x', 'b/other.txt': 'y' }), 'two.zip');
    expect(src.files()).toEqual(['a/series.yaml', 'b/other.txt']);
    expect(src.has('series.yaml')).toBe(false);
  });

  it('does not unwrap a single folder without series.yaml', async () => {
    const src = await openPackZip(zip({ 'a/readme.txt': 'x' }), 'nope.zip');
    expect(src.files()).toEqual(['a/readme.txt']);
  });

  it('ignores junk files (__MACOSX/, .DS_Store, Thumbs.db, dotfiles) and still unwraps the folder', async () => {
    const src = await openPackZip(
      zip({
        'pack/series.yaml': 'id: x\n',
        'pack/.DS_Store': 'junk',
        'pack/episodes/.DS_Store': 'junk',
        'pack/episodes/e1/Thumbs.db': 'junk',
        'pack/episodes/e1/desktop.ini': 'junk',
        'pack/.hidden': 'junk',
        '__MACOSX/pack/._series.yaml': 'junk',
        '__MACOSX/._pack': 'junk',
        'pack/episodes/e1/episode.yaml': 'number: 1\n',
      }),
      'mac.zip',
    );
    expect(src.files()).toEqual(['episodes/e1/episode.yaml', 'series.yaml']);
    expect(await text(src, 'series.yaml')).toBe('id: x\n');
  });

  // BUG (minor, src/content/pack-source.ts): JUNK only tests the last path segment, so
  // files *inside* dot-folders (.git/, wiki/.obsidian/) are skipped by openPackDir (which
  // skips the folder while walking) but kept by openPackZip; readPack would then import
  // wiki/.obsidian/*.md from a zip but not from the same pack as a directory.
  it('ignores files inside dot-folders, like openPackDir does', async () => {
    const src = await openPackZip(zip({ 'series.yaml': 'x', '.git/config': 'y', 'wiki/.obsidian/notes.md': 'z' }), 'dot.zip');
    expect(src.files()).toEqual(['series.yaml']);
  });

  it('rejects entries with ../ with a bad_request:pack FolioError naming them', async () => {
    const err = await folioError(() => openPackZip(zip({ 'series.yaml': 'x', '../../evil.sh': 'rm -rf /' }), 'evil.zip'), 'bad_request:pack');
    expect(err.status).toBe(400);
    expect(err.message).toContain('evil.zip');
    expect(err.message).toContain('../../evil.sh');
  });

  it('rejects ../ hidden in the middle of a path', async () => {
    const err = await folioError(() => openPackZip(zip({ 'pack/series.yaml': 'x', 'pack/../../etc/cron.d/x': 'y' }), 'mid.zip'), 'bad_request:pack');
    expect(err.message).toContain('pack/../../etc/cron.d/x');
  });

  it('rejects absolute entry paths', async () => {
    const err = await folioError(() => openPackZip(zip({ 'series.yaml': 'x', '/etc/passwd': 'root' }), 'abs.zip'), 'bad_request:pack');
    expect(err.message).toContain('/etc/passwd');
  });

  it('rejects backslash paths (Windows-style traversal)', async () => {
    await folioError(() => openPackZip(zip({ 'series.yaml': 'x', '..\\evil.txt': 'y' }), 'win.zip'), 'bad_request:pack');
  });

  it('a non-zip byte string gives a clear bad_request:pack', async () => {
    const err = await folioError(() => openPackZip(strToU8('this is definitely not a zip archive'), 'upload.zip'), 'bad_request:pack');
    expect(err.message).toMatch(/^upload\.zip is not a readable zip archive \(/);
  });

  it('an empty byte string gives bad_request:pack', async () => {
    await folioError(() => openPackZip(new Uint8Array(0), 'empty.zip'), 'bad_request:pack');
  });

  it('a truncated zip gives bad_request:pack', async () => {
    const whole = zip({ 'series.yaml': 'id: x\n'.repeat(200) });
    await folioError(() => openPackZip(whole.subarray(0, whole.length - 30), 'cut.zip'), 'bad_request:pack');
  });

  it(`rejects more than ${ZIP_LIMITS.maxEntries} entries`, async () => {
    const z: Zippable = {};
    for (let i = 0; i <= ZIP_LIMITS.maxEntries; i++) z[`f/${i}.txt`] = new Uint8Array(0);
    const err = await folioError(() => openPackZip(zipSync(z, { level: 0 }), 'many.zip'), 'bad_request:pack');
    expect(err.message).toContain(`more than ${ZIP_LIMITS.maxEntries} entries`);
  });

  it('a zip bomb (an entry that expands absurdly) is refused from its directory, before anything is inflated', async () => {
    // 64 MB of zeros deflates to ~64 KB: 1,000×. Refused from the declared sizes, without inflating it.
    const bomb = zipSync({ 'series.yaml': strToU8('id: x\n'), 'episodes/e1/pages/001.png': new Uint8Array(64 * 1024 * 1024) }, { level: 9 });
    expect(bomb.length).toBeLessThan(200 * 1024);
    const err = await folioError(() => openPackZip(bomb, 'bomb.zip'), 'payload_too_large:pack');
    expect(err.message).toMatch(/expands \d+×/);
    // Text compresses well but not absurdly: a 3.6 MB episode.yaml (~11× here) is fine.
    let yaml = '';
    for (let i = 0; i < 40_000; i++)
      yaml += `- number: ${i}\n  kind: story\n  dialogue: Pepper says ${(i * 7919) % 1000} words to Carrot about potion ${(i * 104729) % 977}.\n`;
    const fine = await openPackZip(zipSync({ 'series.yaml': strToU8('id: x\n'), 'episodes/e1/episode.yaml': strToU8(yaml) }), 'text.zip');
    expect((await fine.read('episodes/e1/episode.yaml')).length).toBe(yaml.length);
  });

  it('inflates only the files that are read: a broken entry the pack never reads costs nothing', async () => {
    const bytes = zipSync({ 'series.yaml': strToU8('id: x\n'), 'unused.txt': strToU8('lorem ipsum dolor sit amet '.repeat(2_000)) }, { level: 9 });
    // Break the unused entry's compressed data (after its local header, 30 bytes + its name).
    const at = Buffer.from(bytes).indexOf('unused.txt') + 'unused.txt'.length + 8;
    for (let i = 0; i < 16; i++) bytes[at + i] = 0xff;
    const src = await openPackZip(bytes, 'lazy.zip');
    expect(src.files()).toEqual(['series.yaml', 'unused.txt']);
    expect((await src.read('series.yaml')).toString()).toBe('id: x\n');
    await folioError(() => src.read('unused.txt'), 'bad_request:pack');
  });

  it('read() of a file that is not in the pack is not_found:pack_file', async () => {
    const src = await openPackZip(zip({ 'series.yaml': 'x' }), 'a.zip');
    expect(src.has('nope.yaml')).toBe(false);
    await folioError(() => src.read('nope.yaml'), 'not_found:pack_file');
  });
});

describe('openPackDir and openPack', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'folio-pack-source-'));
    await mkdir(path.join(dir, 'pack', 'episodes', 'e1'), { recursive: true });
    await mkdir(path.join(dir, 'pack', '.git'), { recursive: true });
    await writeFile(path.join(dir, 'pack', 'series.yaml'), 'id: x\n');
    await writeFile(path.join(dir, 'pack', 'episodes', 'e1', 'episode.yaml'), 'number: 1\n');
    await writeFile(path.join(dir, 'pack', 'episodes', '.DS_Store'), 'junk');
    await writeFile(path.join(dir, 'pack', '.git', 'config'), 'junk');
    await writeFile(path.join(dir, 'notes.txt'), 'not a pack');
    await writeFile(path.join(dir, 'pack.ZIP'), zip({ 'p/series.yaml': 'id: z\n' }));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('openPackDir lists files relative and forward-slashed, sorted, without junk or dot folders', async () => {
    const src = await openPackDir(path.join(dir, 'pack'));
    expect(src.files()).toEqual(['episodes/e1/episode.yaml', 'series.yaml']);
    expect(src.has('episodes/e1/episode.yaml')).toBe(true);
    expect(src.has('.git/config')).toBe(false);
    expect(await text(src, 'episodes/e1/episode.yaml')).toBe('number: 1\n');
  });

  it('openPackDir read() refuses paths outside its list, including traversal', async () => {
    const src = await openPackDir(path.join(dir, 'pack'));
    await folioError(() => src.read('../notes.txt'), 'not_found:pack_file');
    await folioError(() => src.read('episodes/.DS_Store'), 'not_found:pack_file');
  });

  it('openPack on a directory reads it as a pack', async () => {
    const src = await openPack(path.join(dir, 'pack'));
    expect(src.origin).toBe(path.join(dir, 'pack'));
    expect(src.files()).toEqual(['episodes/e1/episode.yaml', 'series.yaml']);
  });

  it('openPack on a .zip file (any case) reads the archive', async () => {
    const src = await openPack(path.join(dir, 'pack.ZIP'));
    expect(src.files()).toEqual(['series.yaml']);
    expect(await text(src, 'series.yaml')).toBe('id: z\n');
  });

  it('openPack on a missing path is not_found:pack', async () => {
    const err = await folioError(() => openPack(path.join(dir, 'does-not-exist')), 'not_found:pack');
    expect(err.status).toBe(404);
    expect(err.message).toContain('does-not-exist');
  });

  it('openPack on a .txt file is bad_request:pack', async () => {
    const err = await folioError(() => openPack(path.join(dir, 'notes.txt')), 'bad_request:pack');
    expect(err.message).toContain('neither a directory, a .zip pack nor a .cbz archive');
  });
});
