/** Reader preferences that live in the browser: view mode, guided view, and the system's reduced-motion setting. */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { ViewMode } from './book-layout';

export type ModePreference = 'auto' | ViewMode;

const KEY = 'folio:view-mode';
/** Wide enough for two pages side by side: automatic spread from here. */
export const SPREAD_QUERY = '(min-width: 900px) and (min-aspect-ratio: 5/4)';

function readPreference(): ModePreference {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'single' || v === 'spread' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

function useMedia(query: string): boolean {
  return useSyncExternalStore(
    (cb) => {
      const m = window.matchMedia(query);
      m.addEventListener('change', cb);
      return () => m.removeEventListener('change', cb);
    },
    () => window.matchMedia(query).matches,
  );
}

export function useReducedMotion(): boolean {
  return useMedia('(prefers-reduced-motion: reduce)');
}

export function useViewMode(): { preference: ModePreference; mode: ViewMode; setPreference(p: ModePreference): void } {
  const [preference, setPref] = useState<ModePreference>(readPreference);
  const wide = useMedia(SPREAD_QUERY);
  useEffect(() => {
    try {
      if (preference === 'auto') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, preference);
    } catch {
      /* private mode: not remembered */
    }
  }, [preference]);
  return { preference, mode: preference === 'auto' ? (wide ? 'spread' : 'single') : preference, setPreference: setPref };
}

const GUIDED_KEY = 'folio:guided-view';

/** Guided view (one panel at a time) on or off, remembered per device like the view mode. */
export function useGuidedView(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(() => {
    try {
      return localStorage.getItem(GUIDED_KEY) === 'on';
    } catch {
      return false;
    }
  });
  useEffect(() => {
    try {
      if (on) localStorage.setItem(GUIDED_KEY, 'on');
      else localStorage.removeItem(GUIDED_KEY);
    } catch {
      /* private mode: not remembered */
    }
  }, [on]);
  return [on, setOn];
}
