/**
 * One process per data folder. Two processes on one PGlite folder corrupt its files, and two
 * signer processes with one identity and one store would each act as that node. A lock file
 * created exclusively holds the owner's pid and host; a lock whose process is gone (a crash, a
 * SIGKILL) is taken over, one left by a live process refuses the start with a clear error.
 */
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export class DataDirInUse extends Error {
  constructor(dir: string, owner: string) {
    super(`the data folder ${dir} is in use by ${owner}; stop that process first (or delete ${join(dir, LOCK_FILE)} if it is gone)`);
    this.name = 'DataDirInUse';
  }
}

const LOCK_FILE = 'process.lock';

export interface DataDirLock {
  release(): Promise<void>;
}

/** Whether a process with this pid runs on this host (another user's counts as running). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function lockDataDir(dir: string): Promise<DataDirLock> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, LOCK_FILE);
  const me = { pid: process.pid, host: hostname() };
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(path, 'wx', 0o600);
      await file.writeFile(`${JSON.stringify(me)}\n`);
      await file.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Taken again between our removal of a stale lock and our second try.
      if (attempt > 0) throw new DataDirInUse(dir, 'another process');
    }
    let owner: { pid?: unknown; host?: unknown } = {};
    try {
      owner = JSON.parse(await readFile(path, 'utf8')) as typeof owner;
    } catch {
      // unreadable or half-written: its writer died between creating and writing it
    }
    const pid = typeof owner.pid === 'number' && Number.isSafeInteger(owner.pid) && owner.pid > 0 ? owner.pid : undefined;
    if (pid !== undefined && (owner.host !== me.host || running(pid))) throw new DataDirInUse(dir, `process ${pid} on ${String(owner.host)}`);
    await unlink(path).catch(() => undefined);
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await unlink(path).catch(() => undefined);
    },
  };
}

/** Runs a process's start holding its data folder's lock, which a failed start releases. */
export async function startLocked<T>(dir: string, start: (lock: DataDirLock) => Promise<T>): Promise<T> {
  const lock = await lockDataDir(dir);
  try {
    return await start(lock);
  } catch (e) {
    await lock.release();
    throw e;
  }
}
