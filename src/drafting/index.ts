/** Offline drafting of a comic's world and episode summaries from its page text (see draft.ts). */
export { type DraftOptions, type DraftPage, draftWorld, MAX_DESCRIPTIONS, nameKey, type WorldDraft } from './draft.js';
export type { DraftKind } from './names.js';
export { SUMMARY_CHARS } from './summaries.js';
