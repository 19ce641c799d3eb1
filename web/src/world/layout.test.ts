import { describe, expect, it } from 'vitest';
import { layoutNodes, MIN_GAP } from './layout';

const dist = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.hypot(a.x - b.x, a.y - b.y);

describe('layoutNodes', () => {
  it("keeps the pack's coordinates when nodes do not overlap", () => {
    const p = layoutNodes(
      [
        { slug: 'a', layout: { x: 0, y: 0 } },
        { slug: 'b', layout: { x: 300, y: 0 } },
      ],
      [],
    );
    expect(p.get('a')).toEqual({ x: 0, y: 0 });
    expect(p.get('b')).toEqual({ x: 300, y: 0 });
  });

  it('pushes apart pack coordinates that would overlap, keeping their direction', () => {
    const p = layoutNodes(
      [
        { slug: 'a', layout: { x: 0, y: 0 } },
        { slug: 'b', layout: { x: 50, y: 0 } },
        { slug: 'c', layout: { x: 50, y: 0 } },
        { slug: 'far', layout: { x: 2000, y: 0 } },
      ],
      [],
    );
    const all = [...p.values()];
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(dist(all[i]!, all[j]!)).toBeGreaterThanOrEqual(MIN_GAP - 1);
    expect(p.get('b')!.x).toBeGreaterThan(p.get('a')!.x);
    expect(p.get('far')).toEqual({ x: 2000, y: 0 });
  });

  it('places nodes without coordinates near their neighbours, apart from everything, the same way every time', () => {
    const nodes = [
      { slug: 'hub', layout: { x: 0, y: 0 } },
      { slug: 'far', layout: { x: 600, y: 0 } },
      { slug: 'n1', layout: null },
      { slug: 'n2', layout: null },
      { slug: 'lonely', layout: null },
    ];
    const edges = [
      { source: 'hub', target: 'n1' },
      { source: 'n2', target: 'hub' },
    ];
    const p = layoutNodes(nodes, edges);
    expect(p.size).toBe(5);
    const all = [...p.values()];
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(dist(all[i]!, all[j]!)).toBeGreaterThanOrEqual(MIN_GAP * 0.9 - 1e-6);
    // Neighbours of the hub are closer to it than to the far node.
    for (const n of ['n1', 'n2']) expect(dist(p.get(n)!, p.get('hub')!)).toBeLessThan(dist(p.get(n)!, p.get('far')!));
    expect(layoutNodes(nodes, edges)).toEqual(p);
  });

  it('a graph without any coordinates gets a layout too', () => {
    const nodes = Array.from({ length: 12 }, (_, i) => ({ slug: `n${i}`, layout: null }));
    const p = layoutNodes(nodes, [{ source: 'n0', target: 'n1' }]);
    const all = [...p.values()];
    expect(all.every((q) => Number.isFinite(q.x) && Number.isFinite(q.y))).toBe(true);
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(dist(all[i]!, all[j]!)).toBeGreaterThanOrEqual(MIN_GAP * 0.9 - 1e-6);
  });
});
