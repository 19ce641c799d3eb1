import { describe, expect, it } from 'vitest';
import { modelLettering } from './lettering.js';

describe('modelLettering: what a vision model may add to a page text', () => {
  it('keeps lettering the OCR reading backs, with its corrections', () => {
    const r = modelLettering('ha... perfecl\nNO! Don’t evem think about it\nSPLASH', "ha... perfect\nNO! Don't even think about it\nSPLASH");
    expect(r).toEqual({ text: "ha... perfect\nNO! Don't even think about it\nSPLASH", droppedSpeakers: [] });
  });

  it('drops a speaker label naming someone the page does not letter (story knowledge), keeps the line', () => {
    const r = modelLettering('Pepper, your potion is ready\nThank you', 'Saffron: Pepper, your potion is ready\nPepper: Thank you');
    expect(r.text).toBe('Pepper, your potion is ready\nPepper: Thank you');
    expect(r.droppedSpeakers).toEqual(['Saffron']);
  });

  it('refuses lettering that does not match the page (another page, or a summary of the story)', () => {
    const r = modelLettering('ha... perfect\nNO! Don’t even think about it\nSPLASH', 'Saffron wins the potion contest in Komona.');
    expect(r.text).toBeNull();
  });

  it('a page the OCR read nothing on: the model’s lettering cannot be checked and is refused', () => {
    expect(modelLettering('', 'Happy?!').text).toBeNull();
    expect(modelLettering('Hapy', 'Coriander: Happy?!')).toEqual({ text: null, droppedSpeakers: ['Coriander'] });
    expect(modelLettering('Happy ?!', 'Coriander: Happy?!')).toEqual({ text: 'Happy?!', droppedSpeakers: ['Coriander'] });
  });
});
