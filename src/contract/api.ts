/**
 * The JSON the reader API sends (README "The HTTP API", docs/web.md, docs/world.md). The server's
 * handlers and the web app both use these types, so a change on either side that the other does
 * not follow is a type error. Type-only, apart from one guard function.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { FolioUIMessage } from './chat.js';

export interface Position {
  episode: number;
  page: number;
}

// ── catalog ────────────────────────────────────────────────────────────────

export interface ImageRef {
  url: string;
  width: number;
  height: number;
  blurhash?: string;
  color?: string;
}

/** What the API sends instead of an image the reader has not reached. */
export interface Placeholder {
  placeholder: true;
  width: number;
  height: number;
  blurhash: string | null;
  color: string | null;
}

export type Cover = ImageRef | Placeholder;
export const isPlaceholder = (c: Cover | null): c is Placeholder => c !== null && 'placeholder' in c;

export type Direction = 'ltr' | 'rtl';
export type Layout = 'paged' | 'vertical';
export type PageKind = 'title' | 'story' | 'credits' | 'blank';

export interface SeriesInfo {
  id: string;
  title: string;
  description: string | null;
  language: string;
  readingDirection: Direction;
  layout: Layout;
  license: string | null;
  licenseUrl: string | null;
  attribution: string;
  author: string | null;
  homepage: string | null;
}

export interface SeriesSummary extends SeriesInfo {
  episodeCount: number;
  cover: ImageRef | null;
  progress: Position | null;
}

/** `GET /api/series`. */
export interface Library {
  series: SeriesSummary[];
}

export type EpisodeState = 'read' | 'current' | 'next' | 'unread';

export interface Episode {
  number: number;
  title: string | null;
  displayTitle: string;
  state: EpisodeState;
  pageCount: number;
  cover: Cover | null;
  summary: string | null;
  /** The summary was drafted from the episode's text at import, not written by its author. */
  summaryDrafted: boolean;
  attribution: string | null;
  license: string | null;
}

/** `GET /api/series/:id`. */
export interface SeriesDetail {
  series: SeriesInfo & { showUnreadCovers: boolean; episodeCount: number };
  progress: Position | null;
  nextUnreadEpisode: number | null;
  episodes: Episode[];
}

/** A panel of a page: a rectangle in fractions of the page (0..1), origin top left. */
export interface Panel {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A page's display image; `full`, when the page is wider than it, is the page at full size for zooming past it. */
export interface PageImage extends ImageRef {
  full?: ImageRef;
}

export interface Page {
  number: number;
  kind: PageKind;
  reached: boolean;
  image: PageImage | null;
  thumbnail: Cover | null;
  /** The page's accessible text: its description, else its text once reached, else only its number. */
  alt: string;
  dialogue: string | null;
  /** Where a reached page's text comes from (`ocr`/`model`: transcribed at import); null until reached. */
  textSource: 'authored' | 'ocr' | 'model' | null;
  description: string | null;
  /**
   * The page's panels in reading order, for guided view, sent with the page's image; null = show the page whole
   * (no image sent, the pack says so, or detection at import was unsure).
   */
  panels: Panel[] | null;
}

/** `GET /api/series/:id/episodes/:n`. */
export interface EpisodeDetail {
  series: Pick<SeriesInfo, 'id' | 'title' | 'readingDirection' | 'layout' | 'attribution' | 'license' | 'licenseUrl'>;
  episode: Episode;
  progress: Position | null;
  pages: Page[];
}

// ── progress ───────────────────────────────────────────────────────────────

/** `GET /api/series/:id/progress` and `POST …/progress/reset`: the stored position, or nulls before the first page. */
export type StoredProgress = Position | { episode: null; page: null };

/** `POST /api/series/:id/progress`. */
export interface ProgressResult extends Position {
  advanced: boolean;
}

// ── world, wiki, search ────────────────────────────────────────────────────

export interface Avatar {
  url: string;
  thumbUrl: string;
  width: number;
  height: number;
  blurhash: string;
  color: string;
}

export interface WorldNode {
  slug: string;
  name: string;
  aliases: string[];
  kind: string;
  debut: Position;
  /** Withheld sentences are "…". */
  description: string | null;
  descriptionDebut: Position | null;
  avatar: Avatar | null;
  layout: { x: number; y: number } | null;
  /** Named on the focus pages (the reader's current page and the one before it). */
  onPage: boolean;
  /** Slug of the unlocked wiki article about it. */
  wiki: string | null;
  /** Drafted from the story's text at import, not authored. */
  drafted: boolean;
}

export interface WorldEdge {
  id: string;
  source: string;
  target: string;
  kind: string;
  summary: string | null;
  debut: Position;
  drafted: boolean;
}

/** `GET /api/series/:id/world`. */
export interface WorldGraph {
  seriesId: string;
  position: Position | null;
  focus: { pages: Position[] };
  nodes: WorldNode[];
  edges: WorldEdge[];
}

/** `GET /api/series/:id/world/:slug`. */
export interface WorldNodeDetail {
  seriesId: string;
  position: Position | null;
  node: WorldNode;
  edges: Array<WorldEdge & { direction: 'out' | 'in'; other: { slug: string; name: string } }>;
}

export interface WikiArticleSummary {
  slug: string;
  title: string;
  category: string | null;
  debut: Position;
}

/** `GET /api/series/:id/wiki`: only unlocked articles. */
export interface WikiIndex {
  seriesId: string;
  articles: WikiArticleSummary[];
}

export interface WikiSection {
  /** null for the text before the first heading, or when the whole section is withheld. */
  heading: string | null;
  anchor: string | null;
  /** Markdown; withheld sentences are "…". */
  body: string;
  debut: Position;
  withheld: number;
}

/** `GET /api/series/:id/wiki/:slug`: only unlocked sections. */
export interface WikiArticle extends WikiArticleSummary {
  seriesId: string;
  /** The world node with the same slug, once it has debuted. */
  entity: string | null;
  sections: WikiSection[];
}

export interface SearchResult {
  kind: 'page' | 'wiki';
  source: 'dialogue' | 'description' | 'wiki';
  episode: number;
  page: number;
  title: string;
  slug?: string;
  section?: string | null;
  anchor?: string | null;
  /** A web route: /read/:seriesId/:episode/:page or /series/:seriesId/wiki/:slug. */
  link: string;
  /** Plain text. */
  snippet: string;
  /** [start, end) UTF-16 offsets of matched words in `snippet`. */
  highlights: Array<[number, number]>;
}

/** `GET /api/series/:id/search?q=`: only text the reader has reached. */
export interface SearchResponse {
  seriesId: string;
  query: string;
  offset: number;
  limit: number;
  /** null when there is nothing more. */
  nextOffset: number | null;
  results: SearchResult[];
}

// ── readers and assistant tokens ───────────────────────────────────────────

/** `POST /api/readers` (the web app gets the same token as an HttpOnly cookie). */
export interface NewReader {
  token: string;
}

// ── devices (ADR 0041, docs/accounts.md) ─────────────────────────────────────

/** One device that holds the reader's own token. */
export interface ReaderDevice {
  id: string;
  /** Its browser and system (`Firefox on Android`), from when it became the reader. */
  label: string;
  createdAt: string;
  /** To the hour. */
  lastSeenAt: string;
  /** The device that asked. */
  current: boolean;
}

/** `GET /api/readers/me/devices`. */
export interface DeviceList {
  devices: ReaderDevice[];
  /** The reader is an account (it has a passkey or a provider's login): its last device may sign out, either opens it again. */
  account: boolean;
}

/** `POST /api/readers/me/link-codes`: a one-time code for another device, valid until `expiresAt`. */
export interface LinkCode {
  /** `K7QF-3M2X`: case, spaces and dashes do not matter when it is entered. */
  code: string;
  expiresAt: string;
  /** Seconds it is valid for, from now. */
  ttlSeconds: number;
}

/** `POST /api/readers/link` body. */
export interface LinkRequest {
  code: string;
}

/** `POST /api/readers/link`: this device is now the code's reader (the web app gets the token as its cookie). */
export interface LinkedDevice {
  token: string;
  /**
   * What came over from the reader this device was before (null: it was none): the series it had a place in (each
   * now at the further of the two places), its conversations, its other devices and its assistant tokens.
   */
  merged: { positions: number; conversations: number; devices: number; assistantTokens: number; passkeys: number; identities: number } | null;
}

/** `DELETE /api/readers/me/devices` (every device but this one, or `?including=this` every one). */
export interface SignedOut {
  signedOut: number;
}

// ── accounts: passkeys (ADR 0042, docs/accounts.md) ────────────────────────────

/** `GET /api/readers/sign-in-methods`: what this Folio offers (all false with FOLIO_ACCOUNTS=off). */
export interface SignInMethods {
  passkeys: boolean;
  /** The community's OpenID Connect login (FOLIO_OIDC_ISSUER; ADR 0043), or null: none configured, or accounts off. */
  oidc: { issuer: string; name: string } | null;
}

/** One of the reader's passkeys (the key itself stays in the reader's authenticator). */
export interface Passkey {
  id: string;
  /** The browser and system it was added on. */
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** `GET /api/readers/me/passkeys`. */
export interface PasskeyList {
  passkeys: Passkey[];
}

/** One of the reader's logins at the community's OpenID Connect provider (ADR 0043). */
export interface Identity {
  id: string;
  /** The provider (its issuer URL). */
  issuer: string;
  /** The email, user name or name the provider gave at the last sign-in. */
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** `GET /api/readers/me/identities`. */
export interface IdentityList {
  identities: Identity[];
}

/** `POST /api/readers/me/passkeys/options` `{ name? }`: hand `options` to the browser, send its answer back with the id. */
export interface PasskeyAddOptions {
  challengeId: string;
  options: PublicKeyCredentialCreationOptionsJSON;
}

/** `POST /api/readers/passkeys/sign-in-options`. */
export interface PasskeySignInOptions {
  challengeId: string;
  options: PublicKeyCredentialRequestOptionsJSON;
}

/**
 * What an assistant token may do (ADR 0028, docs/mcp.md). `mcp:read` is every token's and cannot be taken away:
 * the MCP read tools, asking included. The others are grants the reader adds on the Connect page; `progress:write`
 * and `conversations` act through the REST API, so they come with `api`. The reader's own token has them all.
 */
export const TOKEN_SCOPES = ['mcp:read', 'api', 'progress:write', 'conversations'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
/** A new token's scopes when the request names none, and an existing token's after migration 0011: read-only MCP. */
export const DEFAULT_TOKEN_SCOPES: readonly TokenScope[] = ['mcp:read'];
/** Grants that only make sense together with `api` (they are REST routes). */
export const SCOPES_NEEDING_API: readonly TokenScope[] = ['progress:write', 'conversations'];

export interface AssistantToken {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Always includes `mcp:read`; in TOKEN_SCOPES order. */
  scopes: TokenScope[];
  /** Made by an assistant that connected by URL (OAuth, ADR 0044): renewed by it, read-only, revocable here. */
  connector: boolean;
}

/** `GET /api/readers/me/tokens`. */
export interface TokenList {
  tokens: AssistantToken[];
  limit: number;
}

/** `POST /api/readers/me/tokens` body. `scopes` omitted = read-only MCP; `mcp:read` is added if missing. */
export interface CreateTokenRequest {
  label: string;
  scopes?: TokenScope[];
}

/** `POST /api/readers/me/tokens`: the only time the token itself is sent. */
export interface CreatedToken {
  id: string;
  label: string;
  token: string;
  createdAt: string;
  scopes: TokenScope[];
}

/** `PATCH /api/readers/me/tokens/:id` body: the token's scopes, replaced as a whole (answer: the AssistantToken). */
export interface UpdateTokenRequest {
  scopes: TokenScope[];
}

// ── assistants that connect by URL (OAuth, ADR 0044, docs/mcp.md) ───────────

/** `GET /api/oauth/requests/:id`: what the consent page shows. */
export interface AuthorizationRequest {
  id: string;
  /** The name the assistant registered with (its word, not verified). */
  clientName: string;
  /** Where the reader's browser goes back to: its host is what the page names as verified. */
  redirectHost: string;
  expiresAt: string;
}

/** `POST /api/oauth/requests/:id/approve` and `…/deny`: where to send the browser (the assistant's redirect URI). */
export interface AuthorizationAnswer {
  redirectTo: string;
}

// ── the companion ──────────────────────────────────────────────────────────

/** `POST /api/series/:id/chat/warmup` (202). */
export interface WarmupResult {
  status: 'warming' | 'recent' | 'quote' | 'unavailable';
  model: string | null;
}

export interface ConversationSummary {
  id: string;
  title: string;
  messages: number;
  createdAt: string;
  updatedAt: string;
}

/** `GET /api/series/:id/conversations`. */
export interface ConversationList {
  conversations: ConversationSummary[];
}

/** `GET /api/conversations/:id`: the messages at or before the reader's position. */
export interface ConversationDetail {
  id: string;
  seriesId: string;
  messages: FolioUIMessage[];
}
