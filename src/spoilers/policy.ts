/**
 * The text side of the spoiler policy, as every surface sees it. The SQL side
 * (which rows a reader gets) is boundary.ts; this decides which *sentences* of
 * those rows, of generated answers and of prompts may be shown.
 *
 * One guard per (series, reader position), built from what SQL returned under
 * the boundary (`GuardInput`), used by every surface: chat and its stream,
 * quote mode, passages put into prompts, citations, suggestions, recaps, wiki,
 * world, search snippets, MCP results and import lint.
 */
import type { Position } from './position.js';

/** Why text was withheld. */
export type SpoilerHitKind = 'entity' | 'episode' | 'page' | 'vocabulary' | 'unknown_name' | 'paraphrase';

/** One reason to withhold text: what matched, where (offsets in the text given to the guard). */
export interface SpoilerHit {
  kind: SpoilerHitKind;
  /** The text that matched, as written. */
  matched: string;
  /**
   * What it refers to: the entity slug (`entity`), the episode number (`episode`),
   * `E/P` (`page`), the folded term (`vocabulary`, `unknown_name`), or the
   * position of the closest unreached text (`paraphrase`). Never shown to a reader.
   */
  ref: string;
  start: number;
  end: number;
}

/**
 * Whose words are being judged. `lore`: wiki, descriptions, summaries (pack text
 * written with hindsight). `page`: the story's own lettering and page descriptions
 * (a page may name its own episode). `generated`: a language model's words — the
 * only kind also checked for unknown names and paraphrase.
 */
export type TextKind = 'lore' | 'page' | 'generated';

/**
 * The kind of a retrieved chunk's text by its source: a page's lettering and description are the story's own
 * words (they may name their own episode); everything else (wiki, summaries, world) is lore written with hindsight.
 */
export const chunkTextKind = (source: string): TextKind => (source === 'dialogue' || source === 'description' ? 'page' : 'lore');

/** Text with its spoiling sentences replaced by WITHHELD. */
export interface Redaction {
  text: string;
  /** Number of sentences withheld. */
  withheld: number;
  hits: SpoilerHit[];
}

/** What a withheld sentence becomes; runs of withheld sentences collapse into one. */
export const WITHHELD = '…';

/** The notice every surface shows when something was held back. */
export function withheldNotice(withheld: number): string {
  return withheld === 1 ? 'I left out one sentence about something you have not reached yet.' : `I left out ${withheld} sentences about things you have not reached yet.`;
}

/** The streaming form: feed model deltas, get back what is safe to send. */
export interface GuardedStream {
  /** Add a delta; resolves to the text now safe to send (may be empty). Each sentence is judged once, whole. */
  push(delta: string): Promise<string>;
  /** The model finished: judge what is left. */
  end(): Promise<string>;
  /** Sentences withheld so far, and why. */
  readonly withheld: number;
  readonly hits: readonly SpoilerHit[];
}

/** One guard for one reader position. */
export interface SpoilerGuard {
  readonly position: Position | null;
  /** Every reason to withhold something in `text` (word-level checks; no paraphrase). */
  find(text: string, kind?: TextKind): SpoilerHit[];
  /** Does `text` carry anything that must be withheld (word-level checks)? */
  has(text: string, kind?: TextKind): boolean;
  /** Withhold each spoiling sentence (word-level checks). For pack text and prompts. */
  redact(text: string, kind?: TextKind): Redaction;
  /** Withhold each spoiling sentence of a model's text, paraphrase included. `question`: the reader's own words are not unknown names. */
  redactGenerated(text: string, opts?: { question?: string; signal?: AbortSignal }): Promise<Redaction>;
  /** A short label (title, heading, kind): itself, or null when any of it must be withheld. */
  label(text: string, kind?: TextKind): string | null;
  /** Does the reader's question ask about something they have not reached? */
  questionHit(question: string): SpoilerHit | null;
  /** A streaming guard for one model answer. */
  stream(opts?: { question?: string; signal?: AbortSignal }): GuardedStream;
}

/** A word-level check (names, references, vocabulary, unknown names): final on the text it is given. */
export interface WordCheck {
  /** Which kinds of text this check applies to. */
  readonly kinds: readonly TextKind[];
  find(text: string, ctx: CheckContext): SpoilerHit[];
}

/** A check that needs a whole sentence (paraphrase). Only for `generated` text. */
export interface SentenceCheck {
  judge(sentence: string, ctx: CheckContext): Promise<SpoilerHit | null>;
}

export interface CheckContext {
  kind: TextKind;
  /** The reader's own question: its words are never unknown names. */
  question?: string;
  signal?: AbortSignal;
}
