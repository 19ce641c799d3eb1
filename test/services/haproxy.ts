/**
 * HAProxy (Debian's `haproxy`, installed by scripts/ensure-test-services.sh) on free loopback ports, running
 * the shipped deploy/replicas/haproxy.cfg with the replicas' addresses in its environment. Server states are
 * read from its stats page as CSV.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

export const HAPROXY = '/usr/sbin/haproxy';
export const REPLICAS_HAPROXY_CFG = join(process.cwd(), 'deploy', 'replicas', 'haproxy.cfg');

export interface Haproxy {
  /** The balancer's front end. */
  url: string;
  /** server name → status as HAProxy sees it (UP, DOWN, "UP 1/2", MAINT…). */
  states(): Promise<Record<string, string>>;
  /** Wait until HAProxy reports `server` with exactly this status. */
  waitFor(server: string, status: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

function requireHaproxy(): void {
  if (!existsSync(HAPROXY)) throw new Error(`startHaproxy: ${HAPROXY} not found. Run: bash scripts/ensure-test-services.sh`);
}

/** `haproxy -c`: the file parses and every directive is known (the addresses may not resolve here). */
export function checkHaproxyConfig(file = REPLICAS_HAPROXY_CFG, env: Record<string, string> = {}): { ok: boolean; output: string } {
  requireHaproxy();
  const r = spawnSync(HAPROXY, ['-c', '-f', file], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  return { ok: r.status === 0 && !/\[ALERT\]/.test(r.stderr + r.stdout), output: `${r.stdout}${r.stderr}` };
}

/** HAProxy with the servers named in the config (api1…) at the given loopback ports. */
export async function startHaproxy(servers: Record<string, number>, file = REPLICAS_HAPROXY_CFG): Promise<Haproxy> {
  requireHaproxy();
  const port = await freePort();
  const statsPort = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    FOLIO_LB_BIND: `127.0.0.1:${port}`,
    FOLIO_LB_STATS: `127.0.0.1:${statsPort}`,
  };
  for (const [name, p] of Object.entries(servers)) env[`FOLIO_${name.toUpperCase()}`] = `127.0.0.1:${p}`;
  let log = '';
  // -db: foreground, no daemon; logs go to stdout (the config's `log stdout`).
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d: Buffer) => {
    log += d.toString();
    if (log.length > 20_000_000) log = log.slice(-20_000_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const statsUrl = `http://127.0.0.1:${statsPort}/stats;csv`;

  const states = async (): Promise<Record<string, string>> => {
    const res = await fetch(statsUrl);
    const text = await res.text();
    const [header, ...rows] = text.replace(/^# /, '').trim().split('\n');
    const cols = header!.split(',');
    const px = cols.indexOf('pxname');
    const sv = cols.indexOf('svname');
    const st = cols.indexOf('status');
    const out: Record<string, string> = {};
    for (const row of rows) {
      const f = row.split(',');
      if (f[px] === 'folio_api' && f[sv] !== 'BACKEND') out[f[sv]!] = f[st]!;
    }
    return out;
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${log}`);
    try {
      await states();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`haproxy did not start:\n${log}`);
      await sleep(50);
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    states,
    async waitFor(server, status, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < until) {
        last = (await states())[server] ?? '(unknown)';
        if (last === status) return;
        await sleep(50);
      }
      throw new Error(`haproxy: ${server} is ${last}, not ${status}, after ${timeoutMs} ms\n${log.slice(-3000)}`);
    },
    output: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      // SIGUSR1 would wait for open connections (soft stop); the test is done with them.
      child.kill('SIGTERM');
      await exited;
    },
  };
}
