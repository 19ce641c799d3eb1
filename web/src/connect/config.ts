/**
 * What "Connect an assistant" hands out: the server's MCP URL and ready-to-
 * paste client configuration (docs/mcp.md). Pure functions, so the snippets
 * are unit-tested; the token only ever lives in React state and these strings.
 */

/** The MCP endpoint: on the API's origin in a CDN build (VITE_API_BASE_URL), else this page's origin. */
export function mcpUrl(apiBase: string, pageOrigin: string): string {
  return `${apiBase || pageOrigin}/mcp`;
}

/**
 * Claude Desktop speaks to remote servers through `mcp-remote`. The token goes
 * in `env` and reaches the header through `${FOLIO_TOKEN}` (no space after the
 * colon: some launchers split arguments on spaces). mcp-remote refuses plain
 * http unless told otherwise, so an http URL gets `--allow-http`.
 */
export function claudeDesktopConfig(url: string, token: string): string {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${FOLIO_TOKEN}, which mcp-remote expands itself from its env
  const args = ['-y', 'mcp-remote', url, '--header', 'Authorization:Bearer ${FOLIO_TOKEN}'];
  if (url.startsWith('http:')) args.push('--allow-http');
  const config = { mcpServers: { folio: { command: 'npx', args, env: { FOLIO_TOKEN: token } } } };
  return JSON.stringify(config, null, 2);
}

/** Clients that speak Streamable HTTP themselves take a URL and a header (this shape is Claude Code's `.mcp.json`). */
export function streamableHttpConfig(url: string, token: string): string {
  const config = { mcpServers: { folio: { type: 'http', url, headers: { Authorization: `Bearer ${token}` } } } };
  return JSON.stringify(config, null, 2);
}

export const authorizationHeader = (token: string): string => `Authorization: Bearer ${token}`;

/** The API's label rules (src/readers/assistant-tokens.ts), checked before sending so the form can say why. */
export const MAX_LABEL_LENGTH = 60;
export function labelProblem(raw: string): string | null {
  const label = raw.trim();
  if (label === '') return 'Give the token a name, such as "Claude on my laptop".';
  if (label.length > MAX_LABEL_LENGTH) return `Keep the name to ${MAX_LABEL_LENGTH} characters.`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: this regex exists to reject control characters in a token's name
  if (/[\u0000-\u001f\u007f-\u009f]/.test(label)) return 'The name cannot contain line breaks or control characters.';
  return null;
}

/**
 * Where a phone lands from the "Link a device" QR code: the web app's /link with the code in the fragment, which
 * a browser never sends to a server, so the code is in no server or proxy log.
 */
export const linkUrl = (pageOrigin: string, code: string): string => `${pageOrigin}/link#${encodeURIComponent(code)}`;

/** The code in a /link URL's fragment, or '' (the server decides whether it is a code). */
export function codeFromHash(hash: string): string {
  let raw = hash.replace(/^#/, '');
  try {
    raw = decodeURIComponent(raw);
  } catch {
    return '';
  }
  return raw.length <= 16 ? raw.trim() : '';
}
