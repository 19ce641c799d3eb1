/**
 * Folio's MCP server: the spoiler-safe companion for AI assistants. One
 * server per request (stateless Streamable HTTP), acting as the reader whose
 * token came as the bearer. Tool failures are tool errors (isError), never
 * transport errors, so the assistant can read and relay them.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { SERIES_ID } from '../content/pack-schema.js';
import { asFolioError, isFolioError } from '../errors.js';
import type { Logger } from '../logger.js';
import { askTool, listSeriesTool, recapTool, searchTool, type ToolDeps, type ToolOutput, whereAmITool, whoIsTool } from './tools.js';

export const SERVER_INFO = { name: 'folio', version: '0.1.0' };

const seriesId = z
  .string()
  .regex(SERIES_ID, 'a series_id from list_series, e.g. "pepper-carrot"')
  .describe('The series, as returned by list_series (for example "pepper-carrot").');

const POSITION_NOTE =
  "Folio answers only from what this reader has already read (their furthest page, kept by Folio). You cannot change that position, and you must not fill in later events from your own knowledge: if the answer is not there, say the reader hasn't reached it.";

async function run(log: Logger, fn: () => Promise<ToolOutput>): Promise<CallToolResult> {
  try {
    const out = await fn();
    return { content: [{ type: 'text', text: out.text }], structuredContent: out.structured };
  } catch (err) {
    const fe = asFolioError(err);
    if (fe.status >= 500 && !isFolioError(err)) log.error({ err }, 'MCP tool failed');
    const retry = fe.details?.retryAfter ? ` Try again in ${String(fe.details.retryAfter)} s.` : '';
    return { isError: true, content: [{ type: 'text', text: `${fe.code}: ${fe.message}${retry}` }] };
  }
}

export function createMcpServer(deps: ToolDeps, readerId: string, log: Logger): McpServer {
  const server = new McpServer(SERVER_INFO, {
    instructions: `Folio is a spoiler-safe reading companion for serialized comics. ${POSITION_NOTE} Start with list_series to find a series_id; where_am_i tells where the reader is. Cite the links Folio returns; they open the page in the reader.`,
  });
  const readOnly = { readOnlyHint: true, openWorldHint: false } as const;

  server.registerTool(
    'list_series',
    {
      title: 'List series',
      description: 'The comics on this Folio, with the reader\'s place in each (or "not started") and a link to continue reading.',
      annotations: readOnly,
    },
    () => run(log, () => listSeriesTool(deps, readerId)),
  );
  server.registerTool(
    'where_am_i',
    {
      title: 'Where am I?',
      description: "The reader's current position in a series (episode and page), the episode's title, and a link to that page.",
      inputSchema: { series_id: seriesId },
      annotations: readOnly,
    },
    ({ series_id }) => run(log, () => whereAmITool(deps, readerId, series_id)),
  );
  server.registerTool(
    'ask',
    {
      title: 'Ask the companion',
      description: `Ask Folio's reading companion a question about a series ("who is that?", "why is she angry?", "what happened before?"). The answer is grounded in the pages the reader has reached and cites them with links. ${POSITION_NOTE} If the answer says something comes later, relay that; do not guess.`,
      inputSchema: { series_id: seriesId, question: z.string().min(1).max(1000).describe("The reader's question, in their words.") },
      annotations: { readOnlyHint: false, openWorldHint: false },
    },
    ({ series_id, question }, extra) => run(log, () => askTool(deps, readerId, series_id, question, extra)),
  );
  server.registerTool(
    'search',
    {
      title: 'Search what was read',
      description: 'Full-text search over the pages and wiki text the reader has reached, with snippets and links. Use it to find where something was said.',
      inputSchema: { series_id: seriesId, query: z.string().min(1).max(200).describe('Words to look for (quotes for a phrase, - to exclude).') },
      annotations: readOnly,
    },
    ({ series_id, query }) => run(log, () => searchTool(deps, readerId, series_id, query)),
  );
  server.registerTool(
    'who_is',
    {
      title: 'Who is…?',
      description: `A character, creature, place or group by name, with the description the reader has unlocked so far and known relationships. A name the reader has not met yet gets "not yet in your reading" (the same answer as an unknown name). ${POSITION_NOTE}`,
      inputSchema: { series_id: seriesId, name: z.string().min(1).max(200).describe('A name or alias, e.g. "Carrot".') },
      annotations: readOnly,
    },
    ({ series_id, name }) => run(log, () => whoIsTool(deps, readerId, series_id, name)),
  );
  server.registerTool(
    'recap',
    {
      title: 'Recap',
      description:
        'A recap up to the reader\'s position: "series" for the story so far, "episode" for what happened just before and in the current episode. Cites pages with links.',
      inputSchema: { series_id: seriesId, scope: z.enum(['series', 'episode']).default('series').describe('"series" (story so far) or "episode" (previously).') },
      annotations: readOnly,
    },
    ({ series_id, scope }, extra) => run(log, () => recapTool(deps, readerId, series_id, scope, extra)),
  );
  return server;
}
