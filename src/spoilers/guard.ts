/** The unreached-name check for one reader and series, ready to use on any text. */
import type { Db } from '../db/client.js';
import type { ReaderScope } from './boundary.js';
import { NameMatcher } from './names.js';
import { entityNames } from './queries.js';

export async function nameMatcherFor(db: Db, scope: ReaderScope): Promise<NameMatcher> {
  const { unreached, visible } = await entityNames(db, scope);
  return new NameMatcher(unreached, visible);
}
