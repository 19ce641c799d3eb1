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

/** Centres closer than this overlap visually (a node is about 100 px wide with its name). */
export const MIN_GAP = 130;

export function layoutNodes(nodes: readonly LayoutInput[], edges: ReadonlyArray<{ source: string; target: string }>): Map<string, Point> {
  const out = new Map<string, Point>();
  const fixed = nodes.filter((n) => n.layout && Number.isFinite(n.layout.x) && Number.isFinite(n.layout.y));
  for (const n of fixed) out.set(n.slug, { x: n.layout!.x, y: n.layout!.y });
  // Pack coordinates are the author's picture: keep it, only pushing apart nodes that would overlap
  // (scaling the whole picture up would make a large graph too small to read when it fits the screen).
  separate(out);

  const neighbours = new Map<string, string[]>();
  for (const e of edges) {
    neighbours.set(e.source, [...(neighbours.get(e.source) ?? []), e.target]);
    neighbours.set(e.target, [...(neighbours.get(e.target) ?? []), e.source]);
  }

  const free = nodes.filter((n) => !out.has(n.slug));
  // Around the centre of what is placed, on a ring outside it.
  const placed = () => [...out.values()];
  const centre = (pts: Point[]): Point =>
    pts.length ? { x: pts.reduce((s, p) => s + p.x, 0) / pts.length, y: pts.reduce((s, p) => s + p.y, 0) / pts.length } : { x: 0, y: 0 };
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

/** Push overlapping points apart (each pair by half of what is missing), a few rounds, deterministically. */
function separate(points: Map<string, Point>): void {
  const list = [...points.values()];
  for (let round = 0; round < 60; round++) {
    let moved = false;
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        const d = Math.hypot(b.x - a.x, b.y - a.y);
        if (d >= MIN_GAP) continue;
        // Same spot: split them along a fixed direction per pair.
        const angle = goldenAngle(i * 31 + j);
        const ux = d < 1e-6 ? Math.cos(angle) : (b.x - a.x) / d;
        const uy = d < 1e-6 ? Math.sin(angle) : (b.y - a.y) / d;
        const push = (MIN_GAP - d) / 2 + 0.5;
        a.x -= ux * push;
        a.y -= uy * push;
        b.x += ux * push;
        b.y += uy * push;
        moved = true;
      }
    if (!moved) return;
  }
}

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
