/**
 * The world graph over the reader (a modal dialog: focus stays inside, Esc
 * closes it). The newest page is stored before the graph is asked for, so
 * focus mode is about the page on screen.
 */
import { useEffect, useRef, useState } from 'react';
import { flushProgress } from '../progress';
import { WorldData } from './WorldData';
import './world.css';

export default function WorldOverlay({
  seriesId,
  initialNode,
  onClose,
  onAsk,
  onOpenArticle,
}: {
  seriesId: string;
  initialNode?: string | null;
  onClose: () => void;
  onAsk: (question: string) => void;
  onOpenArticle: (slug: string) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    const d = dialog.current;
    const opener = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal();
    let live = true;
    flushProgress(seriesId)
      .catch(() => {})
      .finally(() => live && setReady(true));
    return () => {
      live = false;
      if (opener?.isConnected) opener.focus();
    };
  }, [seriesId]);

  return (
    <dialog
      ref={dialog}
      className="world-overlay"
      aria-labelledby="world-overlay-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      data-testid="world-overlay"
    >
      <header className="world-overlay-head">
        <h2 id="world-overlay-title">World</h2>
        <p className="muted">Only who and what you have met so far.</p>
        {/* biome-ignore lint/a11y/noAutofocus: the modal overlay puts focus on its close button when it opens (WAI-ARIA dialog pattern) */}
        <button type="button" className="icon-button world-overlay-close" onClick={onClose} aria-label="Close the world graph" autoFocus>
          ×
        </button>
      </header>
      <WorldData seriesId={seriesId} ready={ready} initialNode={initialNode} focusFirst={!initialNode} colorMode="dark" onAsk={onAsk} onOpenArticle={onOpenArticle} />
    </dialog>
  );
}
