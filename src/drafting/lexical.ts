/**
 * The spoiler checks' word handling, reused so drafted names fold, stem and
 * split into phrases exactly like the terms the checks compare them with
 * (src/spoilers/profile.ts: tokenize, the word-frequency lexicons, capitalised
 * phrases). These are text utilities, not the spoiler policy; until
 * src/spoilers/index.ts exports them, this file is the one place outside
 * src/spoilers that imports profile.ts directly.
 */
// biome-ignore lint/style/noRestrictedImports: word utilities (not the policy); to be exported from spoilers/index.ts
export { CONNECTORS, DETERMINERS, type Lexicon, lexiconFor, phrases, STOPWORDS, stem, type Token, termCount, tokenize } from '../spoilers/profile.js';
