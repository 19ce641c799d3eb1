/**
 * The spoiler checks' word handling, reused so drafted names fold, stem and
 * split into phrases exactly like the terms the checks compare them with
 * (src/spoilers/profile.ts: tokenize, the word-frequency lexicons, capitalised
 * phrases): text utilities, exported through src/spoilers/index.ts.
 */
export { CONNECTORS, DETERMINERS, type Lexicon, lexiconFor, phrases, STOPWORDS, stem, type Token, termCount, tokenize } from '../spoilers/index.js';
