/**
 * The batched stdout logger of `folio serve` and `folio worker`: lines reach stdout within `flushMs` while the
 * process runs, and none is lost when it exits at once (a real child process writing to a real pipe).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOGGER = fileURLToPath(new URL('./logger.ts', import.meta.url));

/** Run a script that imports the logger; resolve each stdout line with the time it arrived. */
function run(body: string): { lines: Array<{ at: number; line: string }>; done: Promise<number | null> } {
  const script = `import { createLogger } from ${JSON.stringify(LOGGER)};\nconst log = createLogger({ level: 'info', format: 'json', flushMs: 100 });\n${body}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = performance.now();
  const lines: Array<{ at: number; line: string }> = [];
  let rest = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) lines.push({ at: performance.now() - started, line });
  });
  return { lines, done: new Promise((resolve) => child.on('close', (code) => resolve(code))) };
}

describe('batched logger', () => {
  it('writes a line within its flush interval while the process keeps running', async () => {
    const { lines, done } = run(`log.info({ n: 1 }, 'first');\nsetTimeout(() => { log.info({ n: 2 }, 'second'); }, 1500);\nsetTimeout(() => {}, 3000);`);
    await expect.poll(() => lines.length, { timeout: 2_500, interval: 20 }).toBe(1);
    expect(JSON.parse(lines[0]!.line)).toMatchObject({ msg: 'first', n: 1 });
    // Long before the process ends (3 s), and before the second line is even logged (1.5 s).
    expect(lines[0]!.at).toBeLessThan(1_500);
    expect(await done).toBe(0);
    expect(lines.map((l) => JSON.parse(l.line).msg)).toEqual(['first', 'second']);
  });

  it('loses nothing when the process exits right after logging', async () => {
    const { lines, done } = run(`for (let i = 0; i < 500; i++) log.info({ i }, 'line');\nprocess.exit(0);`);
    expect(await done).toBe(0);
    expect(lines).toHaveLength(500);
    expect(JSON.parse(lines[499]!.line)).toMatchObject({ i: 499 });
  });
});
