/**
 * What an assistant message says, read from its parts: the text (or the
 * guard's message instead of it), citations, suggestions, an in-stream error,
 * and how it was made. Pure, so the rules are unit-tested.
 */
import type { Citation, FolioUIMessage, MessageMode, Position, StreamError } from '../../../src/contract/index.js';

export interface Answer {
  text: string;
  citations: Citation[];
  suggestions: string[];
  /** The output guard stopped the answer: show only this. */
  guarded: boolean;
  error: StreamError | null;
  mode: MessageMode | null;
  /** The position the answer was written at (the server's, from the progress row). */
  position: Position | null;
}

/** The first line quote-mode answers start with; the panel shows its own label instead. */
const QUOTE_HEADER = /^Quote mode \([^)\n]*\)[^\n]*(?:\n+|$)/;

/** A streamed message's metadata has its mode; a stored one its status (`complete` for a model answer). */
export function modeOf(m: FolioUIMessage): MessageMode | null {
  const md = m.metadata;
  if (!md) return null;
  if ('mode' in md) return md.mode;
  return md.status === 'complete' ? 'model' : md.status;
}

export function readAnswer(m: FolioUIMessage): Answer {
  let text = '';
  let citations: Citation[] = [];
  let suggestions: string[] = [];
  let guard: string | null = null;
  let error: Answer['error'] = null;
  for (const part of m.parts) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'data-citations') citations = Array.isArray(part.data?.citations) ? part.data.citations : [];
    else if (part.type === 'data-suggestions') suggestions = Array.isArray(part.data?.suggestions) ? part.data.suggestions.filter((s) => typeof s === 'string') : [];
    else if (part.type === 'data-guard') guard = part.data?.message ?? '';
    else if (part.type === 'data-error') error = part.data ?? null;
  }
  const mode = guard !== null ? 'guarded' : modeOf(m);
  // The guard's message replaces everything the answer said before it was stopped.
  if (guard !== null) text = guard;
  else if (mode === 'quote') text = text.replace(QUOTE_HEADER, '');
  return { text, citations, suggestions, guarded: guard !== null, error, mode, position: m.metadata?.position ?? null };
}

/** A user message's text. */
export const questionText = (m: FolioUIMessage): string =>
  m.parts
    .filter((p): p is { type: 'text'; text: string } => p.type === 'text')
    .map((p) => p.text)
    .join('\n');
