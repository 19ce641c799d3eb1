/**
 * A spoiler oracle computed from the pack files alone (not from Folio's SQL):
 * for a reader position, which strings may appear and which must not.
 * A hidden string is forbidden only if it appears nowhere in what is visible
 * (a line repeated from an earlier page is not a leak).
 */
import { openPackDir } from '../../src/content/pack-source.js';
import { readPack, type Pack } from '../../src/content/read-pack.js';
import { comparePositions, isVisible, type Position } from '../../src/spoilers/position.js';

export interface Oracle {
  pack: Pack;
  /** Every page position in reading order. */
  positions: Position[];
  /** Strings that must not appear in any payload for a reader at `at`. */
  forbiddenAt(at: Position): string[];
}

const MIN_LEN = 12;

const lines = (text: string | null | undefined): string[] =>
  (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= MIN_LEN);

export async function buildOracle(packDir: string): Promise<Oracle> {
  const read = await readPack(await openPackDir(packDir));
  if (!read.ok) throw new Error(`invalid pack ${packDir}`);
  const pack = read.pack;
  const positions = pack.episodes.flatMap((e) => e.data.pages.map((p) => ({ episode: e.data.number, page: p.number })));
  positions.sort(comparePositions);
  const numbers = pack.episodes.map((e) => e.data.number);

  return {
    pack,
    positions,
    forbiddenAt(at) {
      const next = numbers.find((n) => n > at.episode);
      const unlocked = (n: number) => n <= (next ?? at.episode);
      const visible: string[] = [pack.series.title, pack.series.description ?? '', pack.series.attribution];
      const hidden: string[] = [];
      for (const e of pack.episodes) {
        const d = e.data;
        const last = d.pages[d.pages.length - 1]!.number;
        (unlocked(d.number) || pack.series.show_unread_covers ? visible : hidden).push(d.title);
        (isVisible({ episode: d.number, page: last }, at) ? visible : hidden).push(...lines(d.summary));
        for (const p of d.pages) {
          const pageVisible = isVisible({ episode: d.number, page: p.number }, at);
          (pageVisible ? visible : hidden).push(...lines(p.dialogue), ...lines(p.description));
        }
      }
      const corpus = visible.join('\n');
      return [...new Set(hidden)].filter((s) => s.length >= 4 && !corpus.includes(s));
    },
  };
}

/** Every string value inside a JSON payload (keys excluded). */
export function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) stringsOf(v, out);
  return out;
}
