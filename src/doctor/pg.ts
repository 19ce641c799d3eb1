/**
 * PostgreSQL from the doctor's side: one short-lived connection per check
 * (the same connection settings the app uses, db/postgres.ts), errors turned
 * into what is wrong and which variable to fix, and detection of a
 * transaction-mode pooler behind a URL that does not say it is one.
 */
import pg from 'pg';
import type { PgConnection } from '../config/postgres-url.js';
import { poolConfig } from '../db/postgres.js';

export const CONNECT_TIMEOUT_MS = 5_000;

export async function withPgClient<T>(conn: PgConnection, fn: (client: pg.Client) => Promise<T>, timeoutMs = CONNECT_TIMEOUT_MS): Promise<T> {
  const { max: _max, idleTimeoutMillis: _idle, ...settings } = poolConfig(conn, 1);
  const client = new pg.Client({ ...settings, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'folio-doctor' });
  client.on('error', () => {});
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const where = (c: PgConnection) => (c.host.startsWith('/') ? `the socket in ${c.host}` : `${c.host}:${c.port}`);

/** What went wrong connecting with `variable`'s URL, and the fix. Never includes the password. */
export function describePgError(err: unknown, variable: string, c: PgConnection): { summary: string; fix: string } {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return {
        summary: `nothing is listening at ${where(c)} (connection refused)`,
        fix: `start PostgreSQL (e.g. \`sudo systemctl start postgresql\`), or correct the host and port in ${variable}.`,
      };
    case 'ENOENT':
      return { summary: `no PostgreSQL socket in ${c.host}`, fix: `start PostgreSQL, or correct ?host= in ${variable}.` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { summary: `the host ${c.host} cannot be resolved`, fix: `correct the host in ${variable}.` };
    case 'ECONNRESET':
      return {
        summary: `${where(c)} closed the connection at once`,
        fix: `check that ${where(c)} is PostgreSQL (or a pooler in front of it) and that sslmode in ${variable} matches what it expects.`,
      };
    case '28P01':
      return {
        summary: `password authentication failed for user "${c.user}" at ${where(c)}`,
        fix: `put the right password in ${variable} (percent-encode @ / ? # % in it).`,
      };
    case '28000':
      return {
        summary: `the server refused user "${c.user}": ${message}`,
        fix: `allow this user and host in the server's pg_hba.conf, turn TLS on with sslmode=require if it demands encryption, or use another user in ${variable}.`,
      };
    case '3D000':
      return {
        summary: `database "${c.database}" does not exist at ${where(c)}`,
        fix: `create it (\`createdb -O ${c.user} ${c.database}\`) or correct the database name in ${variable}.`,
      };
    case '57P03':
      return { summary: `PostgreSQL at ${where(c)} is starting up or shutting down`, fix: 'wait a few seconds and run folio doctor again.' };
    case '53300':
      return {
        summary: `PostgreSQL at ${where(c)} has no connection slots left`,
        fix: 'lower FOLIO_DB_POOL_MAX on every Folio process, or raise max_connections (or use a pooler).',
      };
  }
  if (/does not support SSL/i.test(message))
    return { summary: `${where(c)} does not speak TLS but ${variable} asks for it`, fix: `set sslmode=disable in ${variable}, or turn TLS on in the server.` };
  if (/self[- ]signed|certificate|unable to verify/i.test(message)) {
    return {
      summary: `the TLS certificate of ${where(c)} is not trusted: ${message}`,
      fix: `use sslmode=require in ${variable} (encrypted, not verified), or add the CA with NODE_EXTRA_CA_CERTS.`,
    };
  }
  if (/timeout|timed out/i.test(message)) {
    return {
      summary: `no answer from ${where(c)} within ${CONNECT_TIMEOUT_MS / 1000} s`,
      fix: `check the host and port in ${variable}, and that a firewall lets this machine reach it.`,
    };
  }
  return { summary: `cannot connect to ${where(c)}: ${message.split('\n')[0]}`, fix: `check ${variable}.` };
}

/**
 * Two sessions of one PostgreSQL server never share a backend process, and a session keeps its
 * backend. Through a transaction-mode pooler (PgBouncer, Neon -pooler) they do not: consecutive
 * statements take whichever server connection is free. So: pooled when one client saw two backend
 * pids, or both clients saw the same one.
 */
export function looksTransactionPooled(a: readonly number[], b: readonly number[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size > 1 || sb.size > 1 || [...sa].some((p) => sb.has(p));
}

/** Ask `conn` which backend answers, from two sessions in turn; null when it cannot connect. */
export async function probeTransactionPooling(conn: PgConnection, rounds = 6): Promise<boolean | null> {
  try {
    return await withPgClient(conn, (a) =>
      withPgClient(conn, async (b) => {
        const pa: number[] = [];
        const pb: number[] = [];
        const pid = async (c: pg.Client) => Number((await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
        for (let i = 0; i < rounds; i++) {
          pa.push(await pid(a));
          pb.push(await pid(b));
          if (looksTransactionPooled(pa, pb)) return true;
        }
        return false;
      }),
    );
  } catch {
    return null;
  }
}
