import type { Database } from '../db/client.js';
import { FolioError } from '../errors.js';
import type { AppDeps } from './context.js';

export function requireDatabase(deps: AppDeps): Database {
  const db = deps.runtime.database;
  if (!db) throw new FolioError('unavailable:starting', 'Folio is starting up; try again in a moment.', { retryAfter: 1 });
  return db;
}
