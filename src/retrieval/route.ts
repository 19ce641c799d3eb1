/**
 * What a reader's question is about (pure): the page on screen, the current
 * episode so far, a named thing, earlier episodes, a recap, or a follow-up that
 * only makes sense with the previous question. English and French. Retrieval
 * uses the route to choose where to look first (chat/queries.ts turnContext adds
 * candidates from that part of the story, under the spoiler boundary like every
 * other candidate) and how to balance story pages against wiki lore
 * (retriever.ts assemblePassages). The route never widens what a reader can see.
 * "So far" asks for a recap only when the question has no word of its own ("which
 * dragons has she tried so far?" is about the episode).
 */

export type RouteKind = 'page' | 'episode' | 'entity' | 'earlier' | 'so_far' | 'follow_up';

/** Which episodes a route looks at, relative to the reader's current episode. */
export type RouteEpisodes = 'current' | 'previous' | 'earlier' | 'story' | { episode: number };

export interface Route {
  kind: RouteKind;
  /** Where the story pages that answer it are: null = no preference (page, entity, follow-up). */
  episodes: RouteEpisodes | null;
}

/** Lower case, accents folded, apostrophes and punctuation as spaces, one space between words. */
export function normalizeQuestion(question: string): string {
  return ` ${question
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()} `;
}

const any = (text: string, patterns: RegExp[]) => patterns.some((p) => p.test(text));

// Every pattern runs on normalizeQuestion's output: words between single spaces, no accents.
const RECAP = [
  / so far /,
  / recap/,
  / summar/,
  / remind me /,
  / did i miss /,
  / have i missed /,
  / what happened (in|during) (this|the|that|last|previous|episode) /,
  / what happens in this episode /,
  / resume /,
  / resumer? /,
  / recapitul/,
  / jusqu ici /,
  / jusqu a (present|maintenant) /,
  / (ai|j ai) (rate|manque) /,
  / (que|qu) s est il passe (dans|pendant) /,
  / sum(ming)? ((it|this|that|everything|things) )?up /,
  / tl ?dr /,
  / en bref /,
  / in a nutshell /,
];
const EARLIER = [
  / last time /,
  / the time before /,
  / before $/,
  / (ever|met|seen|saw|been|did|done|happened|had) before /,
  / previous(ly)? /,
  / earlier /,
  / (last|first|other|past|previous) (episode|contest|competition|adventure|mission|time|story|chapter)s? /,
  / in episode \d+ /,
  / la derniere fois /,
  / (la )?fois (d )?avant /,
  / avant $/,
  / deja /,
  / auparavant /,
  / precedent /,
  / (premier|premiere|dernier|derniere|autre) (concours|episode|fois|mission|aventure) /,
  / (concours|episode|mission|aventure) (precedent|precedente|dernier|derniere) /,
  / (a|dans) l episode \d+ /,
];
const PAGE = [
  / (this|these|here|now|right now|currently|at the moment) /,
  / (on|in) (the|this) (page|panel|picture|image) /,
  / (doing|holding|wearing|carrying|saying|looking at|pointing|reading) /,
  / (ici|maintenant|cette page|cette case|cette image|en ce moment|actuellement) /,
  / en train de /,
  / (tient|porte|regarde|dit) /,
];
const ENTITY = [
  /^ who (is|are|s|was|were) (a |an |the )?[\p{L}\p{N} ]{2,40} $/u,
  /^ (tell me about|who s|describe) /,
  /^ (qui est|qui sont|c est qui|c est quoi|qu est ce que c est|parle moi de|que sait on de) /,
];
/** Questions whose meaning rests on the previous one: pronouns and connectives only. */
const FOLLOW_UP_START = [/^ (and|but|so|then) /, /^ (et|mais|alors|ensuite|puis) /];
const FUNCTION_WORDS = new Set(
  (
    'a an the and but so then what why how who whom whose which when where is are was were be been do does did done doing ' +
    'she he it they them her him his hers its their theirs this that these those there here happen happened happens next after ' +
    'that s to of for with about at on in up out then again really mean means meant say said tell me more more else why not ok okay ' +
    'et mais alors ensuite puis apres quoi pourquoi comment qui que qu quand ou est ce c elle il elles ils lui leur la le les l fait faire ' +
    'a ca cela ceci son sa ses y en de du des un une dit veut s passe se encore plus'
  ).split(' '),
);

/** Where an explicit episode number ("episode 9", "l'épisode 9") points, if any. */
function episodeNumber(text: string): number | null {
  const m = / episode (\d{1,4}) /.exec(text);
  return m ? Number(m[1]) : null;
}

function recapEpisodes(text: string): RouteEpisodes {
  const n = episodeNumber(text);
  if (n !== null) return { episode: n };
  if (/ (last|previous|precedent|dernier) (episode|chapter|time|fois) | (episode|chapitre) (precedent|dernier) | last episode | la derniere fois /.test(text))
    return 'previous';
  if (/ (this|current|cet|cet|ce) (episode|chapter|chapitre) /.test(text)) return 'current';
  if (/ (story|histoire|series|serie|everything|tout) /.test(text)) return 'story';
  // "What happened so far?": the story up to here.
  return / (so far|jusqu ici|jusqu a present|jusqu a maintenant) /.test(text) ? 'story' : 'current';
}

/** True when the question has no word of its own: it needs the previous question to mean anything. */
export function isFollowUp(question: string): boolean {
  const text = normalizeQuestion(question);
  const words = text.trim().split(' ').filter(Boolean);
  if (words.length === 0) return false;
  const content = words.filter((w) => !FUNCTION_WORDS.has(w));
  if (content.length === 0) return true;
  // "And then?", "And Carrot?" / "Et Carrot ?": a connective and at most one word.
  return any(text, FOLLOW_UP_START) && content.length <= 1 && words.length <= 4;
}

/** "What is Komona?", "What's a Phoenix?": what is/are + a capitalised name and nothing else. */
function namesAThing(question: string, text: string): boolean {
  const m = /^ (?:what is|what are|what was|what s|qu est ce que c est|c est quoi) (?:a |an |the |le |la |les |l |un |une )?([\p{L}\p{N} ]{2,40}) $/u.exec(text);
  if (!m || m[1]!.trim().split(' ').length > 3) return false;
  const words = question
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(1);
  return words.some((w) => /^\p{Lu}/u.test(w));
}

/** "Why is she sad?", "What does the sign say?": a question in the present is about what is on screen. */
function presentTense(text: string): boolean {
  const present = / (is|are|does|do|isn t|aren t|doesn t|don t|can|can t|s|est ce qu|fait|font|dit|disent|veut|veulent|va|vont) /;
  const past = / (did|was|were|had|didn t|wasn t|weren t|hadn t|been|ago|a t|ont ils|ont elles|avait|etait|etaient|avaient) /;
  return present.test(text) && !past.test(text) && !/ (ed|ait) /.test(text.replace(/\p{L}+(ed|ait) /gu, ' ed '));
}

/** Words a recap question is made of besides function words ("what has happened so far in the story?"). */
const RECAP_WORDS = new Set('has have had happened happen happens happening far story everything things going on jusqu ici present maintenant'.split(' '));

/**
 * "Which dragons has she tried so far?", "Who's competing so far?": "so far" bounds a question about something
 * else, not a request for a recap. Only when "so far" is the recap cue and the question has a word of its own.
 */
function asksWithinSoFar(text: string): boolean {
  if (
    any(
      text,
      RECAP.filter((p) => !/so far|jusqu/.test(p.source)),
    )
  )
    return false;
  return text
    .trim()
    .split(' ')
    .some((w) => w.length >= 3 && !FUNCTION_WORDS.has(w) && !RECAP_WORDS.has(w));
}

/** What a question is about. */
export function routeQuestion(question: string): Route {
  const text = normalizeQuestion(question);
  if (text.trim() === '') return { kind: 'page', episodes: null };
  // "What is she doing here?" is about the page on screen, though it has no word of its own.
  const page = any(text, PAGE);
  if (!page && isFollowUp(question)) return { kind: 'follow_up', episodes: null };
  if (any(text, RECAP) && !asksWithinSoFar(text)) return { kind: 'so_far', episodes: recapEpisodes(text) };
  if (any(text, EARLIER)) {
    const n = episodeNumber(text);
    if (n !== null) return { kind: 'earlier', episodes: { episode: n } };
    const previous = / (last time|la derniere fois|last episode|previous episode|episode precedent|dernier episode) /.test(text);
    return { kind: 'earlier', episodes: previous ? 'previous' : 'earlier' };
  }
  if (page) return { kind: 'page', episodes: 'current' };
  if (any(text, ENTITY) || namesAThing(question, text)) return { kind: 'entity', episodes: null };
  if (presentTense(text)) return { kind: 'page', episodes: 'current' };
  return { kind: 'episode', episodes: 'current' };
}
