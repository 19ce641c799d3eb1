/**
 * What an assistant message says, read from its parts: the text (withheld
 * sentences already '…'), the guard's notice about them, citations,
 * suggestions, an in-stream error, and how it was made. Pure, so the rules are
 * unit-tested.
 */
import type { Citation, FolioUIMessage, GuardData, MessageMode, Position, StreamError } from '../../../src/contract/index.js';

export interface Answer {
  text: string;
  citations: Citation[];
  suggestions: string[];
  /** Sentences the guard withheld (each run is a '…' in the text): the notice shown after the answer. */
  guard: Pick<GuardData, 'withheld' | 'message'> | null;
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
  let guard: Answer['guard'] = null;
  let error: Answer['error'] = null;
  for (const part of m.parts) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'data-citations') citations = Array.isArray(part.data?.citations) ? part.data.citations : [];
    else if (part.type === 'data-suggestions') suggestions = Array.isArray(part.data?.suggestions) ? part.data.suggestions.filter((s) => typeof s === 'string') : [];
    else if (part.type === 'data-guard' && part.data) guard = { withheld: part.data.withheld, message: part.data.message };
    else if (part.type === 'data-error') error = part.data ?? null;
  }
  const mode = modeOf(m);
  if (mode === 'quote') text = text.replace(QUOTE_HEADER, '');
  return { text, citations, suggestions, guard, error, mode, position: m.metadata?.position ?? null };
}

/** A user message's text. */
export const questionText = (m: FolioUIMessage): string =>
  m.parts
    .filter((p): p is { type: 'text'; text: string } => p.type === 'text')
    .map((p) => p.text)
    .join('\n');
