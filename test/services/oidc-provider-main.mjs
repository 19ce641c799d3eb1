/**
 * A real OpenID Provider (the `oidc-provider` package) on loopback, for tests: run by test/services/oidc-provider.ts.
 * One confidential client (`OIDC_CLIENT_ID`/`OIDC_CLIENT_SECRET`, secret sent in the POST body as openid-client does by
 * default) with the redirect URIs given. Anyone can log in as anyone: `GET /interaction/:uid?login=alice` finishes
 * the login as subject `alice`; consent is granted at once for the scopes asked. Prints `ready` when listening.
 *
 * The id token carries only `sub` (the package's conformant default): the email and name come from userinfo, which
 * is how many providers answer, so Folio's fallback to userinfo is exercised too.
 */
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: (process.env.OIDC_REDIRECT_URIS ?? '').split(','),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
  async findAccount(_ctx, sub) {
    return { accountId: sub, claims: async () => ({ sub, email: `${sub}@login.example.org`, email_verified: true, name: sub, preferred_username: sub }) };
  },
  cookies: { keys: ['folio-test-provider-cookie-key'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => true },
  // Consent is given for whatever the client asks: the tests are about Folio's side.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});
provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));

const callback = provider.callback();
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', issuer);
  // A browser on the login page asks for an icon: no 404 in its console.
  if (url.pathname === '/favicon.ico') return res.writeHead(204).end();
  const m = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
  if (!m) return callback(req, res);
  try {
    const login = url.searchParams.get('login');
    if (!login) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('log in with ?login=<subject>');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
  }
});
server.listen(port, '127.0.0.1', () => console.log('ready'));
