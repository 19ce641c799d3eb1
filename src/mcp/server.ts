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
import type { ReaderCredential } from '../readers/readers.js';
import { requireScope, type TokenAction } from '../readers/scopes.js';
import { askTool, listSeriesTool, recapTool, searchTool, type ToolDeps, type ToolOutput, whereAmITool, whoIsTool } from './tools.js';

export const SERVER_INFO = { name: 'folio', version: '0.1.0' };

const seriesId = z
  .string()
  .regex(SERIES_ID, 'a series_id from list_series, e.g. "pepper-carrot"')
  .describe('The series, as returned by list_series (for example "pepper-carrot").');

const POSITION_NOTE =
  "Folio answers only from what this reader has already read (their furthest page, kept by Folio). No tool here changes that position, and you must not fill in later events from your own knowledge: if the answer is not there, say the reader hasn't reached it.";

/**
 * What this token may do beyond the tools (ADR 0028), so the instructions never promise or hide a power. The
 * reader's own token is the reader: nothing to add.
 */
export function tokenNote(cred: Pick<ReaderCredential, 'tokenId' | 'scopes'>): string {
  if (cred.tokenId === null) return '';
  const has = (s: ReaderCredential['scopes'][number]) => cred.scopes.includes(s);
  if (!has('api')) {
    return " This assistant token is read-only and MCP-only: it cannot move the reader's position or read their other conversations; only the reader can grant more, on Folio's Connect page.";
  }
  const grants = [
    "read the story through Folio's REST API",
    has('progress:write') ? "move the reader's position there (do so only when the reader asks)" : null,
    has('conversations') ? "read and continue the reader's conversations with the companion there" : null,
  ].filter((g) => g !== null);
  const denied = [has('progress:write') ? null : "move the reader's position", has('conversations') ? null : "read the reader's other conversations"].filter(
    (g) => g !== null,
  );
  return ` The reader has allowed this assistant token to ${grants.join(', and to ')}.${denied.length > 0 ? ` It cannot ${denied.join(' or ')}.` : ''}`;
}

/** The scope each tool needs: all are reads today; a tool that changes state must name its write scope here. */
const TOOL_ACTIONS = {
  list_series: 'mcp',
  where_am_i: 'mcp',
  ask: 'mcp',
  search: 'mcp',
  who_is: 'mcp',
  recap: 'mcp',
} as const satisfies Record<string, TokenAction>;

async function run(log: Logger, cred: ReaderCredential, tool: keyof typeof TOOL_ACTIONS, fn: () => Promise<ToolOutput>): Promise<CallToolResult> {
  try {
    requireScope(cred, TOOL_ACTIONS[tool]);
    const out = await fn();
    return { content: [{ type: 'text', text: out.text }], structuredContent: out.structured };
  } catch (err) {
    const fe = asFolioError(err);
    if (fe.status >= 500 && !isFolioError(err)) log.error({ err }, 'MCP tool failed');
    const retry = fe.details?.retryAfter ? ` Try again in ${String(fe.details.retryAfter)} s.` : '';
    return { isError: true, content: [{ type: 'text', text: `${fe.code}: ${fe.message}${retry}` }] };
  }
}

export function createMcpServer(deps: ToolDeps, cred: ReaderCredential, log: Logger): McpServer {
  const server = new McpServer(SERVER_INFO, {
    instructions: `Folio is a spoiler-safe reading companion for serialized comics. ${POSITION_NOTE}${tokenNote(cred)} Start with list_series to find a series_id; where_am_i tells where the reader is. Cite the links Folio returns; they open the page in the reader.`,
  });
  const { readerId } = cred;
  const readOnly = { readOnlyHint: true, openWorldHint: false } as const;

  server.registerTool(
    'list_series',
    {
      title: 'List series',
      description: 'The comics on this Folio, with the reader\'s place in each (or "not started") and a link to continue reading.',
      annotations: readOnly,
    },
    () => run(log, cred, 'list_series', () => listSeriesTool(deps, readerId)),
  );
  server.registerTool(
    'where_am_i',
    {
      title: 'Where am I?',
      description: "The reader's current position in a series (episode and page), the episode's title, and a link to that page.",
      inputSchema: { series_id: seriesId },
      annotations: readOnly,
    },
    ({ series_id }) => run(log, cred, 'where_am_i', () => whereAmITool(deps, readerId, series_id)),
  );
  server.registerTool(
    'ask',
    {
      title: 'Ask the companion',
      description: `Ask Folio's reading companion a question about a series ("who is that?", "why is she angry?", "what happened before?"). The answer is grounded in the pages the reader has reached and cites them with links. ${POSITION_NOTE} If the answer says something comes later, relay that; do not guess.`,
      inputSchema: { series_id: seriesId, question: z.string().min(1).max(1000).describe("The reader's question, in their words.") },
      annotations: { readOnlyHint: false, openWorldHint: false },
    },
    ({ series_id, question }, extra) => run(log, cred, 'ask', () => askTool(deps, readerId, series_id, question, extra)),
  );
  server.registerTool(
    'search',
    {
      title: 'Search what was read',
      description: 'Full-text search over the pages and wiki text the reader has reached, with snippets and links. Use it to find where something was said.',
      inputSchema: { series_id: seriesId, query: z.string().min(1).max(200).describe('Words to look for (quotes for a phrase, - to exclude).') },
      annotations: readOnly,
    },
    ({ series_id, query }) => run(log, cred, 'search', () => searchTool(deps, readerId, series_id, query)),
  );
  server.registerTool(
    'who_is',
    {
      title: 'Who is…?',
      description: `A character, creature, place or group by name, with the description the reader has unlocked so far and known relationships. A name the reader has not met yet gets "not yet in your reading" (the same answer as an unknown name). ${POSITION_NOTE}`,
      inputSchema: { series_id: seriesId, name: z.string().min(1).max(200).describe('A name or alias, e.g. "Carrot".') },
      annotations: readOnly,
    },
    ({ series_id, name }) => run(log, cred, 'who_is', () => whoIsTool(deps, readerId, series_id, name)),
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
    ({ series_id, scope }, extra) => run(log, cred, 'recap', () => recapTool(deps, readerId, series_id, scope, extra)),
  );
  return server;
}
