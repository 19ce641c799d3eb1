/**
 * The reader's side panel: a tab per registered panel (see registry.ts). The reader owns which tab is open.
 * On phones it is a bottom sheet over the page: half height first (the page stays in view above it), the
 * grab handle expands it (tap or drag up) and shrinks or closes it (drag down); styles.css does the rest.
 */
import { type KeyboardEvent, type PointerEvent, useEffect, useRef, useState } from 'react';
import { type ReaderPanelContext, readerPanels } from './registry';

/** A drag of the handle shorter than this is a tap. */
const DRAG_SLOP_PX = 8;
/** A drag this far (up or down) changes the sheet's height, or closes it from half height. */
const DRAG_STEP_PX = 60;

export function PanelSlot({ ctx, active, onSelect, onClose }: { ctx: ReaderPanelContext; active: string; onSelect: (id: string) => void; onClose: () => void }) {
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const sheet = useRef<HTMLElement>(null);
  const [expanded, setExpanded] = useState(false);
  const drag = useRef<{ y: number; id: number; moved: boolean } | null>(null);
  const dragged = useRef(false);
  const [offset, setOffset] = useState(0);

  // The on-screen keyboard: where the browser does not shrink the layout for it (iOS; Chrome without
  // interactive-widget), lift the sheet by the part of the window it covers, so the question box stays above it.
  useEffect(() => {
    const vv = window.visualViewport;
    const el = sheet.current;
    if (!vv || !el) return;
    const update = () => el.style.setProperty('--keyboard', `${Math.max(0, window.innerHeight - vv.height - vv.offsetTop)}px`);
    update();
    vv.addEventListener('resize', update);
    vv.addEventListener('scroll', update);
    return () => {
      vv.removeEventListener('resize', update);
      vv.removeEventListener('scroll', update);
    };
  }, []);

  const panel = readerPanels.find((p) => p.id === active) ?? readerPanels[0];
  if (!panel) return null;
  // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
  const onTabKey = (e: KeyboardEvent, i: number) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = (i + step + readerPanels.length) % readerPanels.length;
    onSelect(readerPanels[next]!.id);
    tabs.current[next]?.focus();
  };

  const onHandleDown = (e: PointerEvent<HTMLButtonElement>) => {
    drag.current = { y: e.clientY, id: e.pointerId, moved: false };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onHandleMove = (e: PointerEvent) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    const dy = e.clientY - d.y;
    if (Math.abs(dy) > DRAG_SLOP_PX) d.moved = true;
    // The sheet follows the finger down; up, it only grows once released (no gap under it).
    if (d.moved) setOffset(Math.max(0, dy));
  };
  const onHandleUp = (e: PointerEvent) => {
    const d = drag.current;
    drag.current = null;
    setOffset(0);
    if (!d || d.id !== e.pointerId || !d.moved) return;
    // The click that may follow a drag is not a tap on the handle.
    dragged.current = true;
    const dy = e.clientY - d.y;
    if (dy <= -DRAG_STEP_PX) setExpanded(true);
    else if (dy >= DRAG_STEP_PX) {
      if (expanded) setExpanded(false);
      else onClose();
    }
  };

  return (
    <aside
      ref={sheet}
      className={`side-panel side-panel--${panel.sheet ?? 'half'}`}
      aria-label="Reader panel"
      data-panel={panel.id}
      data-sheet={expanded ? 'full' : 'half'}
      data-dragging={offset > 0 || undefined}
      style={offset > 0 ? { transform: `translateY(${offset}px)` } : undefined}
    >
      <button
        type="button"
        className="sheet-handle"
        aria-label={expanded ? 'Shrink panel' : 'Expand panel'}
        aria-expanded={expanded}
        onClick={() => {
          if (dragged.current) dragged.current = false;
          else setExpanded((x) => !x);
        }}
        onPointerDown={onHandleDown}
        onPointerMove={onHandleMove}
        onPointerUp={onHandleUp}
        onPointerCancel={() => {
          drag.current = null;
          setOffset(0);
        }}
        data-testid="sheet-handle"
      >
        <span className="sheet-grip" aria-hidden="true" />
      </button>
      <div className="panel-tabs" role="tablist" aria-label="Panels">
        {readerPanels.map((p, i) => (
          <button
            key={p.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`panel-tab-${p.id}`}
            aria-selected={p.id === panel.id}
            aria-controls={`panel-${p.id}`}
            tabIndex={p.id === panel.id ? 0 : -1}
            className="panel-tab"
            onClick={() => onSelect(p.id)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {p.title}
          </button>
        ))}
        <button type="button" className="panel-close icon-button" onClick={onClose} aria-label="Close panel" data-testid="close-panel">
          ×
        </button>
      </div>
      <div className="panel-body" role="tabpanel" id={`panel-${panel.id}`} aria-labelledby={`panel-tab-${panel.id}`}>
        {panel.render({ ...ctx, request: ctx.request?.panel === panel.id ? ctx.request : null })}
      </div>
    </aside>
  );
}
