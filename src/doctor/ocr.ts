/**
 * The OCR layer: which engine transcribes pages without authored text (FOLIO_OCR_LANGS), with which
 * languages, and whether each imported series' language has its data installed (an import would stop).
 */
import type { Config } from '../config/env.js';
import type { Database } from '../db/client.js';
import { isFolioError } from '../errors.js';
import { ocrEngineSource } from '../transcription/ocr-source.js';
import { seriesLanguages } from '../transcription/queries.js';
import { type CheckResult, fail, pass, warn } from './types.js';

const LAYER = 'ocr';

export async function checkOcr(config: Config, database: Database | null): Promise<CheckResult> {
  const setting = config.ocrLanguages;
  if (setting === 'off') return pass(LAYER, 'off (FOLIO_OCR_LANGS=off): pages without authored text are imported without text');
  if (setting !== 'auto') {
    try {
      const source = await ocrEngineSource({ language: 'en', languages: setting });
      return pass(LAYER, `${source.id} (FOLIO_OCR_LANGS=${setting.join('+')})`);
    } catch (err) {
      if (isFolioError(err)) return fail(LAYER, err.message, 'install the named package (npm install it beside Folio), or change FOLIO_OCR_LANGS.');
      throw err;
    }
  }
  const languages = database ? await seriesLanguages(database.db) : [];
  const engines: string[] = [];
  const missing: string[] = [];
  for (const language of languages.length > 0 ? languages : ['en']) {
    try {
      engines.push(`${language}: ${(await ocrEngineSource({ language })).id}`);
    } catch (err) {
      if (!isFolioError(err)) throw err;
      missing.push(`${language}: ${err.message}`);
    }
  }
  const summary = `auto (from each series' language) — ${engines.join('; ') || 'no engine'}`;
  if (missing.length > 0) {
    return warn(LAYER, `${summary}; missing: ${missing.join('; ')}`, 'install the named package to transcribe those series, or set FOLIO_OCR_LANGS.');
  }
  return pass(LAYER, summary);
}
