/**
 * A minimal server-rendered library at `/` so a fresh `npm start` shows the
 * sample series. It uses the same spoiler-safe catalog as the API.
 */
import { Hono } from 'hono';
import { html, raw } from 'hono/html';
import { listLibrary } from '../../catalog/catalog.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';

export function homeRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const { series } = await listLibrary(requireDatabase(deps).db, deps.storage, null);
    c.header('Content-Security-Policy', "default-src 'none'; img-src 'self' https: data:; style-src 'unsafe-inline'");
    return c.html(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Folio</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:1.5rem}
.card img{width:100%;height:auto;border-radius:.5rem;display:block}.muted{color:#666;font-size:.9rem}
code{background:#f3f3f3;padding:.1rem .3rem;border-radius:.25rem}</style></head>
<body><h1>Folio</h1>
<p class="muted">A spoiler-safe reading companion. The reader API is at <code>/api/series</code>.</p>
<div class="grid">${series.map(
      (s) => html`<div class="card">${s.cover ? html`<img src="${s.cover.url}" width="${s.cover.width}" height="${s.cover.height}" alt="">` : ''}
<h2>${s.title}</h2><p>${s.description ?? ''}</p><p class="muted">${s.episodeCount} episodes · ${s.license ?? ''}<br>${s.attribution}</p></div>`,
    )}</div>${series.length === 0 ? raw('<p>No series yet. Import one with <code>folio import &lt;pack&gt;</code>.</p>') : ''}
</body></html>`);
  });
}
