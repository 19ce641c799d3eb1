/**
 * The series' own title lettered on its pages (a logo on every title page: "Pepper&Carrot") is the series'
 * name, public in the library before any reading, not the story naming its cast: it never debuts an entity.
 * On an episode's opening page (its cover or title page) a logo is often read in pieces ("er g Carrot"), so
 * there each word of the title goes on its own.
 */
export function withoutSeriesTitle(text: string, title: string, opts: { openingPage?: boolean } = {}): string {
  const words = title.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return text;
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const alone = (w: string) => `(?<![\\p{L}\\p{N}])${w}(?![\\p{L}\\p{N}])`;
  // Any punctuation, spacing or "and" between the title's words, as a logo letters it.
  const whole = new RegExp(alone(escaped.join('(?:[^\\p{L}\\p{N}]|\\s+and\\s+)*')), 'giu');
  const out = text.replace(whole, ' ');
  return opts.openingPage ? out.replace(new RegExp(escaped.map(alone).join('|'), 'giu'), ' ') : out;
}
