/**
 * What a vision model may add to a page's text when it transcribes it. A model that knows a published
 * comic can letter a page with what it knows instead of what is drawn: a speaker label naming a character
 * the page never names, or lines from another page. The page's text becomes the story's vocabulary at that
 * position (a name's debut, the words the guard lets through), so a model's lettering is kept only where the
 * page's own OCR reading backs it. This is the one place that decides it.
 */
import { foldText } from './fold.js';

/** Share of the OCR reading's words a model's lettering must contain to replace it. */
const MIN_AGREEMENT = 0.3;

const words = (s: string): string[] => foldText(s).match(/[\p{L}\p{N}]+/gu) ?? [];

/** A leading "Name:" speaker label of one line (at most three capitalised words). */
const SPEAKER = /^\s*((?:\p{Lu}[\p{L}'’-]*)(?:\s+\p{Lu}[\p{L}'’-]*){0,2})\s*:\s+(?=\S)/u;

export interface ModelLettering {
  /** The page text to store; null when the model's lettering is not backed by the OCR reading (the OCR text stands). */
  text: string | null;
  /** Speaker labels removed because the page does not name them. */
  droppedSpeakers: string[];
}

/**
 * The model's lettering of a page, checked against the OCR reading of the same page: refused when it shares
 * too few of the OCR words (another page, or story knowledge); speaker labels kept only for names the page
 * itself letters (in the OCR reading).
 */
export function modelLettering(ocrText: string, lettering: string): ModelLettering {
  const ocr = words(ocrText);
  const onPage = new Set(ocr);
  const droppedSpeakers: string[] = [];
  const lines = lettering
    .split('\n')
    .map((line) => {
      const m = SPEAKER.exec(line);
      if (!m) return line.trim();
      const named = words(m[1]!);
      if (named.every((w) => onPage.has(w))) return line.trim();
      droppedSpeakers.push(m[1]!);
      return line.slice(m[0].length).trim();
    })
    .filter(Boolean);
  const text = lines.join('\n');
  // Nothing read on the page: lettering there cannot be checked, and a wordless page is where a model that
  // knows the story invents most. The OCR reading (empty) stands.
  if (ocr.length === 0) return { text: null, droppedSpeakers };
  const said = new Set(words(text));
  const agreed = ocr.filter((w) => said.has(w)).length / ocr.length;
  if (agreed < MIN_AGREEMENT) return { text: null, droppedSpeakers };
  return { text: text || null, droppedSpeakers };
}
