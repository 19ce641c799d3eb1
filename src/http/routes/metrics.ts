/**
 * `GET /metrics`: Prometheus text exposition, operator only (Bearer
 * $ADMIN_TOKEN; without ADMIN_TOKEN it is off like the operator API, 403).
 * See docs/operations.md for the series.
 */
import { Hono } from 'hono';
import { renderMetrics } from '../../observability/metrics.js';
import { adminAuth } from '../admin-auth.js';
import type { AppDeps, AppEnv } from '../context.js';

export const METRICS_PATH = '/metrics';

export function metricsRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().use(METRICS_PATH, adminAuth(deps.adminToken)).get(METRICS_PATH, async (c) => {
    const { contentType, body } = await renderMetrics(deps.runtime.database?.db ?? null, c.get('log'), { retentionDays: deps.retentionDays });
    c.header('Cache-Control', 'no-store');
    c.header('Content-Type', contentType);
    return c.body(body);
  });
}
