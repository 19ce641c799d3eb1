import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, parsePostgresUrl } from './postgres-url.js';

const V = 'DATABASE_URL';

function failure(raw: string, variable = V): ConfigError {
  try {
    parsePostgresUrl(raw, variable);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const err = e as ConfigError;
    for (const line of err.message.split('\n')) expect(line.startsWith(`${variable}: `)).toBe(true);
    return err;
  }
  throw new Error(`expected ${raw} to be rejected`);
}

describe('parsePostgresUrl', () => {
  it.each(['postgres', 'postgresql'])('accepts the %s:// scheme', (scheme) => {
    expect(parsePostgresUrl(`${scheme}://folio:s3cret@db.internal:6543/folio_prod`, V)).toEqual({
      host: 'db.internal',
      port: 6543,
      user: 'folio',
      password: 's3cret',
      database: 'folio_prod',
      ssl: false,
      pooled: false,
      redacted: `${scheme}://folio:***@db.internal:6543/folio_prod`,
    });
  });

  it('defaults the port to 5432 and allows a missing password', () => {
    const c = parsePostgresUrl('postgres://folio@localhost/folio', V);
    expect(c.port).toBe(5432);
    expect(c.password).toBeUndefined();
    expect(c.redacted).toBe('postgres://folio@localhost/folio');
  });

  it('percent-decodes user, password and database', () => {
    const c = parsePostgresUrl('postgres://us%40er:p%40ss%2Fw%3Ard%25@host/my%20db', V);
    expect(c.user).toBe('us@er');
    expect(c.password).toBe('p@ss/w:rd%');
    expect(c.database).toBe('my db');
    expect(c.redacted).toBe('postgres://us%40er:***@host/my%20db');
  });

  it('tolerates an unencoded @ in the password (user info ends at the last @)', () => {
    const c = parsePostgresUrl('postgres://folio:p@ss@host/db', V);
    expect(c.password).toBe('p@ss');
    expect(c.host).toBe('host');
  });

  it('rejects other schemes naming the variable, without echoing the password', () => {
    const err = failure('mysql://root:hunter2@db/folio');
    expect(err.message).toBe(
      'DATABASE_URL: must start with postgres:// or postgresql:// (got mysql://…). Fix: use a URL such as postgres://user:password@host:5432/folio.',
    );
    expect(err.message).not.toContain('hunter2');
    expect(failure('root:hunter2@db/folio', 'DATABASE_DIRECT_URL').message).toContain('(got a value without a scheme)');
  });

  it('requires a database name', () => {
    expect(failure('postgres://u:hunter2@host:5432').message).toContain('must name a database');
    expect(failure('postgres://u:hunter2@host/').message).toContain('must name a database');
  });

  it('requires a user and a host', () => {
    expect(failure('postgres://host/db').message).toContain('must include a user name');
    expect(failure('postgres://u:pw@/db').message).toContain('has no host');
  });

  it('rejects a bad port without echoing the password', () => {
    const err = failure('postgres://u:hunter2@host:99999/db');
    expect(err.message).toContain('has an invalid port (got "99999")');
    expect(err.message).not.toContain('hunter2');
  });

  it('rejects several hosts', () => {
    expect(failure('postgres://u@a:5432,b:5432/db').message).toContain('lists several hosts');
  });

  it('rejects invalid percent-encoding in the password without echoing it', () => {
    const err = failure('postgres://u:100%zz@host/db');
    expect(err.message).toContain('the password is not valid percent-encoding');
    expect(err.message).not.toContain('100%zz');
  });

  it.each([
    ['disable', false],
    ['allow', false],
    ['prefer', false],
    ['require', { rejectUnauthorized: false }],
    ['verify-ca', { rejectUnauthorized: true }],
    ['verify-full', { rejectUnauthorized: true }],
  ] as const)('translates sslmode=%s', (mode, ssl) => {
    expect(parsePostgresUrl(`postgres://u:p@db.example.com/db?sslmode=${mode}`, V).ssl).toEqual(ssl);
  });

  it('defaults to no TLS without sslmode, except on Neon where it defaults to require', () => {
    expect(parsePostgresUrl('postgres://u:p@db.example.com/db', V).ssl).toBe(false);
    expect(parsePostgresUrl('postgres://u:p@ep-x.us-east-2.aws.neon.tech/db', V).ssl).toEqual({ rejectUnauthorized: false });
    expect(parsePostgresUrl('postgres://u:p@ep-x.us-east-2.aws.neon.tech/db?sslmode=verify-full', V).ssl).toEqual({
      rejectUnauthorized: true,
    });
  });

  it('rejects an unknown sslmode listing the allowed values', () => {
    const err = failure('postgres://u:hunter2@host/db?sslmode=on');
    expect(err.message).toBe('DATABASE_URL: has an unknown sslmode "on". Fix: use one of disable, allow, prefer, require, verify-ca, verify-full.');
  });

  it('marks a Neon -pooler host as pooled, with ssl require by default, and drops channel_binding', () => {
    const c = parsePostgresUrl('postgresql://neondb_owner:npg_secret@ep-x-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require', V);
    expect(c).toEqual({
      host: 'ep-x-pooler.us-east-2.aws.neon.tech',
      port: 5432,
      user: 'neondb_owner',
      password: 'npg_secret',
      database: 'neondb',
      ssl: { rejectUnauthorized: false },
      pooled: true,
      redacted: 'postgresql://neondb_owner:***@ep-x-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require',
    });
    expect(parsePostgresUrl('postgresql://u:p@ep-x-pooler.us-east-2.aws.neon.tech/neondb', V)).toMatchObject({
      pooled: true,
      ssl: { rejectUnauthorized: false },
    });
    expect(parsePostgresUrl('postgresql://u:p@ep-x.us-east-2.aws.neon.tech/neondb', V).pooled).toBe(false);
  });

  it('reads ?pgbouncer= as the pooled flag and drops it', () => {
    expect(parsePostgresUrl('postgres://u:p@bouncer:6432/db?pgbouncer=true', V).pooled).toBe(true);
    expect(parsePostgresUrl('postgres://u:p@bouncer:6432/db?pgbouncer=false', V).pooled).toBe(false);
    expect(failure('postgres://u:p@bouncer:6432/db?pgbouncer=maybe').message).toContain('it must be true or false');
  });

  it('rejects unknown query parameters naming them', () => {
    const err = failure('postgres://u:hunter2@host/db?connect_timeout=10');
    expect(err.message).toContain('unknown query parameter "connect_timeout"');
    expect(err.message).not.toContain('hunter2');
  });

  it('passes application_name and options through', () => {
    const c = parsePostgresUrl('postgres://u:p@host/db?application_name=folio%20web&options=-c%20search_path%3Dfolio', V);
    expect(c.applicationName).toBe('folio web');
    expect(c.options).toBe('-c search_path=folio');
  });

  it('supports a Unix socket directory given as ?host=', () => {
    const c = parsePostgresUrl('postgresql://folio@/folio?host=/var/run/postgresql', V);
    expect(c).toEqual({
      host: '/var/run/postgresql',
      port: 5432,
      user: 'folio',
      password: undefined,
      database: 'folio',
      ssl: false,
      pooled: false,
      redacted: 'postgresql://folio@/folio?host=/var/run/postgresql',
    });
    // No user over a socket: the system user, as libpq does (peer authentication; the Raspberry Pi guide's URL).
    expect(parsePostgresUrl('postgres:///folio?host=/var/run/postgresql', V)).toMatchObject({
      host: '/var/run/postgresql',
      user: userInfo().username,
      database: 'folio',
    });
    // libpq ignores sslmode on Unix sockets; so do we.
    expect(parsePostgresUrl('postgresql://folio@/folio?host=%2Ftmp&sslmode=require', V)).toMatchObject({ host: '/tmp', ssl: false });
  });

  it('supports a bracketed IPv6 host', () => {
    const c = parsePostgresUrl('postgres://u:p@[::1]:5433/db', V);
    expect(c.host).toBe('::1');
    expect(c.port).toBe(5433);
    expect(failure('postgres://u:p@[nope]/db').message).toContain('invalid bracketed IPv6 host');
  });

  it('reports every problem at once, each line naming the variable', () => {
    const err = failure('postgres://u:hunter2@host:0?sslmode=sure&foo=1', 'DATABASE_DIRECT_URL');
    expect(err.problems.map((p) => p.variable)).toEqual(['DATABASE_DIRECT_URL', 'DATABASE_DIRECT_URL', 'DATABASE_DIRECT_URL', 'DATABASE_DIRECT_URL']);
    expect(err.message.split('\n')).toHaveLength(4);
    expect(err.message).not.toContain('hunter2');
  });
});
