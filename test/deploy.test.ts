/**
 * The deployment files are code too: there is no Docker engine, Fly or Modal
 * here, so check what can be checked — every file they reference exists, every
 * variable they set is one Folio reads, no secret sits in a committed file,
 * units and workflows have the keys they need — and run the container's
 * entrypoint command outside a container.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../src/config/env.js';
import { freePort } from './services/free-port.js';
import { checkHaproxyConfig } from './services/haproxy.js';

const ROOT = process.cwd();
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const SECRET = /^(DATABASE_URL|DATABASE_DIRECT_URL|ADMIN_TOKEN|S3_ACCESS_KEY_ID|S3_SECRET_ACCESS_KEY|FOLIO_MODEL_API_KEY|MODAL_PROXY_TOKEN_ID|MODAL_PROXY_TOKEN_SECRET)$/;
const known = new Set(CONFIG_VARIABLES);
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Dockerfile instructions, with line continuations joined. */
function dockerInstructions(text: string): Array<{ op: string; args: string; stage: string }> {
  const out: Array<{ op: string; args: string; stage: string }> = [];
  let stage = '';
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op!.toUpperCase() === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? args;
    out.push({ op: op!.toUpperCase(), args, stage });
  }
  return out;
}

describe('deploy/Dockerfile', () => {
  const ins = dockerInstructions(read('deploy/Dockerfile'));

  it('is multi-stage: a build stage, and a runtime stage with production dependencies only', () => {
    expect(ins.filter((i) => i.op === 'FROM').map((i) => i.stage)).toEqual(['build', 'runtime']);
    expect(ins.some((i) => i.stage === 'build' && i.op === 'RUN' && /npm ci/.test(i.args))).toBe(true);
    expect(ins.some((i) => i.stage === 'build' && i.op === 'RUN' && /npm prune --omit=dev/.test(i.args))).toBe(true);
    expect(ins.some((i) => i.stage === 'runtime' && i.op === 'RUN' && /npm (ci|install)/.test(i.args))).toBe(false);
  });

  it('copies only files that exist (build context) or that the build stage makes', () => {
    const built = new Set(['node_modules', 'dist']);
    for (const i of ins.filter((x) => x.op === 'COPY')) {
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const sources = parts.slice(0, -1);
      for (const src of sources) {
        if (i.args.includes('--from=build')) {
          const rel = src.replace(/^\/app\//, '');
          expect(existsSync(join(ROOT, rel)) || built.has(rel), `${src} (from build stage)`).toBe(true);
        } else {
          expect(existsSync(join(ROOT, src)), src).toBe(true);
        }
      }
    }
  });

  it('runs as a non-root user under tini, with a HEALTHCHECK, and execs the server (which migrates)', () => {
    const runtime = ins.filter((i) => i.stage === 'runtime');
    expect(runtime.find((i) => i.op === 'USER')?.args).toBe('folio');
    expect(runtime.find((i) => i.op === 'ENTRYPOINT')?.args).toContain('tini');
    expect(runtime.some((i) => i.op === 'HEALTHCHECK' && i.args.includes('/health'))).toBe(true);
    expect(JSON.parse(runtime.find((i) => i.op === 'CMD')!.args)).toEqual(['node', 'bin/folio.js', 'serve']);
    expect(existsSync(join(ROOT, 'bin/folio.js'))).toBe(true);
    // No shell entrypoint scripts that CRLF could break, and LF pinned for the repository.
    expect(read('.gitattributes')).toMatch(/eol=lf/);
  });

  it('every ENV it sets is a Folio variable (or a Node one)', () => {
    for (const i of ins.filter((x) => x.op === 'ENV')) {
      for (const [, name] of i.args.matchAll(/(\w+)=/g)) {
        expect(known.has(name!) || ['NODE_ENV', 'NPM_CONFIG_UPDATE_NOTIFIER', 'NPM_CONFIG_FUND', 'NPM_CONFIG_AUDIT'].includes(name!), name).toBe(true);
      }
    }
  });

  it('.dockerignore keeps data, secrets and dependencies out of the context', () => {
    const ignore = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['node_modules', '.folio', '.env', '.env.*', 'dist', '.git']) expect(ignore, p).toContain(p);
  });
});

describe('deploy/fly/fly.toml', () => {
  const fly = parseToml(read('deploy/fly/fly.toml')) as {
    build: { dockerfile: string };
    env: Record<string, string>;
    http_service: {
      auto_stop_machines: string;
      min_machines_running: number;
      concurrency: { type: string; soft_limit: number; hard_limit: number };
      checks: Array<{ path: string }>;
    };
  };
  it('builds the Dockerfile, scales to zero, limits concurrency and checks readiness', () => {
    expect(statSync(join(ROOT, 'deploy/fly', fly.build.dockerfile)).isFile()).toBe(true);
    expect(fly.http_service.auto_stop_machines).toBe('stop');
    expect(fly.http_service.min_machines_running).toBe(0);
    expect(fly.http_service.concurrency.soft_limit).toBeLessThan(fly.http_service.concurrency.hard_limit);
    expect(fly.http_service.checks.map((c) => c.path)).toContain('/ready');
  });
  it('[env] with the secrets the guide sets boots: retention on, daily backups to a private bucket, restore on an empty database', () => {
    const config = loadConfig({
      ...fly.env,
      DATABASE_URL: 'postgres://folio:pw@ep-x-pooler.neon.tech/folio?sslmode=require',
      DATABASE_DIRECT_URL: 'postgres://folio:pw@ep-x.neon.tech/folio?sslmode=require',
      S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com',
      S3_BUCKET: 'folio-images',
      S3_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID',
      S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI-s3-secret',
      S3_PUBLIC_URL_PREFIX: 'https://images.example.com',
      FOLIO_MODEL_BASE_URL: 'https://example--ollama.modal.run',
      FOLIO_CHAT_MODEL: 'llama3.2:3b',
    });
    expect(config.retentionDays).toBeGreaterThan(0);
    expect(config.backup).toMatchObject({ everyMs: 24 * 3_600_000, restoreOnEmpty: true });
    expect(config.backup!.bucket).not.toBe(config.s3!.bucket);
  });
  it('[env] holds only known, non-secret variables', () => {
    // Besides Folio's own: Node's options and glibc's malloc arenas, which size the process for the machine.
    const runtime = new Set(['NODE_OPTIONS', 'MALLOC_ARENA_MAX']);
    for (const name of Object.keys(fly.env)) {
      expect(known.has(name) || runtime.has(name), name).toBe(true);
      expect(SECRET.test(name), `${name} belongs in fly secrets`).toBe(false);
    }
  });
});

describe('small box: systemd units and the tunnel', () => {
  const unit = (p: string) => {
    const keys: Record<string, string[]> = {};
    for (const line of read(p).split('\n')) {
      const m = /^(\w+)=(.*)$/.exec(line.trim());
      if (m) (keys[m[1]!] ??= []).push(m[2]!);
    }
    return keys;
  };
  it.each(['deploy/systemd/folio.service', 'deploy/systemd/folio-worker.service'])('%s: non-root, restarts on failure, capped memory, secrets from a file', (p) => {
    const u = unit(p);
    expect(u.User?.[0]).toBe('folio');
    expect(u.Restart?.[0]).toBe('on-failure');
    expect(u.MemoryMax?.[0]).toMatch(/^\d+M$/);
    expect(u.EnvironmentFile?.[0]).toBe('/etc/folio/folio.env');
    const cmd = u.ExecStart![0]!.split(/\s+/);
    expect(cmd.slice(1, 3)).toEqual(['bin/folio.js', p.includes('worker') ? 'worker' : 'serve']);
  });
  it.each(['deploy/systemd/folio.service', 'deploy/systemd/folio-worker.service'])('%s: a soft memory limit (MemoryHigh) below the hard one', (p) => {
    const u = unit(p);
    const mb = (v: string | undefined) => Number(v?.replace('M', ''));
    expect(mb(u.MemoryHigh?.[0])).toBeGreaterThan(0);
    expect(mb(u.MemoryHigh?.[0])).toBeLessThan(mb(u.MemoryMax?.[0]));
  });
  it('the watchdog timer asks /ready on the configured port and restarts the server when it does not answer', () => {
    const timer = unit('deploy/systemd/folio-watchdog.timer');
    expect(timer.OnUnitActiveSec?.[0]).toMatch(/^\d+min$/);
    const svc = unit('deploy/systemd/folio-watchdog.service');
    expect(svc.EnvironmentFile?.[0]).toBe('/etc/folio/folio.env');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd expands ${PORT} from the environment file, not JavaScript.
    expect(svc.ExecStart?.[0]).toContain('http://127.0.0.1:${PORT}/ready');
    expect(svc.ExecStart?.[0]).toContain('systemctl restart folio.service');
    expect(read('docs/deployment.md')).toContain('folio-watchdog.timer');
  });
  it('the backup timer starts the backup service, which runs folio backup', () => {
    expect(unit('deploy/systemd/folio-backup.timer').OnCalendar).toBeDefined();
    expect(unit('deploy/systemd/folio-backup.service').ExecStart![0]).toContain('bin/folio.js backup');
  });
  it('the two units together stay well inside 1 GB', () => {
    const mb = (p: string) => Number(unit(p).MemoryMax![0]!.replace('M', ''));
    expect(mb('deploy/systemd/folio.service') + mb('deploy/systemd/folio-worker.service')).toBeLessThanOrEqual(800);
  });
  it('cloudflared routes the hostname to Folio and ends with a catch-all', () => {
    const cfg = parseYaml(read('deploy/cloudflared/config.yml')) as { ingress: Array<{ hostname?: string; service: string }> };
    expect(cfg.ingress[0]!.service).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cfg.ingress.at(-1)).toEqual({ service: 'http_status:404' });
  });
});

describe('compose.yaml', () => {
  const compose = parseYaml(read('compose.yaml'), { merge: true }) as {
    services: Record<string, { build?: { dockerfile: string }; environment?: Record<string, string>; profiles?: string[] }>;
  };
  it('has Folio, a worker, PostgreSQL with pgvector, an S3-API server and an optional Ollama', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['folio', 'worker', 'postgres', 'minio', 'ollama']));
    expect(compose.services.ollama!.profiles).toEqual(['ollama']);
    expect(existsSync(join(ROOT, compose.services.folio!.build!.dockerfile))).toBe(true);
  });
  it('sets only variables Folio reads', () => {
    for (const s of ['folio', 'worker']) for (const name of Object.keys(compose.services[s]!.environment!)) expect(known.has(name), name).toBe(true);
  });
});

describe('deploy/replicas (several replicas behind HAProxy)', () => {
  const compose = parseYaml(read('deploy/replicas/compose.yaml'), { merge: true }) as {
    services: Record<
      string,
      {
        build?: { context: string; dockerfile: string };
        command?: string[];
        environment?: Record<string, string>;
        volumes?: string[];
        deploy?: { replicas?: number };
        stop_grace_period?: string;
      }
    >;
  };
  const cfg = read('deploy/replicas/haproxy.cfg');
  const apis = ['api1', 'api2', 'api3'];

  it('haproxy.cfg is valid for HAProxy (haproxy -c)', () => {
    const r = checkHaproxyConfig();
    expect(r.ok, r.output).toBe(true);
  });

  it('has three API replicas, two workers, PostgreSQL, PgBouncer, an S3-API server and HAProxy', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining([...apis, 'worker', 'postgres', 'pgbouncer', 'minio', 'haproxy']));
    expect(compose.services.worker!.deploy?.replicas).toBe(2);
    expect(compose.services.worker!.command).toEqual(['node', 'bin/folio.js', 'worker']);
    for (const s of [...apis, 'worker']) {
      const build = compose.services[s]!.build!;
      expect(existsSync(join(ROOT, 'deploy/replicas', build.context, build.dockerfile)), s).toBe(true);
    }
    expect(compose.services.haproxy!.volumes).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
  });

  it('runs no worker in the replicas, trusts the one proxy, and pools the app through PgBouncer', () => {
    for (const s of apis) {
      const env = compose.services[s]!.environment!;
      expect(env.FOLIO_WORKER, s).toBe('off');
      expect(env.FOLIO_TRUST_PROXY, s).toBe('true');
      expect(env.DATABASE_URL, s).toMatch(/@pgbouncer:\d+\/folio\?pgbouncer=true$/);
      expect(env.DATABASE_DIRECT_URL, s).toMatch(/@postgres:5432\/folio$/);
      // Docker's kill comes after the drain's grace period.
      expect(Number.parseInt(compose.services[s]!.stop_grace_period!, 10), s).toBeGreaterThan(Number(env.FOLIO_SHUTDOWN_GRACE_S));
    }
    // Only the first replica imports the sample into an empty database.
    expect(apis.map((s) => compose.services[s]!.environment!.FOLIO_SAMPLE)).toEqual([undefined, 'false', 'false']);
  });

  it('sets only variables Folio reads', () => {
    for (const s of [...apis, 'worker']) for (const name of Object.keys(compose.services[s]!.environment!)) expect(known.has(name), `${s}: ${name}`).toBe(true);
  });

  it('balances over exactly the compose replicas, on the port the image listens on, checking /ready', () => {
    const servers = [...cfg.matchAll(/^\s*server (\S+) "\$\{FOLIO_(\w+)-([\w.-]+):(\d+)\}"/gm)].map((m) => ({ name: m[1], env: m[2], host: m[3], port: m[4] }));
    expect(servers).toEqual(apis.map((s) => ({ name: s, env: s.toUpperCase(), host: s, port: '8080' })));
    expect(read('deploy/Dockerfile')).toMatch(/\bPORT=8080\b/);
    expect(cfg).toMatch(/^\s*balance roundrobin$/m);
    expect(cfg).toMatch(/^\s*http-check send meth GET uri \/ready /m);
    expect(cfg).toMatch(/^\s*retry-on .*\bconn-failure\b.*\b503\b/m);
    expect(cfg).toMatch(/^\s*option redispatch/m);
    expect(cfg).toMatch(/^\s*option forwardfor$/m);
  });
});

describe('.env.production.example', () => {
  const text = read('.env.production.example');
  it('lists every variable, each with a comment, and no real secret', () => {
    const lines = text.split('\n');
    for (const name of CONFIG_VARIABLES) {
      const i = lines.findIndex((l) => new RegExp(`^#?\\s*${name}=`).test(l));
      expect(i, `${name} missing`).toBeGreaterThan(0);
      expect(
        lines.slice(Math.max(0, i - 3), i).some((l) => l.startsWith('#') && !/^#\s*\w+=/.test(l)),
        `${name} has no comment`,
      ).toBe(true);
    }
    for (const [, name] of text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)) expect(known.has(name!), `${name} is not a Folio variable`).toBe(true);
  });
});

describe('GitHub Actions workflows', () => {
  const wf = (p: string) =>
    parseYaml(read(p)) as { on: unknown; jobs: Record<string, { 'runs-on': string; steps: Array<{ uses?: string; run?: string }>; needs?: string[] }> };
  it.each(['.github/workflows/ci.yml', '.github/workflows/deploy.yml', '.github/workflows/rollback.yml'])('%s is a valid workflow', (p) => {
    const w = wf(p);
    expect(w.on).toBeDefined();
    for (const [name, job] of Object.entries(w.jobs)) {
      expect(job['runs-on'], name).toBeTruthy();
      expect(job.steps.length, name).toBeGreaterThan(0);
      for (const step of job.steps) {
        expect(Boolean(step.uses) !== Boolean(step.run), `${name}: a step needs uses or run`).toBe(true);
        if (step.uses) expect(step.uses, 'actions are pinned to a version').toMatch(/@v\d+/);
      }
      for (const n of job.needs ?? []) expect(Object.keys(w.jobs)).toContain(n);
    }
  });
  it('deploy runs only after CI passed on a push to main, and deploys the commit CI tested', () => {
    const raw = parseYaml(read('.github/workflows/deploy.yml')) as {
      on: Record<string, unknown>;
      jobs: Record<string, { if?: string; needs?: string[]; steps: Array<{ uses?: string; with?: { ref?: string } }> }>;
    };
    // Not on push: a push deploys before (or without) CI.
    expect(Object.keys(raw.on).sort()).toEqual(['workflow_dispatch', 'workflow_run']);
    expect(raw.on.workflow_run).toEqual({
      workflows: [(parseYaml(read('.github/workflows/ci.yml')) as { name: string }).name],
      types: ['completed'],
      branches: ['main'],
    });
    for (const [name, job] of Object.entries(raw.jobs)) {
      // Each job is gated itself, or needs jobs that are (a skipped need skips it).
      if (!job.needs) expect(job.if, name).toMatch(/github\.event\.workflow_run\.conclusion == 'success'/);
      for (const step of job.steps.filter((st) => st.uses?.startsWith('actions/checkout@'))) {
        expect(step.with?.ref, name).toContain('github.event.workflow_run.head_sha');
      }
    }
  });
  it('CI runs the repository test entry; deploy uses files and scripts that exist', () => {
    expect(JSON.stringify(wf('.github/workflows/ci.yml'))).toContain('.ci/run');
    const deploy = read('.github/workflows/deploy.yml');
    for (const [, file] of deploy.matchAll(/--config (\S+)/g)) expect(existsSync(join(ROOT, file!)), file).toBe(true);
    for (const [, script] of deploy.matchAll(/npm run (?:--silent )?([\w:]+)/g)) expect(pkg.scripts[script!], script).toBeDefined();
    const help = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'doctor', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
  });
});

describe('deploy/modal', () => {
  it.skipIf(spawnSync('python3', ['--version']).status !== 0)('the Modal app is valid Python with proxy auth and scale-to-zero', () => {
    const src = read('deploy/modal/ollama_server.py');
    expect(src).toContain('requires_proxy_auth=True');
    expect(src).toMatch(/scaledown_window=\d+/);
    const r = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', join(ROOT, 'deploy/modal/ollama_server.py')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('the container entrypoint, outside a container', () => {
  it('`node bin/folio.js serve` with the image environment migrates and becomes ready', async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const env: Record<string, string> = {};
    for (const i of dockerInstructions(read('deploy/Dockerfile')).filter((x) => x.stage === 'runtime' && x.op === 'ENV')) {
      for (const [, k, v] of i.args.matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
    }
    const data = await mkdtemp(join(tmpdir(), 'folio-entry-'));
    dirs.push(data);
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/folio.js', 'serve'], {
      cwd: ROOT,
      env: { ...process.env, ...env, FOLIO_DATA_DIR: data, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    try {
      const until = Date.now() + 60_000;
      let status = 0;
      while (Date.now() < until && status !== 200) {
        status = await fetch(`http://127.0.0.1:${port}/ready`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  }, 90_000);
});
