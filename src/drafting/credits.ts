/**
 * A transcribed page that reads like a credits page (thanks, patrons, licences, tools, web addresses): a CBZ
 * marks every page as story, but a credits page's list of names is not the story's cast and never a debut.
 */
const CREDIT_MARKS = [
  /\bthanks?\b/i,
  /\bpatrons?\b|\bpatreon\b|\bsupporters?\b|\bbackers?\b|\bfunded\b|\bsponsor/i,
  /\blicen[cs]e[ds]?\b|\bcreative\s+commons\b|\bcopyright\b|©|\ball rights reserved\b/i,
  /\bcredits?\b|\btranslat(ion|ed|or)\b|\bproofread|\blettering\b|\bcolou?rs? by\b|\bwritten by\b|\bart by\b/i,
  /\bmade with\b|\bsoftware\b/i,
  /\bwww\.|https?:\/\/|\.(com|org|net)\b/i,
];

/** At least two different kinds of credit marks on one page. */
export function looksLikeCredits(text: string): boolean {
  return CREDIT_MARKS.filter((re) => re.test(text)).length >= 2;
}
