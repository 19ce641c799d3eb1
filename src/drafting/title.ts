/**
 * The series' own title lettered on its pages (a logo on every title page: "Pepper&Carrot") is the series'
 * name, public in the library before any reading, not the story naming its cast: it never debuts an entity.
 */
export function withoutSeriesTitle(text: string, title: string): string {
  const words = title.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return text;
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // Any punctuation, spacing or "and" between the title's words, as a logo letters it.
  const re = new RegExp(`(?<![\\p{L}\\p{N}])${escaped.join('(?:[^\\p{L}\\p{N}]|\\s+and\\s+)*')}(?![\\p{L}\\p{N}])`, 'giu');
  return text.replace(re, ' ');
}
