/** A small hand-made series (three episodes) for the unit tests of the spoiler checks (ADR 0021). */
import { buildProfile, PREFACE, type ProfileEntity, type ProfileText, TermIndex } from '../../src/spoilers/profile.js';

export const TEXTS: ProfileText[] = [
  { ...PREFACE, text: 'The Lantern Tales', source: 'story' },
  { episode: 1, page: 1, text: 'Mira walks to the old mill.\nHer cat Pip watches the river.', source: 'story' },
  { episode: 1, page: 2, text: 'A storm is coming, says the ferryman. Mira hides under the bridge.', source: 'story' },
  { episode: 2, page: 1, text: 'Captain Ironbeard sails into the harbour with a glimmerwyrm in a cage.', source: 'story' },
  { episode: 2, page: 2, text: 'Mira wins the boat race and the whole town cheers for her.', source: 'story' },
  { episode: 3, page: 0, text: 'The Hollow Crown', source: 'story', title: true },
  { episode: 3, page: 1, text: 'The crown is hidden under the mill.', source: 'story' },
  // Lore annotated too early: the glimmerwyrm is first seen at 2/1.
  { episode: 1, page: 1, text: 'Mira is a brave girl who tames the glimmerwyrm. She likes the river.', source: 'lore' },
  { episode: 1, page: 2, text: 'The mill stands by the Silverbrook.', source: 'lore' },
];
export const ENTITIES: ProfileEntity[] = [
  { slug: 'mira', names: ['Mira'], episode: 1, page: 1 },
  { slug: 'pip', names: ['Pip'], episode: 1, page: 1 },
  { slug: 'ironbeard', names: ['Captain Ironbeard'], episode: 2, page: 1 },
];
export const profile = buildProfile(TEXTS, ENTITIES, 'en');
export const index = new TermIndex(profile.terms, ENTITIES, 'en');
