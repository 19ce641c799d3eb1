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
  readerPosition,
  unlockedEpisodeNumber,
  visibleTo,
  type PositionColumns,
  type ReaderScope,
} from './boundary.js';
export { comparePositions, formatPosition, isVisible, type Position } from './position.js';
export {
  WITHHELD,
  withheldNotice,
  type CheckContext,
  type GuardedStream,
  type Redaction,
  type SentenceCheck,
  type SpoilerGuard,
  type SpoilerHit,
  type SpoilerHitKind,
  type TextKind,
  type WordCheck,
} from './policy.js';
export { buildGuard, episodeSafe, loadGuard, type GuardInput } from './guard.js';
export { MAX_SERIES_NAMES, NameMatcher, type EntityName } from './names.js';
export { findReferences, type Reference } from './references.js';
export { redactSentences, splitSentences } from './sentences.js';
export { foldText } from './fold.js';
export { entityNames, splitNames } from './queries.js';
export { seriesChecks } from './checks.js';
export { PARAPHRASE, paraphraseScore } from './paraphrase.js';
export { seriesProfile } from './profile.js';
