/**
 * Fetch-on-render for one API path, with the last answer kept per path so
 * going back to a page shows it at once while it revalidates. `slow` turns
 * true when a load takes longer than SLOW_MS (skeletons then, not before, so
 * fast loads do not flash).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './client';

export const SLOW_MS = 250;

const cache = new Map<string, unknown>();
/** When each cached answer arrived: one younger than FRESH_MS is used without asking again. */
const arrived = new Map<string, number>();
const FRESH_MS = 2_000;
const remember = (path: string, data: unknown) => {
  cache.set(path, data);
  arrived.set(path, Date.now());
};
/** Requests started before their component mounted (prefetch), picked up by useApi. */
const inflight = new Map<string, Promise<unknown>>();

/** Start loading a path now (e.g. while the code that shows it is still downloading). */
export function prefetch<T>(path: string): Promise<T> {
  const known = inflight.get(path) as Promise<T> | undefined;
  if (known) return known;
  const p = api<T>(path)
    .then((data) => {
      remember(path, data);
      return data;
    })
    .finally(() => inflight.delete(path));
  p.catch(() => {}); // the component that uses it reports errors
  inflight.set(path, p);
  return p;
}

/** Forget cached answers (after progress changes what the API would say). */
export function invalidate(prefix: string): void {
  for (const key of cache.keys())
    if (key.startsWith(prefix)) {
      cache.delete(key);
      arrived.delete(key);
    }
}

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  slow: boolean;
  reload(): void;
}

export function useApi<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ path: string | null; data: T | undefined; error: unknown; loading: boolean; slow: boolean }>(() => ({
    path,
    data: path ? (cache.get(path) as T | undefined) : undefined,
    error: undefined,
    loading: path !== null,
    slow: false,
  }));
  const [nonce, setNonce] = useState(0);
  const live = useRef(0);
  const forceNext = useRef(false);

  useEffect(() => {
    if (path === null) return;
    const id = ++live.current;
    const ctrl = new AbortController();
    const cached = cache.get(path) as T | undefined;
    const forced = forceNext.current;
    forceNext.current = false;
    // Just fetched (a prefetch, or the page before): no need to ask again.
    if (!forced && cached !== undefined && Date.now() - (arrived.get(path) ?? 0) < FRESH_MS) {
      setState({ path, data: cached, error: undefined, loading: false, slow: false });
      return;
    }
    setState((s) => ({ path, data: s.path === path ? (s.data ?? cached) : cached, error: undefined, loading: true, slow: false }));
    const slowTimer = setTimeout(() => {
      if (live.current === id) setState((s) => ({ ...s, slow: true }));
    }, SLOW_MS);
    const pending = inflight.get(path) as Promise<T> | undefined;
    (pending ?? api<T>(path, { signal: ctrl.signal }))
      .then((data) => {
        remember(path, data);
        if (live.current === id) setState({ path, data, error: undefined, loading: false, slow: false });
      })
      .catch((error: unknown) => {
        if ((error as Error).name === 'AbortError' || live.current !== id) return;
        setState((s) => ({ ...s, error, loading: false, slow: false }));
      })
      .finally(() => clearTimeout(slowTimer));
    return () => {
      ctrl.abort();
      clearTimeout(slowTimer);
    };
  }, [path, nonce]);

  const reload = useCallback(() => {
    forceNext.current = true;
    setNonce((n) => n + 1);
  }, []);
  const current = state.path === path ? state : { ...state, data: path ? (cache.get(path) as T | undefined) : undefined, loading: path !== null };
  return { data: current.data, error: current.error, loading: current.loading, slow: current.slow, reload };
}
