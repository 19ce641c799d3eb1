/**
 * Throwaway PostgreSQL server for tests.
 *
 * `startPostgres()` runs `initdb` into a fresh temp dir and starts `postgres`
 * directly as a child process on a free 127.0.0.1 port (tuned for speed, not
 * durability). `stop()` shuts it down and deletes the dir. The server also goes
 * away with the calling process: on normal exit (exit hook) and, on Linux, when
 * the process is killed (parent-death signal via `setpriv --pdeathsig`); dirs
 * left behind by killed runs are removed by the next `startPostgres()`.
 *
 * Binaries come from /usr/lib/postgresql/15/bin (override with `pgBin` or
 * FOLIO_PG_BIN); `scripts/ensure-test-services.sh` installs them. When running
 * as root the cluster is owned by and run as the `postgres` OS user (initdb
 * refuses to run as root).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './free-port.js';

export const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';
const DIR_PREFIX = 'folio-pg-';
const LOG_LINES_KEPT = 400;

export interface StartPostgresOptions {
  /** Port to listen on (default: a free port). */
  port?: number;
  /** Directory with initdb/postgres (default: FOLIO_PG_BIN or /usr/lib/postgresql/15/bin). */
  pgBin?: string;
  /** Extra/overriding server settings, passed as `-c name=value`. */
  settings?: Record<string, string | number | boolean>;
  /** How long to wait for the server to accept connections (default 30 s). */
  startTimeoutMs?: number;
  /** Parent of the temp dir (default: os.tmpdir()). */
  tmpRoot?: string;
  /** Echo the server log to stderr (default: FOLIO_PG_LOG=1). */
  verbose?: boolean;
  /** initdb locale (default C.UTF-8). */
  locale?: string;
}

export interface RestartOptions {
  /** 'fast' (SIGINT, clean shutdown; default) or 'immediate' (SIGQUIT, crash-like; recovery on start). */
  mode?: 'fast' | 'immediate';
}

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  host: string;
  /** PGDATA of the cluster. */
  dataDir: string;
  /** Unix socket directory. */
  socketDir: string;
  /** Stop the server (fast shutdown) and delete its files. Idempotent. */
  stop(): Promise<void>;
  /** Stop and start again on the same port and data dir. */
  restart(opts?: RestartOptions): Promise<void>;
  /** Last lines of the server log. */
  logTail(lines?: number): string;
}

interface OsUser {
  uid: number;
  gid: number;
}

/** Servers still running, killed by the exit hook if the process ends without stop(). */
const live = new Set<{ child: ChildProcess | undefined; rootDir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const entry of live) {
      try {
        if (entry.child && entry.child.exitCode === null && entry.child.signalCode === null) {
          entry.child.kill('SIGQUIT');
        }
      } catch {
        /* already gone */
      }
      try {
        rmSync(entry.rootDir, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
    live.clear();
  });
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

let postgresUserCache: OsUser | undefined;
export function postgresOsUser(): OsUser {
  if (postgresUserCache) return postgresUserCache;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('non-numeric id');
    postgresUserCache = { uid, gid };
    return postgresUserCache;
  } catch (err) {
    throw new Error(
      'startPostgres: running as root, but there is no `postgres` OS user to run the cluster as ' +
        `(initdb refuses root). Run scripts/ensure-test-services.sh. (${String(err)})`,
      { cause: err },
    );
  }
}

let setprivCache: string | null | undefined;
/** `setpriv` (util-linux) if it supports --pdeathsig, so postgres dies when we are killed. */
function setprivPath(): string | null {
  if (setprivCache !== undefined) return setprivCache;
  setprivCache = null;
  if (process.platform !== 'linux') return setprivCache;
  for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
    if (!existsSync(candidate)) continue;
    try {
      execFileSync(candidate, ['--pdeathsig', 'INT', '--', 'true'], { stdio: 'ignore' });
      setprivCache = candidate;
      break;
    } catch {
      /* too old */
    }
  }
  return setprivCache;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temp dirs of earlier runs whose owning process and postmaster are both gone. */
function removeStaleDirs(tmpRoot: string): void {
  let names: string[];
  try {
    names = readdirSync(tmpRoot).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpRoot, name);
    try {
      const ownerPid = Number(readFileSync(join(dir, 'owner.pid'), 'utf8').trim());
      if (pidAlive(ownerPid)) continue;
      const pidFile = join(dir, 'data', 'postmaster.pid');
      if (existsSync(pidFile)) {
        const postmasterPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        if (pidAlive(postmasterPid)) continue;
      }
      // Grace period for a dir that is being set up right now.
      if (Date.now() - statSync(dir).mtimeMs < 5_000) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* not ours, or being created right now: leave it */
    }
  }
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // PGDATA, PGPORT, PGHOST ... must not leak into initdb/postgres.
    if (!k.startsWith('PG')) env[k] = v;
  }
  env.LC_MESSAGES = 'C';
  return env;
}

function run(cmd: string, args: string[], opts: { user?: OsUser; cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.user ? { uid: opts.user.uid, gid: opts.user.gid } : {}),
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresServer> {
  const pgBin = opts.pgBin ?? process.env.FOLIO_PG_BIN ?? DEFAULT_PG_BIN;
  const initdb = join(pgBin, 'initdb');
  const postgresBin = join(pgBin, 'postgres');
  for (const bin of [initdb, postgresBin]) {
    if (!existsSync(bin)) {
      throw new Error(`startPostgres: ${bin} not found. Run: bash scripts/ensure-test-services.sh`);
    }
  }
  const tmpRoot = opts.tmpRoot ?? tmpdir();
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  const verbose = opts.verbose ?? process.env.FOLIO_PG_LOG === '1';
  const host = '127.0.0.1';
  const user = isRoot() ? postgresOsUser() : undefined;
  const env = cleanEnv();

  removeStaleDirs(tmpRoot);
  installExitHook();

  const rootDir = await mkdtemp(join(tmpRoot, DIR_PREFIX));
  const entry: { child: ChildProcess | undefined; rootDir: string } = { child: undefined, rootDir };
  live.add(entry);
  const dataDir = join(rootDir, 'data');
  const socketDir = join(rootDir, 'sock');
  const logLines: string[] = [];
  const logTail = (lines = 60): string => logLines.slice(-lines).join('\n');

  const fail = async (message: string): Promise<never> => {
    live.delete(entry);
    if (entry.child && entry.child.exitCode === null && entry.child.signalCode === null) {
      entry.child.kill('SIGQUIT');
      await waitForExit(entry.child, 5_000);
    }
    await rm(rootDir, { recursive: true, force: true });
    throw new Error(message);
  };

  try {
    await writeFile(join(rootDir, 'owner.pid'), `${process.pid}\n`);
    await mkdir(dataDir, { mode: 0o700 });
    await mkdir(socketDir, { mode: 0o700 });
    if (user) {
      for (const dir of [rootDir, dataDir, socketDir]) await chown(dir, user.uid, user.gid);
    }
  } catch (err) {
    return fail(`startPostgres: preparing ${rootDir} failed: ${String(err)}`);
  }

  const init = await run(initdb, ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '--encoding=UTF8', `--locale=${opts.locale ?? 'C.UTF-8'}`], {
    cwd: rootDir,
    env,
    ...(user ? { user } : {}),
  }).catch((err: unknown) => ({ code: -1, output: String(err) }));
  if (init.code !== 0) {
    return fail(`startPostgres: initdb failed (exit ${init.code}):\n${init.output.trim()}`);
  }

  const settings: Record<string, string | number | boolean> = {
    listen_addresses: host,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: 200,
    shared_buffers: '128MB',
    ...opts.settings,
  };

  let port = opts.port ?? (await freePort(host));
  const fixedPort = opts.port !== undefined;

  const spawnServer = (): ChildProcess => {
    const args = ['-D', dataDir, '-p', String(port), '-k', socketDir];
    for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${String(v)}`);
    const setpriv = setprivPath();
    const [cmd, argv] = setpriv ? [setpriv, ['--pdeathsig', 'INT', '--', postgresBin, ...args]] : [postgresBin, args];
    const child = spawn(cmd, argv, {
      cwd: rootDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    const onData = (d: Buffer): void => {
      const text = d.toString();
      if (verbose) process.stderr.write(`[postgres:${port}] ${text}`);
      for (const line of text.split('\n')) if (line) logLines.push(line);
      if (logLines.length > LOG_LINES_KEPT) logLines.splice(0, logLines.length - LOG_LINES_KEPT);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('error', (err) => logLines.push(`[spawn error] ${String(err)}`));
    entry.child = child;
    return child;
  };

  const url = (): string => `postgres://postgres@${host}:${port}/postgres`;

  /** Poll until the server accepts a query; returns an error message or undefined. */
  const waitReady = async (child: ChildProcess): Promise<string | undefined> => {
    const deadline = Date.now() + startTimeoutMs;
    let lastError = '';
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        return `postgres exited early (code ${child.exitCode}, signal ${child.signalCode})`;
      }
      const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 2_000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('select 1');
        return undefined;
      } catch (err) {
        lastError = String(err);
      } finally {
        await client.end().catch(() => {});
      }
      await sleep(100);
    }
    return `postgres did not accept connections within ${startTimeoutMs} ms (last error: ${lastError})`;
  };

  const startServer = async (allowPortRetry: boolean): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const child = spawnServer();
      const problem = await waitReady(child);
      if (!problem) return;
      const addrInUse = /Address already in use|could not create any TCP\/IP sockets/.test(logTail(400));
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        await waitForExit(child, 5_000);
      }
      if (allowPortRetry && addrInUse && attempt < 5) {
        logLines.push(`[startPostgres] port ${port} was taken, retrying on another port`);
        port = await freePort(host);
        continue;
      }
      return fail(`startPostgres: ${problem}\n--- server log (tail) ---\n${logTail()}`);
    }
  };

  const stopServer = async (signal: NodeJS.Signals): Promise<void> => {
    const child = entry.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    if (await waitForExit(child, 30_000)) return;
    child.kill('SIGQUIT');
    if (await waitForExit(child, 5_000)) return;
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  };

  await startServer(!fixedPort);

  let stopped = false;
  const server: PostgresServer = {
    get url() {
      return url();
    },
    get port() {
      return port;
    },
    host,
    dataDir,
    socketDir,
    logTail,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopServer('SIGINT');
      live.delete(entry);
      await rm(rootDir, { recursive: true, force: true });
    },
    async restart(restartOpts: RestartOptions = {}) {
      if (stopped) throw new Error('startPostgres: restart() after stop()');
      await stopServer(restartOpts.mode === 'immediate' ? 'SIGQUIT' : 'SIGINT');
      // Same port and data dir: clients reconnect to the same URL.
      await startServer(false);
    },
  };
  return server;
}
