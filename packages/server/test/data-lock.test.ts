import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirInUse, lockDataDir, startLocked } from '../src/data-lock.js';

const folder = () => mkdtempSync(join(tmpdir(), 'mpc-lock-'));

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('data folder lock', () => {
  it('holds a folder for one process until released', async () => {
    const dir = folder();
    const lock = await lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, 'process.lock'), 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
    await expect(lockDataDir(dir)).rejects.toThrow(DataDirInUse);
    await expect(lockDataDir(dir)).rejects.toThrow(`in use by process ${process.pid}`);
    await lock.release();
    await lock.release();
    await (await lockDataDir(dir)).release();
  });

  it('takes over the lock of a process that is gone, or a half-written one', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'process.lock'), JSON.stringify({ pid: deadPid(), host: hostname() }));
    const lock = await lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, 'process.lock'), 'utf8')).pid).toBe(process.pid);
    await lock.release();
    writeFileSync(join(dir, 'process.lock'), '{"pid":');
    await (await lockDataDir(dir)).release();
  });

  it("refuses a lock held on another host (its process cannot be checked from here)", async () => {
    const dir = folder();
    writeFileSync(join(dir, 'process.lock'), JSON.stringify({ pid: deadPid(), host: `${hostname()}-elsewhere` }));
    await expect(lockDataDir(dir)).rejects.toThrow(DataDirInUse);
  });

  it('a start that fails releases the folder; one that succeeds keeps it', async () => {
    const dir = folder();
    await expect(startLocked(dir, () => Promise.reject(new Error('port in use')))).rejects.toThrow('port in use');
    const lock = await startLocked(dir, async (l) => l);
    await expect(lockDataDir(dir)).rejects.toThrow(DataDirInUse);
    await lock.release();
  });
});
