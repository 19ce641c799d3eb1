/**
 * PgBouncer in transaction mode in front of a test PostgreSQL server, like a
 * Neon `-pooler` endpoint: consecutive statements may run on different server
 * connections, so named prepared statements and session state break.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';
import { isRoot, postgresOsUser } from './postgres.js';

export interface PgBouncer {
  port: number;
  /** The upstream URL rewritten to go through the pooler. */
  pooledUrl(upstreamUrl: string): string;
  stop(): Promise<void>;
}

export async function startPgBouncer(upstream: { host: string; port: number }, opts: { poolSize?: number } = {}): Promise<PgBouncer> {
  const dir = await mkdtemp(join(tmpdir(), 'folio-pgbouncer-'));
  const port = await freePort();
  await writeFile(join(dir, 'userlist.txt'), '"postgres" ""\n');
  await writeFile(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${upstream.host} port=${upstream.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      "unix_socket_dir = ''",
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${opts.poolSize ?? 4}`,
      'max_client_conn = 200',
      'ignore_startup_parameters = extra_float_digits,options',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root.
  const user = isRoot() ? postgresOsUser() : null;
  if (user) await chown(dir, user.uid, user.gid);
  const child: ChildProcess = spawn('/usr/sbin/pgbouncer', [join(dir, 'pgbouncer.ini')], {
    stdio: 'ignore',
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  const pooledUrl = (u: string) => {
    const url = new URL(u);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    return url.toString();
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    try {
      await c.connect();
      await c.query('select 1');
      await c.end();
      break;
    } catch (err) {
      await c.end().catch(() => {});
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`PgBouncer did not start: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    pooledUrl,
    async stop() {
      child.kill('SIGINT');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
