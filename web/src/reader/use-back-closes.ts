/**
 * On a phone, a sheet over the page (the panels, the world graph) is a history
 * entry of its own, as in any phone app: Back closes it instead of leaving the
 * reader. The entry keeps the reader's URL, which page turns rewrite in place
 * while it is open; so whichever way the sheet closes, the entry before it is
 * given the URL of the page now on display before the router reads it (a
 * capture listener runs before the router's), and the reader stays there.
 */
import { useEffect, useRef } from 'react';
import { PHONE_QUERY } from './use-immersive';

let nextId = 0;

const entryOf = (): unknown => (window.history.state as { folioSheet?: unknown } | null)?.folioSheet;

/** Keep `url` on the entry the next popstate lands on. */
function keepUrlOnPop(url: string): void {
  window.addEventListener('popstate', () => window.history.replaceState(window.history.state, '', url), { capture: true, once: true });
}

/** `here`: the URL of the page on display. */
export function useBackCloses(open: boolean, close: () => void, here: () => string): void {
  const latest = useRef({ close, here });
  latest.current = { close, here };
  useEffect(() => {
    if (!open || !window.matchMedia(PHONE_QUERY).matches) return;
    const id = ++nextId;
    window.history.pushState({ ...(window.history.state as object | null), folioSheet: id }, '');
    let popped = false;
    const pop = () => {
      // Back from a page opened from the sheet lands on the sheet's entry again: the sheet stays.
      if (entryOf() === id) return;
      popped = true;
      window.history.replaceState(window.history.state, '', latest.current.here());
      latest.current.close();
    };
    window.addEventListener('popstate', pop, { capture: true });
    return () => {
      window.removeEventListener('popstate', pop, { capture: true });
      if (popped) return;
      // Closed by its own controls: step back over its entry if that is still the current one. A tick later, so a
      // remount (React's development double effects) that pushed an entry of its own is not undone.
      const url = latest.current.here();
      setTimeout(() => {
        if (entryOf() !== id) return;
        keepUrlOnPop(url);
        window.history.back();
      });
    };
  }, [open]);
}
