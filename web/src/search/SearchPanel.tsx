/** Search in the reader's side panel: results open the page in the book, or the article in the wiki tab. */
import type { ReaderPanelContext } from '../panels/registry';
import { SearchBox } from './SearchBox';
import './search.css';

export default function SearchPanel({ ctx }: { ctx: ReaderPanelContext }) {
  return <SearchBox seriesId={ctx.seriesId} known={ctx.position} beforeSearch={ctx.flushProgress} onOpen={ctx.openLink} autoFocus compact />;
}
