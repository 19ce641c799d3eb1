/**
 * A panel to open when the reader next opens a series (from the world graph's
 * own page: "ask about this" opens the reader with the question asked). Kept
 * in memory on purpose: a question never comes from a URL, so a link cannot
 * make a reader ask something.
 */
export interface PendingPanel {
  panel: string;
  ask?: string;
  slug?: string;
}

const pending = new Map<string, PendingPanel>();

export function setPendingPanel(seriesId: string, p: PendingPanel): void {
  pending.set(seriesId, p);
}

export const peekPendingPanel = (seriesId: string): PendingPanel | null => pending.get(seriesId) ?? null;

export function clearPendingPanel(seriesId: string): void {
  pending.delete(seriesId);
}
