import { describe, expect, it } from 'vitest';
import { isFollowUp, normalizeQuestion, type Route, routeQuestion } from './route.js';

const kind = (q: string) => routeQuestion(q).kind;
const episodes = (q: string) => routeQuestion(q).episodes;

describe('normalizeQuestion', () => {
  it('folds case, accents and punctuation into single spaces', () => {
    expect(normalizeQuestion("Qu'est-ce que Pepper a RÉSUMÉ ?")).toBe(' qu est ce que pepper a resume ');
  });
});

describe('routeQuestion', () => {
  it('reads questions about the page on screen', () => {
    for (const q of ['What is she holding?', 'What is she doing here?', 'What does the sign say on this page?', 'Que fait-elle ici ?', 'Qui parle maintenant ?']) {
      expect(kind(q), q).toBe('page');
    }
    // A question in the present is about what is on screen; in the past, about the episode so far.
    expect(kind('Why is she so upset?')).toBe('page');
    expect(kind('What does the sign say?')).toBe('page');
    expect(kind('Why was she so upset?')).toBe('episode');
  });

  it('reads questions about the current episode so far by default', () => {
    for (const q of ['Why did she go to the market?', 'What was the contest prize?', 'Why was she looking for the cat?', 'Pourquoi avait-elle peur du marché ?']) {
      expect(routeQuestion(q), q).toEqual<Route>({ kind: 'episode', episodes: 'current' });
    }
    // "before" inside the episode's own story is no reference to an earlier episode.
    expect(kind('Where was she heading before the crash?')).toBe('episode');
  });

  it('reads who/what questions about a named thing', () => {
    for (const q of [
      'Who is Saffron?',
      'who are the godmothers',
      'What is Komona?',
      "What's a Phoenix?",
      'Tell me about Carrot',
      'Qui est Saffron ?',
      "C'est quoi Chaosah ?",
    ]) {
      expect(routeQuestion(q), q).toEqual<Route>({ kind: 'entity', episodes: null });
    }
    // A "what was" question about the story is not about a named thing.
    expect(kind('What was the contest prize?')).toBe('episode');
    expect(kind("Qu'est-ce que Pepper avait gagné au concours ?")).toBe('episode');
  });

  it('reads questions about earlier episodes, and which ones', () => {
    expect(routeQuestion('What potion was she making last time?')).toEqual<Route>({ kind: 'earlier', episodes: 'previous' });
    expect(routeQuestion("Qu'a-t-elle fait la dernière fois ?")).toEqual<Route>({ kind: 'earlier', episodes: 'previous' });
    expect(routeQuestion('What happened at the first contest?')).toEqual<Route>({ kind: 'earlier', episodes: 'earlier' });
    expect(routeQuestion('Comment Pepper a gagné le premier concours ?')).toEqual<Route>({ kind: 'earlier', episodes: 'earlier' });
    expect(routeQuestion('Have we seen this dragon before?')).toEqual<Route>({ kind: 'earlier', episodes: 'earlier' });
    expect(routeQuestion('What did Carrot do in episode 3?')).toEqual<Route>({ kind: 'earlier', episodes: { episode: 3 } });
  });

  it('reads recaps, and of what', () => {
    expect(routeQuestion('What happened so far?')).toEqual<Route>({ kind: 'so_far', episodes: 'story' });
    expect(routeQuestion('What happened so far in the story?')).toEqual<Route>({ kind: 'so_far', episodes: 'story' });
    expect(routeQuestion('What has happened so far?').kind).toBe('so_far');
    // "So far" bounding a question of its own is no recap.
    expect(routeQuestion('Which dragons has she tried so far?')).toEqual<Route>({ kind: 'episode', episodes: 'current' });
    expect(routeQuestion("Who's competing so far?").kind).not.toBe('so_far');
    expect(routeQuestion('Recap so far of the dragons').kind).toBe('so_far');
    expect(routeQuestion('What did I miss in the last episode?')).toEqual<Route>({ kind: 'so_far', episodes: 'previous' });
    expect(routeQuestion('Recap of this episode please')).toEqual<Route>({ kind: 'so_far', episodes: 'current' });
    // Short recap wordings, English and French.
    for (const q of ['Sum up this episode', 'Can you sum it up?', 'tl;dr?', 'TL DR', 'En bref ?', 'In a nutshell?']) {
      expect(routeQuestion(q).kind, q).toBe('so_far');
    }
    expect(routeQuestion('What did I miss in episode 9?')).toEqual<Route>({ kind: 'so_far', episodes: { episode: 9 } });
    expect(routeQuestion("Résumé de l'épisode précédent ?")).toEqual<Route>({ kind: 'so_far', episodes: 'previous' });
    expect(routeQuestion("Qu'est-ce qui s'est passé jusqu'ici ?")).toEqual<Route>({ kind: 'so_far', episodes: 'story' });
    expect(episodes('Summarize this episode')).toBe('current');
  });

  it('reads follow-ups that need the previous question', () => {
    for (const q of ['And then?', 'Why did she do that?', 'What happened next?', 'Why?', 'Et après ?', 'Pourquoi elle a fait ça ?', 'And Carrot?']) {
      expect(routeQuestion(q), q).toEqual<Route>({ kind: 'follow_up', episodes: null });
    }
    expect(isFollowUp('Why did Pepper go to the market?')).toBe(false);
    expect(isFollowUp('')).toBe(false);
  });

  it('routes an empty question to the page', () => {
    expect(routeQuestion(' ?! ')).toEqual<Route>({ kind: 'page', episodes: null });
  });
});
