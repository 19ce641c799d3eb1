/**
 * Which OCR engine an import uses (FOLIO_OCR_LANGS): the languages from the
 * setting or the series' language, checked before any page work so a missing
 * language stops the import at once with the package to add. The engine's
 * module loads only for a pack with pages to transcribe, never at start.
 */
import type { Config } from '../config/env.js';
import type { OcrEngineSource } from './transcribe-pages.js';

export type Transcriber = (seriesLanguage: string) => Promise<OcrEngineSource>;

export async function ocrEngineSource(opts: { language: string; languages?: string[]; workers?: number }): Promise<OcrEngineSource> {
  const { ocrEngineId, ocrLanguagesFor, openOcrEngine, transcriptText } = await import('./ocr.js');
  const languages = opts.languages ?? ocrLanguagesFor(opts.language);
  // Throws (naming the package) when a language's data is not installed.
  const id = ocrEngineId(languages);
  return { id, open: () => openOcrEngine({ languages, workers: opts.workers }), text: transcriptText };
}

/** The importer's transcriber for this configuration; null when FOLIO_OCR_LANGS=off. */
export function transcriberFor(cfg: Pick<Config, 'ocrLanguages' | 'importConcurrency'>): Transcriber | null {
  const setting = cfg.ocrLanguages;
  if (setting === 'off') return null;
  // FOLIO_IMPORT_CONCURRENCY bounds the OCR workers too (1 on a Raspberry Pi).
  const workers = Math.max(1, Math.min(2, cfg.importConcurrency));
  return (language) => ocrEngineSource({ language, languages: setting === 'auto' ? undefined : setting, workers });
}
