/**
 * The route label of a finished request: the pattern it matched
 * (`/api/series/:seriesId/chat`), never the raw path, so metrics have one
 * series per route instead of one per URL anyone cares to request.
 */
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

export const UNMATCHED = '(unmatched)';

export function routeLabel(c: Context): string {
  // routeIndex is the last handler that ran: the route that answered, or the middleware that refused.
  const route = matchedRoutes(c)[c.req.routeIndex];
  if (!route) return UNMATCHED;
  // Only middleware ran and nothing answered: a 404 for a path no route knows.
  if (route.method === 'ALL' && c.res.status === 404) return UNMATCHED;
  return route.path;
}
