/** Loads the world graph for the reader's position, with loading, error and empty states, then draws it. */

import type { WorldGraph } from '../../../src/contract/index.js';
import { useApi } from '../api/use-api';
import { ErrorState, Loading, Skeleton } from '../ui/states';
import WorldGraphView, { type WorldGraphViewProps } from './WorldGraphView';

export function WorldData({ seriesId, ready, ...rest }: Omit<WorldGraphViewProps, 'graph' | 'canAsk'> & { ready: boolean }) {
  const res = useApi<WorldGraph>(ready ? `/api/series/${encodeURIComponent(seriesId)}/world` : null);
  const g = res.data;
  if (res.error && !g) return <ErrorState error={res.error} onRetry={res.reload} />;
  if (!g) {
    return (
      <Loading slow={res.slow || !ready}>
        <Skeleton className="world-skeleton" label="Loading the world graph" />
      </Loading>
    );
  }
  if (g.nodes.length === 0) {
    return (
      <div className="world-empty" data-testid="world-empty">
        <p>
          {g.position
            ? 'No one from the world graph has appeared yet. Keep reading!'
            : 'Start reading: the people, places and groups of the story appear here as you meet them.'}
        </p>
      </div>
    );
  }
  return <WorldGraphView seriesId={seriesId} graph={g} canAsk={g.position !== null} {...rest} />;
}
