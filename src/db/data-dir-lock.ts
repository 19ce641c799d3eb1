import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FolioError } from '../errors.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take an exclusive lock file in the embedded data directory; returns its release.
 * A lock left by a dead process is taken over.
 */
export function acquireDataDirLock(dir: string): () => void {
  const file = join(dir, 'folio.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
        process.off('exit', release);
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) {
        throw new FolioError(
          'conflict:database',
          `Another Folio process (pid ${pid}) has the embedded database in ${dir} open. ` +
            'Stop it first (the embedded database is single-process), or use DATABASE_URL with PostgreSQL to run several processes.',
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new FolioError('conflict:database', `Could not lock the embedded database in ${dir}.`);
}
