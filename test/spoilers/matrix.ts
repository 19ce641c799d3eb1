/**
 * What every spoiler matrix asserts about one streamed answer (chat, recap) or
 * one tool result (MCP) a reader received, against the leak oracle and the
 * spoiling model's script: no leak, and still useful (the reached sentences
 * arrive; a notice says how many sentences were held back). Also keeps a tally
 * of which disguises got through, so a failing matrix says which ones.
 */
import { withheldNotice } from '../../src/spoilers/policy.js';
import type { Position } from '../../src/spoilers/position.js';
import type { SpoilerScript } from '../fakes/spoiler-model.js';
import { type Leak, unmask } from './leaks.js';

/** The `data-guard` part of a stream, if any (read from the raw chunks, whatever the client helper keeps). */
export function guardPart(chunks: ReadonlyArray<{ type: string }>): { reason?: string; withheld?: number; message?: string } | null {
  const part = chunks.find((c) => c.type === 'data-guard') as { data?: { reason?: string; withheld?: number; message?: string } } | undefined;
  return part?.data ?? null;
}

/** Disguise → how many times it got through (reached the client) and how many times it was tried. */
export type Tally = Map<string, { through: number; tried: number }>;

export const newTally = (): Tally => new Map();

const plain = (t: string) =>
  unmask(t)
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[.!?…\s]+$/, '');

/**
 * Record, for each spoiler sentence of the script (and each follow-up suggestion the model proposed), whether it
 * reached the client whole. `leaks` must be non-empty for anything to count: the oracle is what decides.
 */
export function tallyDisguises(tally: Tally, script: SpoilerScript, received: string, leaks: Leak[]): void {
  const got = plain(received);
  const tries: Array<[string, string]> = [
    ...script.spoilers.map((s) => [s.disguise, s.sentence] as [string, string]),
    ...script.suggestions.slice(0, -1).map((q, i) => [`suggestion ${i + 1} ("${q.split(' ').slice(0, 3).join(' ')} …")`, q] as [string, string]),
  ];
  for (const [disguise, sentence] of tries) {
    const t = tally.get(disguise) ?? { through: 0, tried: 0 };
    t.tried++;
    if (leaks.length > 0 && got.includes(plain(sentence))) t.through++;
    tally.set(disguise, t);
  }
}

export function formatTally(tally: Tally): string {
  const rows = [...tally].filter(([, t]) => t.through > 0).map(([d, t]) => `  ${d}: ${t.through}/${t.tried} got through`);
  return rows.length === 0 ? 'no disguise got through' : `disguises that got through:\n${rows.join('\n')}`;
}

/** A reached sentence of the script, as it must still arrive: its quoted line (the guard may touch the spacing around it). */
export const reachedCore = (sentence: string): string => sentence.replace(/^The page says /, '').replace(/ \[\d+\/\d+\]\.$/, '');

/**
 * Usefulness of an answer built from a spoiling script: every reached sentence arrives, and when the
 * guard withheld something the stream ends with a `data-guard` notice that says how much.
 */
export function usefulness(text: string, chunks: ReadonlyArray<{ type: string }>, script: SpoilerScript): string[] {
  const problems: string[] = [];
  for (const r of script.reached) if (!text.includes(reachedCore(r))) problems.push(`reached sentence withheld or lost: ${JSON.stringify(r)}`);
  const g = guardPart(chunks);
  if (!g) problems.push('no data-guard notice although the model spoiled');
  else {
    if (g.reason !== 'later_in_story') problems.push(`data-guard reason ${JSON.stringify(g.reason)}`);
    if (typeof g.withheld !== 'number' || g.withheld < 1) problems.push(`data-guard withheld ${JSON.stringify(g.withheld)}`);
    else if (g.message !== withheldNotice(g.withheld)) problems.push(`data-guard message ${JSON.stringify(g.message)}`);
  }
  return problems;
}

export const where = (at: Position) => `${at.episode}/${at.page}`;

/** The positions every Pepper&Carrot matrix visits: spread over episodes 1–23, around early debuts, never the last page. */
export const MATRIX_POSITIONS: readonly Position[] = [
  { episode: 1, page: 2 },
  { episode: 3, page: 3 },
  { episode: 6, page: 3 },
  { episode: 8, page: 4 },
  { episode: 11, page: 2 },
  { episode: 14, page: 3 },
  { episode: 19, page: 5 },
  { episode: 23, page: 7 },
];
