/**
 * fast-check generators of HTTP requests for every route group: path
 * parameters (valid, near-valid and hostile), query strings, methods, auth
 * headers, content types and bodies (structured near-valid, random JSON,
 * broken JSON, invalid UTF-8, oversized). Cheap to generate: strings are short
 * and most bodies are small; the big ones are shared constants.
 */
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { ADMIN_TOKEN, ALLOWED_ORIGIN, type FuzzServer, MAX_UPLOAD_BYTES, SERIES, type Sent } from './harness.js';

const EPISODES = ['1', '2', '3'];
const SLUGS = ['ada', 'flit', 'wickmere', 'great-lantern', 'tobin', 'undercroft', 'dimmers', 'ember-moths', 'lamplighting'];

/** Path segments that have broken servers before: traversal, encodings, numbers at the edges. */
const NASTY = [
  '..',
  '.',
  '%2e%2e',
  '..%2f..%2fetc%2fpasswd',
  '%00',
  'a%00b',
  '%ZZ',
  '%',
  '%E2%80%8B',
  '%F0%9F%90%88',
  '%C3%28',
  '%FF%FE',
  'NaN',
  'Infinity',
  '-1',
  '-0',
  '0',
  '00000001',
  '1e3',
  '0x10',
  '1.5',
  '99999999',
  '9007199254740993',
  '2147483648',
  'a'.repeat(64),
  'a'.repeat(3000),
  'null',
  'undefined',
  'true',
  '__proto__',
  'constructor',
  "x'%20OR%201=1--",
  '%22%3E%3Cscript%3E',
  'MOTH-AND-LANTERN',
  'moth_and_lantern',
  '-moth',
  'moth-and-lantern%20',
  '~',
  '%2F',
  '%5C',
];

/** Encode what node:http would refuse to send raw; keep what it allows (so `%ZZ` stays broken). */
export function encodeSeg(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return 'bad%ZZ';
  }
}

const junkString = fc.string({ maxLength: 24, unit: 'grapheme' });
const asciiString = fc.string({ maxLength: 40 });

/** A path segment: usually a valid value, often a hostile one. */
export function segment(valid: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 9, arbitrary: fc.constantFrom(...valid) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 2, arbitrary: junkString.map(encodeSeg) },
    { weight: 1, arbitrary: fc.integer({ min: -1_000_000, max: 100_000_000 }).map(String) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...valid), asciiString).map(([v, s]) => encodeSeg(v + s)) },
  );
}

export const seriesSeg = segment([SERIES, SERIES, SERIES, SERIES, 'pepper-carrot', 'no-such-series']);
export const episodeSeg = segment(EPISODES);
export const slugSeg = segment(SLUGS);
export const intish = fc.oneof(
  fc.integer({ min: -5, max: 40 }),
  fc.integer(),
  fc.constantFrom(0, 1, 2, 3, 1_000_000, 1_000_001, 100_000, 100_001, -1, Number.MAX_SAFE_INTEGER),
  fc.double(),
  fc.constantFrom('1', '', null, true, [], {}, '2'),
);

/** Random JSON of any shape, small. */
export const anyJson = fc.jsonValue({ maxDepth: 3 });

export type Auth = 'none' | 'reader' | 'other' | 'garbage' | 'bearer-empty' | 'basic' | 'cookie' | 'cookie-garbage' | 'admin' | 'admin-wrong' | 'two-schemes';
export const authArb: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Auth>('reader') },
  { weight: 2, arbitrary: fc.constantFrom<Auth>('cookie', 'other') },
  { weight: 1, arbitrary: fc.constantFrom<Auth>('none', 'garbage', 'bearer-empty', 'basic', 'cookie-garbage', 'admin', 'admin-wrong', 'two-schemes') },
);

export function authHeaders(auth: Auth, s: FuzzServer): Record<string, string> {
  switch (auth) {
    case 'none':
      return {};
    case 'reader':
      return { authorization: `Bearer ${s.token}` };
    case 'other':
      return { authorization: `Bearer ${s.otherToken}` };
    case 'garbage':
      return { authorization: 'Bearer 0123456789abcdef-not-a-token' };
    case 'bearer-empty':
      return { authorization: 'Bearer ' };
    case 'basic':
      return { authorization: 'Basic dXNlcjpwYXNz' };
    case 'cookie':
      return { cookie: `folio_reader=${s.token}` };
    case 'cookie-garbage':
      return { cookie: 'folio_reader="a,b;c"; other=1' };
    case 'admin':
      return { authorization: `Bearer ${ADMIN_TOKEN}` };
    case 'admin-wrong':
      return { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}x` };
    case 'two-schemes':
      return { authorization: `Bearer ${s.token} Bearer ${s.otherToken}` };
  }
}

export type ContentType = 'json' | 'json-charset' | 'json-suffix' | 'none' | 'text' | 'form' | 'multipart' | 'zip' | 'cbz' | 'garbage';
export const contentTypeArb: fc.Arbitrary<ContentType> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<ContentType>('json') },
  { weight: 1, arbitrary: fc.constantFrom<ContentType>('json-charset', 'json-suffix', 'none', 'text', 'form', 'multipart', 'zip', 'cbz', 'garbage') },
);
const CONTENT_TYPES: Record<ContentType, string | undefined> = {
  json: 'application/json',
  'json-charset': 'application/json; charset=utf-8',
  'json-suffix': 'application/vnd.folio+json',
  none: undefined,
  text: 'text/plain',
  form: 'application/x-www-form-urlencoded',
  multipart: 'multipart/form-data; boundary=x',
  zip: 'application/zip',
  cbz: 'application/vnd.comicbook+zip',
  garbage: 'x/\u00e9;;;',
};
export function contentTypeHeader(ct: ContentType): Record<string, string> {
  const v = CONTENT_TYPES[ct];
  // node:http refuses non-latin1 header values; the garbage one is latin1.
  return v === undefined ? {} : { 'content-type': v };
}

/** Bodies: the structured near-valid one for the route, or something else entirely. */
export function bodyArb(structured: fc.Arbitrary<unknown>): fc.Arbitrary<string | Uint8Array | undefined> {
  return fc.oneof(
    { weight: 8, arbitrary: structured.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', '{', '{"episode":', 'null', '[]', '"x"', '{"a":1}}', '\u0000', 'NaN', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
    },
    { weight: 1, arbitrary: structured.map((v) => JSON.stringify(v)).chain((s) => fc.nat({ max: Math.max(0, s.length - 1) }).map((n) => s.slice(0, n))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])) },
  );
}

export const BIG_BODY = JSON.stringify({ episode: 1, page: 1, pad: 'x'.repeat(70 * 1024) });

const progressBody = fc.record(
  { episode: intish, page: intish, confirmSkip: fc.oneof(fc.boolean(), fc.constantFrom('true', 1, null)), extra: anyJson },
  { requiredKeys: [] },
);

const textPart = fc.record(
  {
    type: fc.constantFrom('text', 'text', 'reasoning', 'file', 'x'.repeat(120)),
    text: fc.oneof(asciiString, junkString, fc.constant(''), fc.constant('q'.repeat(1200))),
  },
  { requiredKeys: ['type'] },
);
const uiMessage = fc.record(
  {
    id: fc.oneof(asciiString, fc.constant('u1')),
    role: fc.constantFrom('user', 'user', 'assistant', 'system', 'tool', 'USER'),
    parts: fc.array(textPart, { maxLength: 3 }),
    content: asciiString,
  },
  { requiredKeys: ['role'] },
);
const chatBody = fc.record(
  {
    id: fc.oneof(fc.constant('fuzz-conversation'), fc.constantFrom('a', 'x'.repeat(129), 'bad id', '../x', 'c:1~2.3_4-5'), asciiString),
    messages: fc.oneof(fc.array(uiMessage, { minLength: 0, maxLength: 3 }), anyJson),
    trigger: fc.constantFrom('submit-message', 'regenerate-message', 'other', ''),
    messageId: asciiString,
    viewing: fc.oneof(fc.array(fc.record({ episode: intish, page: intish }), { maxLength: 3 }), anyJson),
    episode: intish,
    position: fc.record({ episode: intish, page: intish }),
  },
  { requiredKeys: [] },
);
const recapBody = fc.record({ scope: fc.oneof(fc.constantFrom('series', 'episode', 'all', ''), anyJson), episode: intish }, { requiredKeys: [] });
const scopesValue = fc.oneof(
  fc.subarray(['mcp:read', 'api', 'progress:write', 'conversations', 'admin', 'API']),
  fc.array(fc.oneof(asciiString, junkString), { maxLength: 12 }),
  anyJson,
);
const tokenBody = fc.record(
  { label: fc.oneof(asciiString, junkString, fc.constant('x'.repeat(61)), anyJson), scopes: scopesValue, extra: anyJson },
  { requiredKeys: [] },
);
const tokenScopesBody = fc.record({ scopes: scopesValue, extra: anyJson }, { requiredKeys: [] });

const query = (pairs: fc.Arbitrary<Array<[string, string]>>) =>
  pairs.map((ps) => (ps.length === 0 ? '' : `?${ps.map(([k, v]) => `${encodeSeg(k)}=${encodeSeg(v)}`).join('&')}`));
const qValue = fc.oneof(
  fc.constantFrom('true', 'false', '1', '0', '', 'lantern', 'Ada', '"ada"', '-ada', 'a OR b', '10', '-1', '99999', 'x'.repeat(600)),
  junkString,
  asciiString,
);
const queryArb = (keys: string[]) => query(fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys), asciiString), qValue), { maxLength: 4 }));

export const methodArb = (usual: string): fc.Arbitrary<string> =>
  fc.oneof({ weight: 12, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') });

interface RouteSpec {
  method: string;
  path: fc.Arbitrary<string>;
  body?: fc.Arbitrary<unknown>;
}

function routeRequest(s: FuzzServer, spec: RouteSpec, extraHeaders: fc.Arbitrary<Record<string, string>> = fc.constant({})): fc.Arbitrary<Sent> {
  return fc
    .record({
      method: methodArb(spec.method),
      path: spec.path,
      auth: authArb,
      ct: contentTypeArb,
      body: spec.body ? bodyArb(spec.body) : fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: bodyArb(anyJson) }),
      big: fc.integer({ min: 0, max: 200 }),
      extra: extraHeaders,
    })
    .map(({ method, path, auth, ct, body, big, extra }) => ({
      method,
      path,
      headers: { ...authHeaders(auth, s), ...(body !== undefined || method !== 'GET' ? contentTypeHeader(ct) : {}), ...extra },
      // Bodies on GET/HEAD are legal HTTP but meaningless; one request in 200 carries a body over the 64 KB API limit.
      body: method === 'GET' || method === 'HEAD' ? undefined : big === 0 ? BIG_BODY : body,
    }));
}

const p = (...parts: Array<fc.Arbitrary<string> | string>) => fc.tuple(...parts.map((x) => (typeof x === 'string' ? fc.constant(x) : x))).map((xs) => xs.join(''));

/** The reader API: library, series, episodes, progress, readers, assistant tokens, health. */
export function readerRequests(s: FuzzServer): fc.Arbitrary<Sent> {
  const routes: RouteSpec[] = [
    { method: 'GET', path: fc.constant('/api/series') },
    { method: 'GET', path: p('/api/series/', seriesSeg) },
    { method: 'GET', path: p('/api/series/', seriesSeg, '/episodes/', episodeSeg, queryArb(['peek'])) },
    { method: 'GET', path: p('/api/series/', seriesSeg, '/progress') },
    { method: 'POST', path: p('/api/series/', seriesSeg, '/progress'), body: progressBody },
    { method: 'POST', path: p('/api/series/', seriesSeg, '/progress/reset'), body: progressBody },
    { method: 'POST', path: fc.constant('/api/readers') },
    { method: 'GET', path: fc.constant('/api/readers/me/tokens') },
    { method: 'POST', path: fc.constant('/api/readers/me/tokens'), body: tokenBody },
    { method: 'PATCH', path: p('/api/readers/me/tokens/', segment(['00000000-0000-0000-0000-000000000000', 'not-a-uuid'])), body: tokenScopesBody },
    { method: 'DELETE', path: p('/api/readers/me/tokens/', segment(['00000000-0000-0000-0000-000000000000', 'not-a-uuid'])) },
    { method: 'GET', path: fc.constantFrom('/health', '/ready') },
  ];
  return fc.oneof(...routes.map((r) => routeRequest(s, r)));
}

/** The companion: chat, warm-up, recap, conversations. */
export function companionRequests(s: FuzzServer): fc.Arbitrary<Sent> {
  const routes: RouteSpec[] = [
    { method: 'POST', path: p('/api/series/', seriesSeg, '/chat'), body: chatBody },
    { method: 'POST', path: p('/api/series/', seriesSeg, '/chat'), body: chatBody },
    { method: 'POST', path: p('/api/series/', seriesSeg, '/chat/warmup') },
    { method: 'POST', path: p('/api/series/', seriesSeg, '/recap'), body: recapBody },
    { method: 'GET', path: p('/api/series/', seriesSeg, '/conversations') },
    { method: 'GET', path: p('/api/conversations/', segment([s.conversationId, 'fuzz-other', 'x'])) },
  ];
  return fc.oneof(...routes.map((r) => routeRequest(s, r)));
}

/** World graph, wiki, search. */
export function worldRequests(s: FuzzServer): fc.Arbitrary<Sent> {
  const routes: RouteSpec[] = [
    { method: 'GET', path: p('/api/series/', seriesSeg, '/world', queryArb(['episode', 'page', 'at'])) },
    { method: 'GET', path: p('/api/series/', seriesSeg, '/world/', slugSeg) },
    { method: 'GET', path: p('/api/series/', seriesSeg, '/wiki') },
    { method: 'GET', path: p('/api/series/', seriesSeg, '/wiki/', slugSeg) },
    { method: 'GET', path: p('/api/series/', seriesSeg, '/search', queryArb(['q', 'q', 'limit', 'offset', 'episode'])) },
  ];
  return fc.oneof(...routes.map((r) => routeRequest(s, r)));
}

/** Media, the web routes and paths that are no route at all. */
export function webRequests(s: FuzzServer): fc.Arbitrary<Sent> {
  const mediaKey = s.mediaPath.replace(/^\/media\//, '');
  const routes: RouteSpec[] = [
    { method: 'GET', path: p('/media/', segment([mediaKey, mediaKey.replace(/[0-9a-f]/, 'z'), 'img/x.webp'])) },
    { method: 'GET', path: fc.constant(s.mediaPath) },
    { method: 'GET', path: fc.constantFrom('/', '/index.html', '/favicon.svg', '/assets/index-abc123.js') },
    { method: 'GET', path: p('/series/', seriesSeg, fc.constantFrom('', '/world', '/wiki')) },
    { method: 'GET', path: p('/series/', seriesSeg, '/wiki/', slugSeg) },
    { method: 'GET', path: p('/read/', seriesSeg, '/', episodeSeg, '/', segment(['1', '2', '9'])) },
    { method: 'GET', path: p('/assets/', segment(['index-abc123.js', 'missing.js', '..%2Findex.html'])) },
    { method: 'GET', path: p('/', segment(['favicon.svg', 'robots.txt', 'x.webmanifest'])) },
    {
      method: 'GET',
      path: p(
        '/',
        fc.array(segment(['api', 'series', 'admin', 'media', 'mcp', 'x']), { minLength: 1, maxLength: 5 }).map((xs) => xs.join('/')),
      ),
    },
  ];
  return fc.oneof(...routes.map((r) => routeRequest(s, r, fc.option(fc.record({ 'if-none-match': fc.constantFrom('*', '"x"', 'W/"x"', '') }), { nil: {} }))));
}

/** A broken archive: the valid pack zip truncated, with bytes flipped, or rebuilt with a file changed or removed. */
export function uploadBody(s: FuzzServer): fc.Arbitrary<Uint8Array> {
  const files = Object.keys(s.packFiles);
  const yamls = files.filter((f) => f.endsWith('.yaml') || f.endsWith('.md'));
  return fc.oneof(
    { weight: 3, arbitrary: fc.nat({ max: s.packZip.length - 1 }).map((n) => s.packZip.slice(0, n)) },
    {
      weight: 3,
      arbitrary: fc.array(fc.tuple(fc.nat({ max: s.packZip.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
        const copy = s.packZip.slice();
        for (const [i, b] of flips) copy[i] = b;
        return copy;
      }),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...yamls),
          fc.oneof(
            fc.string({ maxLength: 200 }),
            anyJson.map((v) => JSON.stringify(v)),
            fc.constantFrom('id: ../x\n', 'number: -1\n', '&a [*a]\n', 'pages: 3\n'),
          ),
        )
        .map(([file, text]) => {
          const copy = { ...s.packFiles, [file]: new TextEncoder().encode(text) };
          return zipSync(copy, { level: 0 });
        }),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...files).map((file) => {
        const copy = { ...s.packFiles };
        delete copy[file];
        return zipSync(copy, { level: 0 });
      }),
    },
    { weight: 1, arbitrary: fc.constantFrom(...files).map((file) => zipSync({ ...s.packFiles, [`../${file}`]: new Uint8Array([1]) }, { level: 0 })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => new Uint8Array([0x50, 0x4b, ...b])) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(MAX_UPLOAD_BYTES + 1).fill(0x50)) },
  );
}

/** The operator API and /metrics, with and without the token. */
export function operatorRequests(s: FuzzServer): fc.Arbitrary<Sent> {
  const adminAuth = fc.oneof(
    { weight: 3, arbitrary: fc.constant<Auth>('admin') },
    { weight: 2, arbitrary: fc.constantFrom<Auth>('none', 'admin-wrong', 'reader', 'garbage', 'basic', 'bearer-empty') },
  );
  const jobId = segment(['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '0']);
  const build = (method: string, path: fc.Arbitrary<string>, body: fc.Arbitrary<string | Uint8Array | undefined>, ct: fc.Arbitrary<ContentType>) =>
    fc.record({ method: methodArb(method), path, auth: adminAuth, body, ct }).map(({ method, path, auth, body, ct }): Sent => {
      let finalPath = path;
      // Never delete the one series the other requests read (a valid DELETE is accepted and would empty the fixture).
      if (method === 'DELETE' && auth === 'admin' && finalPath.startsWith(`/api/admin/series/${SERIES}`)) finalPath = '/api/admin/series/no-such-series';
      return { method, path: finalPath, headers: { ...authHeaders(auth, s), ...contentTypeHeader(ct) }, body: method === 'GET' || method === 'HEAD' ? undefined : body };
    });
  return fc.oneof(
    {
      weight: 4,
      arbitrary: build(
        'POST',
        p('/api/admin/imports', queryArb(['filename'])),
        uploadBody(s),
        fc.constantFrom<ContentType>('zip', 'zip', 'cbz', 'json', 'none', 'garbage'),
      ),
    },
    {
      weight: 1,
      arbitrary: build(
        'POST',
        p('/api/admin/imports', fc.constantFrom('', '?filename=moth.zip', '?filename=moth.cbz')),
        fc.constant(s.packZip),
        fc.constantFrom<ContentType>('zip', 'cbz'),
      ),
    },
    {
      weight: 1,
      arbitrary: build(
        'POST',
        fc.constant('/api/admin/embeddings'),
        bodyArb(fc.record({ replace: fc.oneof(fc.boolean(), anyJson) }, { requiredKeys: [] })),
        contentTypeArb,
      ),
    },
    { weight: 2, arbitrary: build('GET', p('/api/admin/jobs', queryArb(['state', 'limit'])), fc.constant(undefined), contentTypeArb) },
    { weight: 2, arbitrary: build('GET', p('/api/admin/jobs/', jobId), fc.constant(undefined), contentTypeArb) },
    { weight: 2, arbitrary: build('DELETE', p('/api/admin/jobs/', jobId), fc.constant(undefined), contentTypeArb) },
    {
      weight: 2,
      arbitrary: build(
        'PATCH',
        p('/api/admin/series/', seriesSeg),
        bodyArb(fc.record({ showUnreadCovers: fc.oneof(fc.boolean(), anyJson), title: asciiString }, { requiredKeys: [] })),
        contentTypeArb,
      ),
    },
    { weight: 2, arbitrary: build('DELETE', p('/api/admin/series/', seriesSeg), fc.constant(undefined), contentTypeArb) },
    { weight: 1, arbitrary: build('GET', fc.constant('/metrics'), fc.constant(undefined), contentTypeArb) },
  );
}

const TOOLS = ['list_series', 'where_am_i', 'ask', 'search', 'who_is', 'recap'];
const mcpArgs = fc.record(
  {
    series_id: fc.oneof(fc.constantFrom(SERIES, 'pepper-carrot', '', 'MOTH'), asciiString, anyJson),
    question: fc.oneof(fc.constantFrom('Who is Ada?', 'What happens in episode 3?', ''), asciiString, junkString),
    query: fc.oneof(fc.constantFrom('lantern', ''), asciiString),
    name: fc.oneof(fc.constantFrom('Ada', 'Flit', 'Wickmere', ''), asciiString),
    scope: fc.oneof(fc.constantFrom('series', 'episode', 'all'), anyJson),
    episode: intish,
    reader_id: asciiString,
  },
  { requiredKeys: [] },
);
const rpcId = fc.oneof(fc.integer(), asciiString, fc.constant(null), fc.constant({}), fc.constant(undefined));
const rpcMessage = fc
  .record(
    {
      jsonrpc: fc.oneof({ weight: 8, arbitrary: fc.constant('2.0') }, { weight: 1, arbitrary: fc.constantFrom('1.0', '', 2) }),
      id: rpcId,
      method: fc.oneof(
        { weight: 6, arbitrary: fc.constant('tools/call') },
        {
          weight: 4,
          arbitrary: fc.constantFrom(
            'initialize',
            'tools/list',
            'ping',
            'notifications/initialized',
            'resources/list',
            'prompts/list',
            'logging/setLevel',
            'completion/complete',
          ),
        },
        { weight: 1, arbitrary: asciiString },
      ),
      params: fc.oneof(
        {
          weight: 6,
          arbitrary: fc.record(
            { name: fc.oneof(fc.constantFrom(...TOOLS), asciiString), arguments: fc.oneof({ weight: 5, arbitrary: mcpArgs }, { weight: 1, arbitrary: anyJson }) },
            { requiredKeys: [] },
          ),
        },
        {
          weight: 2,
          arbitrary: fc.record(
            {
              protocolVersion: fc.constantFrom('2025-06-18', '2025-03-26', '1999-01-01', ''),
              capabilities: anyJson,
              clientInfo: fc.record({ name: asciiString, version: asciiString }),
            },
            { requiredKeys: [] },
          ),
        },
        { weight: 1, arbitrary: anyJson },
      ),
    },
    { requiredKeys: ['method'] },
  )
  .map((m) => JSON.parse(JSON.stringify(m)) as unknown);

/** `/mcp` with random JSON-RPC (single and batched), headers and methods. */
export function mcpRequests(s: FuzzServer): fc.Arbitrary<Sent> {
  return fc
    .record({
      method: fc.oneof({ weight: 12, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'DELETE', 'PUT', 'OPTIONS') }),
      auth: fc.oneof(
        { weight: 8, arbitrary: fc.constant<Auth>('reader') },
        { weight: 1, arbitrary: fc.constantFrom<Auth>('other', 'none', 'garbage', 'bearer-empty', 'cookie', 'admin') },
      ),
      accept: fc.oneof(
        { weight: 8, arbitrary: fc.constant('application/json, text/event-stream') },
        { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/event-stream', '*/*', '') },
      ),
      origin: fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom(ALLOWED_ORIGIN, 'https://evil.example', 'null', s.url) },
      ),
      version: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('2025-06-18', '2025-03-26', '1999-01-01', 'x') }),
      ct: fc.oneof({ weight: 3, arbitrary: fc.constant<ContentType>('json') }, { weight: 1, arbitrary: contentTypeArb }),
      body: fc.oneof(
        { weight: 8, arbitrary: rpcMessage.map((m) => JSON.stringify(m)) },
        { weight: 1, arbitrary: fc.array(rpcMessage, { minLength: 0, maxLength: 3 }).map((m) => JSON.stringify(m)) },
        { weight: 1, arbitrary: bodyArb(anyJson) },
      ),
    })
    .map(({ method, auth, accept, origin, version, ct, body }) => ({
      method,
      path: '/mcp',
      headers: {
        ...authHeaders(auth, s),
        ...contentTypeHeader(ct),
        ...(accept ? { accept } : {}),
        ...(origin ? { origin } : {}),
        ...(version ? { 'mcp-protocol-version': version } : {}),
      },
      body: method === 'GET' ? undefined : body,
    }));
}

/** Was this /mcp answer a rejection (every message in it a JSON-RPC error or a tool error)? */
export function mcpRejected(body: Buffer): boolean {
  const text = body.toString('utf8');
  if (text.length === 0) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  const msgs = Array.isArray(parsed) ? parsed : [parsed];
  return (
    msgs.length > 0 &&
    msgs.every((m) => {
      const r = m as { error?: unknown; result?: { isError?: boolean } };
      return r.error !== undefined || r.result?.isError === true;
    })
  );
}
