import { describe, expect, it } from 'vitest';
import { answerLinkPolicy, classifyHref, wikiLinkPolicy } from './links';

describe('classifyHref', () => {
  it('knows the app routes', () => {
    expect(classifyHref('/read/moth-and-lantern/1/3')).toMatchObject({ kind: 'page', seriesId: 'moth-and-lantern', at: { episode: 1, page: 3 } });
    expect(classifyHref('/series/s/wiki/ada#family')).toMatchObject({ kind: 'wiki', slug: 'ada', anchor: 'family' });
    expect(classifyHref('/series/s/world')).toMatchObject({ kind: 'route' });
    expect(classifyHref('https://example.com/x')).toMatchObject({ kind: 'external', href: 'https://example.com/x' });
  });
  it('rejects everything else', () => {
    for (const h of ['javascript:alert(1)', '//evil.example/x', '/api/series/s/world', '/read/s/1/1?peek=true', 'data:text/html,x', '/read/S/1/1', 'mailto:a@b.c', ''])
      expect(classifyHref(h), h).toBeNull();
  });
});

describe('answerLinkPolicy: links in model output', () => {
  const policy = answerLinkPolicy('s', { episode: 2, page: 3 }, ['/series/s/wiki/ada']);
  it('pages at or before the known position only', () => {
    expect(policy('/read/s/2/3')).not.toBeNull();
    expect(policy('/read/s/1/99')).not.toBeNull();
    expect(policy('/read/s/2/4')).toBeNull();
    expect(policy('/read/s/3/0')).toBeNull();
  });
  it('only wiki articles the answer cites; no other series; no other sites', () => {
    expect(policy('/series/s/wiki/ada')).not.toBeNull();
    expect(policy('/series/s/wiki/torreya')).toBeNull();
    expect(policy('/read/other/1/1')).toBeNull();
    expect(policy('https://example.com')).toBeNull();
  });
  it('nothing is a page link when the position is unknown', () => {
    expect(answerLinkPolicy('s', null, [])('/read/s/1/1')).toBeNull();
  });
});

describe('wikiLinkPolicy: links in pack text', () => {
  const policy = wikiLinkPolicy('s', { episode: 1, page: 4 }, new Set(['ada', 'tobin']));
  it('resolves relative article links to unlocked articles only', () => {
    expect(policy('tobin')?.href).toBe('/series/s/wiki/tobin');
    expect(policy('../entities/ada.md#family')?.href).toBe('/series/s/wiki/ada#family');
    expect(policy('dimmers')).toBeNull();
    expect(policy('/series/s/wiki/dimmers')).toBeNull();
  });
  it('other sites are allowed (pack text), later pages are not', () => {
    expect(policy('https://www.peppercarrot.com/')).toMatchObject({ kind: 'external' });
    expect(policy('/read/s/1/5')).toBeNull();
    expect(policy('/read/s/1/4')).not.toBeNull();
  });
});
