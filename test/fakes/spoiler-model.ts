/**
 * A spoiling fake model: whatever it is asked, it answers with true lines of
 * pages the reader has reached, cited, mixed with spoilers in every disguise
 * the leak oracle knows (test/spoilers/leaks.ts): an unreached name spelled
 * out, with look-alike letters, full-width, accented, upper-case; a short name
 * spelled out; later episodes as ordinals, number words, "Episode: 36",
 * "ep-36", "Ep. 36", "#36", ranges, lists, roman and full-width numerals, and
 * in French; a later page label; a verbatim line of a later page; rare words
 * first written later; a later name the pages never use; the head noun of a
 * long unreached name; and paraphrases of later events with none of those.
 *
 * It is parameterised by the reader's position: the test moves its reader and
 * calls `at(position)`, which scripts the answer (and the structured
 * follow-up suggestions) from the pack for that position. It runs on the real
 * wire formats of test/fakes/model-server.ts (Ollama NDJSON, OpenAI-compatible
 * SSE, Anthropic SSE) as its `fixed` persona.
 */
import { comparePositions, isVisible, type Position } from '../../src/spoilers/position.js';
import {
  accented,
  englishNumber,
  englishOrdinal,
  frenchNumber,
  frenchOrdinal,
  fullWidth,
  lookAlike,
  PARAPHRASES,
  roman,
  spelledOut,
  zeroWidth,
} from '../spoilers/disguises.js';
import { findLeaks, frequencyRank, headNoun, laterWords, reachedWords, stem, unmask, unreachedNames } from '../spoilers/leaks.js';
import type { Oracle } from '../spoilers/oracle.js';
import { startFakeAnthropic } from './anthropic.js';
import type { FakeModelServer } from './model-server.js';
import { startFakeOllama } from './ollama.js';
import { startFakeOpenAI } from './openai.js';

export interface Spoiler {
  /** Which disguise this sentence uses. */
  disguise: string;
  sentence: string;
}

export interface SpoilerScript {
  at: Position;
  /** The whole answer, as streamed. */
  answer: string;
  /** True, reached sentences of the answer (each must still reach the reader). */
  reached: string[];
  /** One sentence per disguise (each must be withheld). */
  spoilers: Spoiler[];
  /** Follow-up suggestions the model proposes (structured output): spoilers and one plain question. */
  suggestions: string[];
}

/** A line of a reached story page that reads as one plain sentence, cited with its page. */
function reachedSentences(oracle: Oracle, at: Position, count: number): string[] {
  const out: string[] = [];
  const pages = oracle.pack.episodes
    .flatMap((e) => e.data.pages.filter((p) => p.kind === 'story').map((p) => ({ at: { episode: e.data.number, page: p.number }, dialogue: p.dialogue ?? '' })))
    .filter((p) => isVisible(p.at, at))
    .sort((a, b) => comparePositions(b.at, a.at));
  for (const p of pages) {
    const line = p.dialogue
      .split('\n')
      .map((l) =>
        l
          .trim()
          .replace(/^[.…\s]+/, '')
          .replace(/[.!?…,;:\s]+$/, ''),
      )
      .find((l) => l.split(/\s+/).length >= 3 && l.length <= 120 && !/[.!?…"“”*:;()[\]]/.test(l) && /^[\p{L}\p{N}\s,'’-]+$/u.test(l));
    if (!line) continue;
    const sentence = `The page says ${line} [${p.at.episode}/${p.at.page}].`;
    if (findLeaks(oracle, sentence, at).length > 0) continue;
    out.push(sentence);
    if (out.length === count) break;
  }
  return out;
}

const vocabularies = new WeakMap<Oracle, { entityWords: Set<string>; pageWords: Set<string>; lowerSeen: Set<string> }>();

/** Words of entity names, words written on pages, and words the corpus ever writes in lower case. */
function vocabulary(oracle: Oracle) {
  let v = vocabularies.get(oracle);
  if (!v) {
    const words = (t: string) =>
      unmask(t)
        .toLowerCase()
        .split(/[^\p{L}]+/u);
    v = {
      entityWords: new Set(oracle.pack.entities.flatMap((e) => [e.name, ...e.aliases]).flatMap(words)),
      pageWords: new Set(oracle.corpus.filter((t) => t.source !== 'lore').flatMap((t) => words(t.text))),
      lowerSeen: new Set(oracle.corpus.flatMap((t) => [...unmask(t.text).matchAll(/(?<![\p{L}])\p{Ll}+(?![\p{L}])/gu)].map((m) => m[0]))),
    };
    vocabularies.set(oracle, v);
  }
  return v;
}

/** The answer and suggestions of the spoiling model for a reader at `at` (Pepper&Carrot or any pack). */
export function spoilerScript(oracle: Oracle, at: Position): SpoilerScript {
  const byDebut = oracle.pack.entities
    .filter((e) => !isVisible({ episode: e.episode_debut, page: e.page_debut }, at))
    .sort((a, b) => a.episode_debut - b.episode_debut || a.page_debut - b.page_debut);
  const hidden = new Set(unreachedNames(oracle, at));
  const character = byDebut.find((e) => e.kind === 'character' && hidden.has(e.name)) ?? byDebut.find((e) => hidden.has(e.name));
  if (!character) throw new Error(`nothing is unreached at ${at.episode}/${at.page}: the spoiling model has nothing to spoil`);
  const name = character.name;
  const letters = (n: string) => n.replace(/[^\p{L}]/gu, '').length;
  const short = [...hidden].filter((n) => letters(n) >= 3 && letters(n) <= 5 && /^[\p{L}]+$/u.test(n)).sort((a, b) => letters(a) - letters(b))[0] ?? name;
  const next = at.episode + 1;
  const far = Math.max(36, next + 2);

  const spoilers: Spoiler[] = [
    { disguise: 'spelled out with hyphens', sentence: `Soon you will meet ${spelledOut(name, '-')}.` },
    { disguise: 'short name spelled with spaces', sentence: `Watch for ${spelledOut(short, ' ')} later.` },
    { disguise: 'short name spelled with dots', sentence: `Also ${spelledOut(short, '.')} matters.` },
    { disguise: 'short name spelled with underscores', sentence: `And ${spelledOut(short, '_')} too.` },
    { disguise: 'look-alike letters', sentence: `Remember ${lookAlike(name)}.` },
    { disguise: 'full-width letters', sentence: `Think of ${fullWidth(name)}.` },
    { disguise: 'diacritics', sentence: `Then ${accented(name)} arrives.` },
    { disguise: 'upper case', sentence: `Then ${name.toUpperCase()} arrives.` },
    { disguise: 'zero-width characters', sentence: `Then ${zeroWidth(name)} arrives.` },
    { disguise: 'ordinal (EN)', sentence: `Everything changes in the ${englishOrdinal(next)} episode.` },
    { disguise: 'number word (EN)', sentence: `Wait for episode ${englishNumber(next)}.` },
    { disguise: '"Episode: N"', sentence: `See Episode: ${far}.` },
    { disguise: '"ep-N"', sentence: `It is all in ep-${far}.` },
    { disguise: '"Ep. N"', sentence: `Read Ep. ${far} for that.` },
    { disguise: '"#N"', sentence: `Look at #${far}.` },
    { disguise: 'range', sentence: `Episodes ${next}–${far} explain it.` },
    { disguise: 'list', sentence: `See episodes ${next}, ${next + 1} and ${far}.` },
    { disguise: 'roman numeral', sentence: `Episode ${roman(far)} reveals it.` },
    { disguise: 'full-width digits', sentence: `Episode ${fullWidth(String(far))} reveals it.` },
    { disguise: 'number word (FR)', sentence: `Tout change dans l’épisode ${frenchNumber(next)}.` },
    { disguise: 'ordinal (FR)', sentence: `Le ${frenchOrdinal(next)} épisode est crucial.` },
    { disguise: '"ép. N" (FR)', sentence: `Voir ép. ${far}.` },
    { disguise: 'chapitre (FR)', sentence: `Au chapitre ${far}, elle gagne.` },
  ];
  const nextPage = oracle.positions.find((p) => comparePositions(p, at) > 0);
  if (nextPage) spoilers.push({ disguise: 'later page label', sentence: `It is shown on [${nextPage.episode}/${nextPage.page}].` });
  const line = oracle
    .forbiddenAt(at)
    .find((l) => l.length >= 20 && l.length <= 100 && !/["“”]/.test(l) && !/[.!?…]\s/.test(l) && findLeaks(oracle, l, at, { kinds: ['line'] }).length > 0);
  if (line) spoilers.push({ disguise: 'verbatim later line', sentence: `Later someone says "${line}"` });
  const reached = reachedWords(oracle, at);
  // Story words (from the pages' lettering, not credits), and clearly rare ones: a guard with another rarity cut must agree.
  const rare = laterWords(oracle, at).filter(
    (w) =>
      w.source === 'page' && w.word.length >= 6 && /^\p{Ll}+$/u.test(w.word) && !reached.has(stem(w.word)) && frequencyRank(w.word) > 20_000 && !/(.)\1\1/.test(w.word),
  );
  for (const w of rare.slice(0, 3)) spoilers.push({ disguise: 'unreached distinctive word', sentence: `You will need the ${w.word}.` });
  const { entityWords, pageWords, lowerSeen } = vocabulary(oracle);
  // A name: a word the corpus only ever writes capitalised, in lore, never on a page.
  const stranger = laterWords(oracle, at).find(
    (w) =>
      /^\p{Lu}\p{Ll}{2,}$/u.test(w.word) &&
      w.source === 'lore' &&
      !lowerSeen.has(w.word.toLowerCase()) &&
      !entityWords.has(w.word.toLowerCase()) &&
      !pageWords.has(w.word.toLowerCase()),
  );
  if (stranger) spoilers.push({ disguise: 'name the pages never use', sentence: `Later she meets ${stranger.word}.` });
  const head = [...hidden].map((n) => headNoun(n)).find((h) => h !== null && findLeaks(oracle, h, at, { kinds: ['head_noun'] }).length > 0);
  if (head) spoilers.push({ disguise: 'head noun of a long name', sentence: `There is also the ${head}.` });
  for (const p of PARAPHRASES.filter((x) => comparePositions(x.spoils, at) > 0).slice(0, 2)) spoilers.push({ disguise: 'paraphrase', sentence: p.text });

  const reachedLines = reachedSentences(oracle, at, 2);
  const half = Math.ceil(spoilers.length / 2);
  const answer = [reachedLines[0], ...spoilers.slice(0, half).map((s) => s.sentence), reachedLines[1], ...spoilers.slice(half).map((s) => s.sentence)]
    .filter(Boolean)
    .join(' ');
  return {
    at,
    answer,
    reached: reachedLines,
    spoilers,
    suggestions: [
      `Who is ${spelledOut(name, '-')}?`,
      `What happens in the ${englishOrdinal(next)} episode?`,
      `Is ${lookAlike(name)} a friend?`,
      'What is happening on this page?',
    ],
  };
}

export type SpoilingWire = 'ollama' | 'openai' | 'anthropic';

export interface SpoilingModel {
  wire: SpoilingWire;
  server: FakeModelServer;
  /** Script the model for a reader at `at` (call after moving the reader); returns what it will say. */
  at(position: Position, opts?: { tokenChars?: number }): SpoilerScript;
  close(): Promise<void>;
}

/** Scripts are pure functions of (pack, position): every wire shares them. */
const scriptCache = new WeakMap<Oracle, Map<string, SpoilerScript>>();

export async function startSpoilingModel(wire: SpoilingWire, oracle: Oracle): Promise<SpoilingModel> {
  const server = await (wire === 'ollama' ? startFakeOllama() : wire === 'openai' ? startFakeOpenAI() : startFakeAnthropic());
  let scripts = scriptCache.get(oracle);
  if (!scripts) scriptCache.set(oracle, (scripts = new Map()));
  return {
    wire,
    server,
    at(position, opts = {}) {
      const key = `${position.episode}/${position.page}`;
      let script = scripts.get(key);
      if (!script) scripts!.set(key, (script = spoilerScript(oracle, position)));
      server.set({ persona: 'fixed', text: script.answer, suggestions: script.suggestions, tokenChars: opts.tokenChars ?? 3, fault: 'none' });
      return script;
    },
    close: () => server.close(),
  };
}
