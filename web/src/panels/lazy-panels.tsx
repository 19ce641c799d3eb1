/**
 * The panels whose code loads on first use: the chat and recaps bring the AI
 * SDK and the markdown renderer, the wiki the markdown renderer. The reader's
 * own chunk stays small.
 */
import { lazy, type ReactNode, Suspense } from 'react';
import type { ReaderPanel } from './registry';

const ChatPanel = lazy(() => import('../chat/ChatPanel'));
const RecapPanel = lazy(() => import('../recap/RecapPanel'));
const WikiPanel = lazy(() => import('../wiki/WikiPanel'));
const SearchPanel = lazy(() => import('../search/SearchPanel'));

function Loading({ children }: { children: ReactNode }) {
  return (
    <Suspense
      fallback={
        <p className="panel-loading" role="status">
          Loading…
        </p>
      }
    >
      {children}
    </Suspense>
  );
}

export const chatPanel: ReaderPanel = {
  id: 'chat',
  title: 'Ask',
  sheet: 'full',
  render: (ctx) => (
    <Loading>
      <ChatPanel ctx={ctx} />
    </Loading>
  ),
};
export const recapPanel: ReaderPanel = {
  id: 'recap',
  title: 'Recap',
  sheet: 'full',
  render: (ctx) => (
    <Loading>
      <RecapPanel ctx={ctx} />
    </Loading>
  ),
};
export const wikiPanel: ReaderPanel = {
  id: 'wiki',
  title: 'Wiki',
  sheet: 'full',
  render: (ctx) => (
    <Loading>
      <WikiPanel ctx={ctx} />
    </Loading>
  ),
};
export const searchPanel: ReaderPanel = {
  id: 'search',
  title: 'Search',
  sheet: 'full',
  render: (ctx) => (
    <Loading>
      <SearchPanel ctx={ctx} />
    </Loading>
  ),
};
