/**
 * Offline world drafting (src/drafting): the Pepper&Carrot pages' lettering (story and title pages; credits are
 * never a source) drafted into entities, relationships and summaries, compared with the authored world
 * (world/entities.yaml).
 *
 *   node --import tsx bench/draft.ts            # the table, then the missed and unmatched names
 *   node --import tsx bench/draft.ts --json     # rows and the lists as JSON
 *
 * - recall: of the authored entities whose name or an alias is written in the lettering (case-insensitive,
 *   whole words), the share a drafted entity matches by name or alias (case-insensitive, leading "the" and
 *   possessive dropped);
 * - precision: of the drafted entities, the share that match an authored one;
 * - debuts: of the matched drafted entities, the share whose debut is at or after the first page that writes
 *   the authored name (must be all of them);
 * - the same three on the lettering in capitals (most print comics are lettered so; info, the debuts must hold);
 * - the same three on Folio's bundled sample series (samples/moth-and-lantern, its own world; info, the debuts must hold);
 * - info: counts, kind agreement (coven → group, creature → character or thing), time of one draftWorld (median
 *   of 5, after a warm-up that also loads the word list).
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { draftWorld } from '../src/drafting/draft.js';
import { readGoldEntities, readPackPages, scoreDraft } from '../src/drafting/evaluate.js';
import { PEPPER_CARROT } from '../test/corpus.js';
import { type Budget, formatTable, makeRow, type Row } from './lib.js';

const PACK = process.env.FOLIO_BENCH_PACK ?? PEPPER_CARROT;
/** A second series, never used to design the heuristics: Folio's bundled sample (speaker labels, three episodes). */
const SAMPLE = fileURLToPath(new URL('../samples/moth-and-lantern', import.meta.url));
const RUNS = 5;

const BUDGET = {
  recall: { kind: 'min', limit: 0.8 },
  precision: { kind: 'min', limit: 0.7 },
  debutsPct: { kind: 'min', limit: 100 },
} satisfies Record<string, Budget>;

const json = process.argv.includes('--json');
if (process.argv.includes('--help')) {
  process.stdout.write('usage: node --import tsx bench/draft.ts [--json]\n');
  process.exit(0);
}

const pages = readPackPages(PACK);
const gold = readGoldEntities(PACK);
const language = 'en';

const first = performance.now();
let draft = draftWorld(pages, { language });
const coldMs = performance.now() - first;
const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  draft = draftWorld(pages, { language });
  times.push(performance.now() - t0);
}
const s = scoreDraft(pages, draft, gold);
// The same lettering in capitals (most print comics are lettered so): capitalisation is no evidence there.
const capsPages = pages.map((p) => ({ ...p, text: p.text.toUpperCase() }));
const capsDraft = draftWorld(capsPages, { language });
const caps = scoreDraft(capsPages, capsDraft, gold);
const samplePages = readPackPages(SAMPLE);
const sample = scoreDraft(samplePages, draftWorld(samplePages, { language }), readGoldEntities(SAMPLE));

const rows: Row[] = [
  makeRow('draft.recall', `recall: authored entities named in the text and drafted (${s.goldMatched}/${s.goldInText})`, 'fraction', [s.recall], BUDGET.recall),
  makeRow('draft.precision', `precision: drafted entities that are authored ones (${s.draftedMatched}/${s.drafted})`, 'fraction', [s.precision], BUDGET.precision),
  makeRow('draft.debuts', `debuts at or after the first written mention (${s.debutsOk}/${s.debutsChecked})`, '%', [100 * s.debutShare], BUDGET.debutsPct),
  makeRow('draft.entities', 'drafted entities', 'count', [draft.entities.length]),
  makeRow('draft.caps.recall', `ALL CAPS lettering: recall (${caps.goldMatched}/${caps.goldInText})`, 'fraction', [caps.recall]),
  makeRow('draft.caps.precision', `ALL CAPS lettering: precision (${caps.draftedMatched}/${caps.drafted})`, 'fraction', [caps.precision]),
  makeRow(
    'draft.caps.debuts',
    `ALL CAPS lettering: debuts at or after the first written mention (${caps.debutsOk}/${caps.debutsChecked})`,
    '%',
    [100 * caps.debutShare],
    BUDGET.debutsPct,
  ),
  makeRow('draft.sample.recall', `Moth and Lantern sample: recall (${sample.goldMatched}/${sample.goldInText})`, 'fraction', [sample.recall]),
  makeRow('draft.sample.precision', `Moth and Lantern sample: precision (${sample.draftedMatched}/${sample.drafted})`, 'fraction', [sample.precision]),
  makeRow(
    'draft.sample.debuts',
    `Moth and Lantern sample: debuts at or after the first written mention (${sample.debutsOk}/${sample.debutsChecked})`,
    '%',
    [100 * sample.debutShare],
    BUDGET.debutsPct,
  ),
  makeRow('draft.kinds', `kind agrees with the authored one (${s.kindAgree}/${s.draftedMatched})`, '%', [s.draftedMatched ? (100 * s.kindAgree) / s.draftedMatched : 0]),
  makeRow('draft.relationships', 'drafted relationships (appears_with)', 'count', [draft.relationships.length]),
  makeRow('draft.summaries', `episode summaries (of ${new Set(pages.map((p) => p.episode)).size} episodes)`, 'count', [draft.summaries.length]),
  makeRow('draft.descriptions', 'description items', 'count', [draft.entities.reduce((n, e) => n + e.descriptions.length, 0)]),
  makeRow('draft.cold', 'first draftWorld (word list load included)', 'ms', [coldMs]),
  makeRow('draft.time', `draftWorld, ${pages.length} pages`, 'ms.1', times),
];

if (json) {
  process.stdout.write(
    `${JSON.stringify({ node: process.version, rows, missed: s.missed, unmatched: s.unmatched, earlyDebuts: s.earlyDebuts, caps: { missed: caps.missed, unmatched: caps.unmatched, earlyDebuts: caps.earlyDebuts }, sample: { missed: sample.missed, unmatched: sample.unmatched, earlyDebuts: sample.earlyDebuts }, entities: draft.entities.map((e) => ({ name: e.name, kind: e.kind, aliases: e.aliases, debut: `${e.episode_debut}/${e.page_debut}` })) }, null, 2)}\n`,
  );
} else {
  process.stdout.write(`${formatTable(rows, `bench:draft: offline world draft of ${PACK} (${pages.length} pages)`)}\n\n`);
  process.stdout.write(`missed authored entities (${s.missed.length}): ${s.missed.join(', ') || '-'}\n`);
  process.stdout.write(`unmatched drafted entities (${s.unmatched.length}): ${s.unmatched.join(', ') || '-'}\n`);
  if (s.earlyDebuts.length) process.stdout.write(`EARLY DEBUTS: ${s.earlyDebuts.join('; ')}\n`);
  process.stdout.write(`Moth and Lantern: missed ${sample.missed.join(', ') || '-'}; unmatched ${sample.unmatched.join(', ') || '-'}\n`);
  process.stdout.write(`ALL CAPS: missed ${caps.missed.join(', ') || '-'}; unmatched ${caps.unmatched.join(', ') || '-'}\n`);
  if (caps.earlyDebuts.length) process.stdout.write(`ALL CAPS EARLY DEBUTS: ${caps.earlyDebuts.join('; ')}\n`);
  process.stdout.write(
    `drafted: ${draft.entities.map((e) => `${e.name}${e.aliases.length ? ` [${e.aliases.join(', ')}]` : ''} (${e.kind} ${e.episode_debut}/${e.page_debut})`).join(', ')}\n`,
  );
}
