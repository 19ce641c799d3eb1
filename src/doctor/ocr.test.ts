/** The doctor's OCR line: the engine and its languages, off, and a language whose data is not installed. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/env.js';
import { checkOcr } from './ocr.js';

const config = (env: Record<string, string>) => loadConfig({ FOLIO_MODEL: 'none', ...env }, { cwd: '/tmp' });

describe('doctor: ocr', () => {
  it('names the offline engine and its language data (auto, no database: English)', async () => {
    const r = await checkOcr(config({}), null);
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/^auto .*en: tesseract\.js@\d+\.\d+\.\d+\+eng@/);
  });

  it('FOLIO_OCR_LANGS=off says what that means', async () => {
    expect(await checkOcr(config({ FOLIO_OCR_LANGS: 'off' }), null)).toMatchObject({ status: 'pass', summary: expect.stringMatching(/^off .*without text/) });
  });

  it('a named language without its data fails, naming the package to add', async () => {
    const r = await checkOcr(config({ FOLIO_OCR_LANGS: 'eng+fra' }), null);
    expect(r.status).toBe('fail');
    expect(r.summary).toContain('@tesseract.js-data/fra');
    expect(r.fix).toMatch(/install/);
  });
});
