/**
 * Where each node of the world graph goes. Packs may give coordinates
 * (`layout: {x, y}`); those are kept (spread out if nodes would overlap).
 * Nodes without them are placed next to the neighbours they are linked to,
 * or on a ring around the rest, then nudged apart. Deterministic: the same
 * graph always looks the same.
 */
export interface LayoutInput {
  slug: string;
  layout: { x: number; y: number } | null;
}

export interface Point {
  x: number;
  y: number;
}

/** Centres closer than this overlap visually (a node is about 110 px wide with its name). */
export const MIN_GAP = 150;
const MAX_SCALE = 3;

export function layoutNodes(nodes: readonly LayoutInput[], edges: ReadonlyArray<{ source: string; target: string }>): Map<string, Point> {
  const out = new Map<string, Point>();
  const fixed = nodes.filter((n) => n.layout && Number.isFinite(n.layout.x) && Number.isFinite(n.layout.y));

  // Pack coordinates are in the pack author's units: spread them until the closest two do not overlap.
  let minDist = Infinity;
  for (let i = 0; i < fixed.length; i++)
    for (let j = i + 1; j < fixed.length; j++) {
      const a = fixed[i]!.layout!;
      const b = fixed[j]!.layout!;
      minDist = Math.min(minDist, Math.hypot(a.x - b.x, a.y - b.y));
    }
  const scale = Number.isFinite(minDist) && minDist > 0 && minDist < MIN_GAP ? Math.min(MAX_SCALE, MIN_GAP / minDist) : 1;
  for (const n of fixed) out.set(n.slug, { x: n.layout!.x * scale, y: n.layout!.y * scale });

  const neighbours = new Map<string, string[]>();
  for (const e of edges) {
    neighbours.set(e.source, [...(neighbours.get(e.source) ?? []), e.target]);
    neighbours.set(e.target, [...(neighbours.get(e.target) ?? []), e.source]);
  }

  const free = nodes.filter((n) => !out.has(n.slug));
  // Around the centre of what is placed, on a ring outside it.
  const placed = () => [...out.values()];
  const centre = (pts: Point[]): Point => (pts.length ? { x: pts.reduce((s, p) => s + p.x, 0) / pts.length, y: pts.reduce((s, p) => s + p.y, 0) / pts.length } : { x: 0, y: 0 });
  let ringIndex = 0;
  // Nodes with placed neighbours first (so chains grow outwards), in the API's order otherwise.
  const pending = [...free];
  while (pending.length > 0) {
    let pick = pending.findIndex((n) => (neighbours.get(n.slug) ?? []).some((s) => out.has(s)));
    if (pick < 0) pick = 0;
    const n = pending.splice(pick, 1)[0]!;
    const near = (neighbours.get(n.slug) ?? []).map((s) => out.get(s)).filter((p): p is Point => p !== undefined);
    let p: Point;
    if (near.length > 0) {
      const c = centre(near);
      // Step away from the middle of the graph, so the node sits on the outside of its neighbours.
      const g = centre(placed());
      let dx = c.x - g.x;
      let dy = c.y - g.y;
      const len = Math.hypot(dx, dy);
      if (len < 1) {
        const a = goldenAngle(ringIndex++);
        dx = Math.cos(a);
        dy = Math.sin(a);
      } else {
        dx /= len;
        dy /= len;
      }
      p = { x: c.x + dx * MIN_GAP, y: c.y + dy * MIN_GAP };
    } else {
      const pts = placed();
      const c = centre(pts);
      const radius = Math.max(MIN_GAP, ...pts.map((q) => Math.hypot(q.x - c.x, q.y - c.y))) + MIN_GAP * (pts.length ? 1 : 0);
      const a = goldenAngle(ringIndex++);
      p = pts.length ? { x: c.x + Math.cos(a) * radius, y: c.y + Math.sin(a) * radius } : { x: 0, y: 0 };
    }
    out.set(n.slug, nudge(p, out, n.slug));
  }
  return out;
}

const goldenAngle = (i: number) => i * 2.399963229728653;

/** Move a new point outwards in a spiral until it is MIN_GAP from every placed point. */
function nudge(p: Point, placed: Map<string, Point>, self: string): Point {
  const clear = (q: Point) => [...placed.entries()].every(([slug, o]) => slug === self || Math.hypot(o.x - q.x, o.y - q.y) >= MIN_GAP * 0.9);
  if (clear(p)) return p;
  for (let i = 1; i < 400; i++) {
    const a = goldenAngle(i);
    const r = (MIN_GAP / 2) * Math.sqrt(i);
    const q = { x: p.x + Math.cos(a) * r, y: p.y + Math.sin(a) * r };
    if (clear(q)) return q;
  }
  return p;
}
