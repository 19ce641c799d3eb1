/**
 * The Raspberry Pi guide (docs/deployment.md), followed as written: the environment file its commands copy,
 * PostgreSQL reached over its Unix socket as the system user (the guide's `DATABASE_URL` has no user), and the
 * address the Cloudflare Tunnel targets must answer. An operations review found the guide failing at each of
 * these (a URL refused for its missing user, Folio on 0.0.0.0:8080 while the tunnel targets 127.0.0.1:3000).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../src/config/env.js';
import { CLI } from './cli.js';
import { backend } from './db.js';
import { type PostgresServer, startPostgres } from './services/postgres.js';

const ROOT = process.cwd();
const read = (p: string) => readFile(join(ROOT, p), 'utf8');

/** The Pi section's shell block of the guide. */
async function guideCommands(): Promise<string> {
  const doc = await read('docs/deployment.md');
  const block = /```sh\n(sudo apt-get install -y postgresql[\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/deployment.md: the Raspberry Pi commands block was not found');
  return block[1]!;
}

/** KEY=VALUE lines of an environment file (what systemd's EnvironmentFile reads; comments and blanks skipped). */
function envFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

const portFree = (port: number, host: string) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });

describe.skipIf(backend() !== 'postgres')('the Raspberry Pi guide, followed as written', () => {
  let server: PostgresServer | undefined;
  let dataDir: string | undefined;
  afterAll(async () => {
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('its environment file, PostgreSQL over the socket as the system user, and the tunnel target answers', async () => {
    const commands = await guideCommands();
    // The file the guide copies to /etc/folio/folio.env, and the file the units read.
    const copied = /sudo cp (\S+) \/etc\/folio\/folio\.env/.exec(commands)?.[1];
    expect(copied, 'the guide copies an environment file to /etc/folio/folio.env').toBeDefined();
    const env = envFile(await read(copied!));
    for (const unit of ['deploy/systemd/folio.service', 'deploy/systemd/folio-worker.service']) {
      expect(await read(unit)).toContain('EnvironmentFile=/etc/folio/folio.env');
    }
    // Where the tunnel sends requests is where Folio listens.
    const tunnel = parseYaml(await read('deploy/cloudflared/config.yml')) as { ingress: Array<{ service: string }> };
    const target = new URL(tunnel.ingress[0]!.service);
    expect({ host: env.HOST, port: env.PORT }).toEqual({ host: target.hostname, port: target.port });
    // The guide's database: created for the system user, reached over the socket, no password.
    expect(commands).toMatch(/createuser folio && sudo -u postgres createdb -O folio folio/);
    const dbUrl = /^postgres(?:ql)?:\/\/([^/]*)\/([^?]+)\?(?:.*&)?host=([^&]+)/.exec(env.DATABASE_URL ?? '');
    expect(dbUrl, `DATABASE_URL ${env.DATABASE_URL} names a database and a socket directory`).not.toBeNull();
    expect(dbUrl![1], 'no user: the system user, as the units run').toBe('');
    expect(decodeURIComponent(dbUrl![3]!)).toMatch(/^\//);

    // The same on this machine: a server whose socket is in its own directory, a role for the user this test
    // runs as (the units' `folio`), owning the database the URL names.
    server = await startPostgres();
    const me = userInfo().username;
    const database = dbUrl![2]!;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE "${me}" LOGIN`);
      await admin.query(`CREATE DATABASE "${database}" OWNER "${me}"`);
    } finally {
      await admin.end();
    }
    dataDir = await mkdtemp(join(tmpdir(), 'folio-pi-'));
    // The tunnel's port if it is free here; the address is the one the file and the tunnel say.
    const port = (await portFree(Number(target.port), target.hostname)) ? target.port : '0';
    const run = {
      ...env,
      // This machine's server: its socket directory, and its port (the socket file is named after it; 5432 on the Pi).
      DATABASE_URL: env.DATABASE_URL!.replace(/^postgres:\/\/\//, `postgres://:${server.port}/`).replace(/host=[^&]+/, `host=${encodeURIComponent(server.socketDir)}`),
      FOLIO_DATA_DIR: dataDir,
      PORT: port,
      // The file's placeholder token is commented out; a real one is set as the guide says.
      ADMIN_TOKEN: '7c1d9e2a4b6f8035c7e9a1b3d5f70829',
    };
    // Boot-time validation accepts the file as written (plus the token the guide asks for).
    expect(() => loadConfig(run, { cwd: dataDir })).not.toThrow();

    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...run },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const listening = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`folio serve did not become ready:\n${out}`)), 60_000);
        const check = setInterval(() => {
          const url = /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1];
          if (url && /"msg":"ready"/.test(out)) {
            clearTimeout(timer);
            clearInterval(check);
            resolve(url);
          }
          if (child.exitCode !== null) {
            clearTimeout(timer);
            clearInterval(check);
            reject(new Error(`folio serve exited ${child.exitCode}:\n${out}`));
          }
        }, 50);
      });
      const url = new URL(listening);
      expect(url.hostname).toBe(target.hostname);
      if (port !== '0') expect(url.port).toBe(target.port);
      const ready = await fetch(`${listening}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', database: 'postgres' });
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
  }, 120_000);
});
