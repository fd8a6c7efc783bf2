/**
 * One process per embedded database: PGlite keeps its data in a folder that two processes must never open at
 * once. The lock is a file holding the owner's pid; a lock left by a process that no longer runs is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock on `dir`; returns the function that releases it. Throws if a live process holds it. */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'comity.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && alive(owner) && owner !== process.pid)
        throw new Error(`the data folder ${dir} is in use by process ${owner}; stop it first`);
      if (owner === process.pid) throw new Error(`the data folder ${dir} is already open in this process`);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot lock the data folder ${dir}`);
}
