/**
 * The spoiler policy's public surface: everything outside src/spoilers imports
 * from here. SQL side: the boundary fragments. Text side: one guard per reader
 * position (buildGuard from rows, loadGuard from the database), the name
 * matcher and the reference detector (also used by the import lint), and the
 * one sentence splitter and redactor.
 */
export {
  entityVisible,
  episodeEnd,
  episodeFinished,
  episodeUnlocked,
  type PositionColumns,
  type ReaderScope,
  readerPosition,
  unlockedEpisodeNumber,
  visibleTo,
} from './boundary.js';
export { seriesChecks } from './checks.js';
export { foldText } from './fold.js';
export { buildGuard, episodeSafe, type GuardInput, loadGuard } from './guard.js';
export { type ModelLettering, modelLettering } from './lettering.js';
export { type EntityName, MAX_SERIES_NAMES, NameMatcher } from './names.js';
export { PARAPHRASE, paraphraseScore } from './paraphrase.js';
export {
  type CheckContext,
  chunkTextKind,
  type GuardedStream,
  type Redaction,
  type SentenceCheck,
  type SpoilerGuard,
  type SpoilerHit,
  type SpoilerHitKind,
  type TextKind,
  WITHHELD,
  type WordCheck,
  withheldNotice,
} from './policy.js';
export { comparePositions, formatPosition, isVisible, type Position } from './position.js';
// Word utilities (not the policy): drafting folds, stems and splits names exactly as the checks do.
export { CONNECTORS, DETERMINERS, type Lexicon, lexiconFor, phrases, STOPWORDS, seriesProfile, stem, type Token, termCount, tokenize } from './profile.js';
export { entityNames, splitNames } from './queries.js';
export { findReferences, type Reference } from './references.js';
export { redactSentences, splitSentences } from './sentences.js';
