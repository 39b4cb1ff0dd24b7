/**
 * A store-wide lock file holding the owner's pid. A lock whose owner is dead (SIGKILL, power loss) is
 * stale and taken over. Waits up to waitMs, then fails with a clear 'locked' error.
 */
import { link, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CertkitError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryAcquire(path: string): Promise<boolean | 'stale'> {
  // the lock appears with its owner's pid already inside (link is atomic), so nobody ever sees it empty
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const fh = await open(tmp, 'wx', 0o600);
  await fh.writeFile(`${process.pid}\n`);
  await fh.close();
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  if (Number.isFinite(owner) && owner > 0 && (owner === process.pid || alive(owner))) return false;
  // Stale (or half-written by a killed process): move it aside atomically, so only one taker wins.
  const aside = `${path}.stale-${process.pid}`;
  try {
    await rename(path, aside);
    const movedOwner = Number.parseInt(await readFile(aside, 'utf8').catch(() => ''), 10);
    if (movedOwner !== owner && !(Number.isNaN(movedOwner) && Number.isNaN(owner))) {
      await rename(aside, path); // a live owner's fresh lock slipped in: put it back
    } else await rm(aside, { force: true });
  } catch {
    /* someone else took it over first */
  }
  return 'stale';
}

/** Removes the temp files (PATH.<pid>.<rand>, PATH.stale-<pid>) that killed lock takers left beside PATH. */
export async function sweepLockLeftovers(path: string): Promise<void> {
  const base = basename(path);
  for (const e of await readdir(dirname(path)).catch(() => [] as string[])) {
    if (!e.startsWith(`${base}.`)) continue;
    const m = /^(?:stale-)?(\d+)/.exec(e.slice(base.length + 1));
    if (m && !alive(Number(m[1]))) await rm(join(dirname(path), e), { force: true });
  }
}

export interface LockOptions {
  waitMs?: number;
  /** what the lock guards, for the message: "the store", 'renewing "www.example.com"' */
  what?: string;
  now?: () => number;
}

/** Who holds the lock and for how long, in words: "pid 4242, held for 37 s". */
export async function lockHolder(path: string, now = Date.now()): Promise<string> {
  const [text, st] = await Promise.all([
    readFile(path, 'utf8').catch(() => '?'),
    stat(path).catch(() => null),
  ]);
  const age = st ? Math.max(0, Math.round((now - st.mtimeMs) / 1000)) : null;
  return `pid ${text.trim() || '?'}${age === null ? '' : `, held for ${age} s`}`;
}

export async function withLock<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.waitMs ?? 30_000);
  for (;;) {
    const got = await tryAcquire(path);
    if (got === true) break;
    if (got === 'stale') continue; // the dead owner's lock is gone: try again at once
    if (Date.now() > deadline) {
      const holder = await lockHolder(path, (opts.now ?? Date.now)());
      throw new CertkitError(
        'locked',
        `${opts.what ?? 'the store'} is locked by another certkit run (${holder})`,
        `wait for it to finish; if that process is stuck, stop it (the lock is ${path})`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
