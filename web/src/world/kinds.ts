/**
 * How a node looks when the pack has no image for it: a colour and an icon
 * per kind, and the initial of its name. Kinds are free words from the pack
 * (`character`, `place`, `coven`…); unknown kinds share a neutral look.
 */
export type KindLook = { color: string; icon: 'person' | 'place' | 'creature' | 'group' | 'object' | 'event' | 'dot'; label: string };

const LOOKS: Record<string, KindLook> = {
  character: { color: '#c0563b', icon: 'person', label: 'Character' },
  person: { color: '#c0563b', icon: 'person', label: 'Person' },
  place: { color: '#2f8a5b', icon: 'place', label: 'Place' },
  location: { color: '#2f8a5b', icon: 'place', label: 'Location' },
  creature: { color: '#b7791f', icon: 'creature', label: 'Creature' },
  animal: { color: '#b7791f', icon: 'creature', label: 'Animal' },
  faction: { color: '#6b4fbb', icon: 'group', label: 'Faction' },
  coven: { color: '#6b4fbb', icon: 'group', label: 'Coven' },
  group: { color: '#6b4fbb', icon: 'group', label: 'Group' },
  organization: { color: '#6b4fbb', icon: 'group', label: 'Organization' },
  object: { color: '#2b6cb0', icon: 'object', label: 'Object' },
  item: { color: '#2b6cb0', icon: 'object', label: 'Item' },
  artifact: { color: '#2b6cb0', icon: 'object', label: 'Artifact' },
  event: { color: '#b83280', icon: 'event', label: 'Event' },
};

export function kindLook(kind: string): KindLook {
  const k = kind.toLowerCase();
  return LOOKS[k] ?? { color: '#6b6880', icon: 'dot', label: k ? k[0]!.toUpperCase() + k.slice(1) : 'Entry' };
}

/** "The Great Lantern" → "G"; "Ada Quill" → "A"; "" → "?". */
export function initialOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const main = words.length > 1 && /^(the|a|an)$/i.test(words[0]!) ? words[1]! : (words[0] ?? '');
  const ch = [...main][0];
  return ch ? ch.toLocaleUpperCase() : '?';
}

/** "Who is Tobin?" for beings, "What is The Undercroft?" for the rest. */
export function askAbout(name: string, kind: string): string {
  const icon = kindLook(kind).icon;
  // Mid-sentence, a leading article is lower case: "What is the Undercroft?"
  const inSentence = name.replace(/^(The|A|An) /, (w) => w.toLowerCase());
  return icon === 'person' || icon === 'creature' ? `Who is ${inSentence}?` : `What is ${inSentence}?`;
}
