/**
 * A real S3-API server process (s3rver) on a free loopback port, in a temp
 * dir, for the S3 storage tests. Credentials are s3rver's fixed pair.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface S3Server {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Stop the process (the data dir stays until `stop`). */
  kill(): Promise<void>;
  /** Start it again on the same port and data dir (for outage tests). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const S3RVER_BIN = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');

async function waitUntilUp(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`s3rver exited with ${child.exitCode}: ${output()}`);
    try {
      await fetch(endpoint);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`s3rver did not start on ${endpoint}: ${output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function startS3Server(bucket = 'folio-test'): Promise<S3Server> {
  const dir = await mkdtemp(join(tmpdir(), 'folio-s3-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let log = '';
  const start = async () => {
    child = spawn(process.execPath, [S3RVER_BIN, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--no-vhost-buckets', '--configure-bucket', bucket], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitUntilUp(endpoint, child, () => log);
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    endpoint,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    kill,
    restart: start,
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
