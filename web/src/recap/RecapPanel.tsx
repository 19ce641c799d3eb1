/** The reader's Recap panel. */
import type { ReaderPanelContext } from '../panels/registry';
import { Recap } from './Recap';

export default function RecapPanel({ ctx }: { ctx: ReaderPanelContext }) {
  return <Recap seriesId={ctx.seriesId} known={ctx.position} flushProgress={ctx.flushProgress} onInternalLink={ctx.openLink} />;
}
