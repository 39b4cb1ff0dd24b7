/**
 * A store-wide lock file holding the owner's pid and, on Linux, the owner's process start time
 * (/proc/PID/stat field 22). A lock whose owner is dead (SIGKILL, power loss) is stale and taken over; so is
 * one whose pid now belongs to another process (reused after a reboot): its start time differs, or, for a
 * lock without one, its command line is not certkit's. Waits up to waitMs, then fails with a clear 'locked'
 * error.
 */
import { readFileSync } from 'node:fs';
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

/** What a process is, as /proc tells it; null where there is no /proc (the pid check alone then decides). */
export interface ProcessFacts {
  startTime: string | null;
  cmdline: string;
}

export function processFacts(pid: number): ProcessFacts | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    // fields after the command name (which may hold spaces and parentheses): state is field 3, starttime 22
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
    return { startTime, cmdline };
  } catch {
    return null;
  }
}

/** The lock file's content: the pid on the first line (what older certkit wrote), then the start time. */
export function lockContent(pid: number, facts: ProcessFacts | null): string {
  return `${pid}\n${facts?.startTime ? `start=${facts.startTime}\n` : ''}`;
}

export function parseLock(text: string): { pid: number; startTime: string | null } {
  const [first = '', ...rest] = text.split('\n');
  const start = rest.map((l) => /^start=(\d+)$/.exec(l.trim())?.[1]).find(Boolean);
  return { pid: Number.parseInt(first, 10), startTime: start ?? null };
}

/**
 * Whether the recorded holder still holds the lock: a live process that is the one that wrote it (same start
 * time), or, for a lock without a start time, a live process that is certkit at all. A pid reused by an
 * unrelated process (pid 1 after a reboot) does not hold it.
 */
export function holderHolds(
  recorded: { pid: number; startTime: string | null },
  isAlive: boolean,
  facts: ProcessFacts | null,
): boolean {
  if (!isAlive) return false;
  if (!facts) return true;
  if (recorded.startTime) return facts.startTime === recorded.startTime;
  return /certkit/i.test(facts.cmdline);
}

async function tryAcquire(path: string): Promise<boolean | 'stale'> {
  // the lock appears with its owner's pid already inside (link is atomic), so nobody ever sees it empty
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const fh = await open(tmp, 'wx', 0o600);
  await fh.writeFile(lockContent(process.pid, processFacts(process.pid)));
  await fh.close();
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  const recorded = parseLock(await readFile(path, 'utf8').catch(() => ''));
  const owner = recorded.pid;
  if (
    Number.isFinite(owner) &&
    owner > 0 &&
    (owner === process.pid || holderHolds(recorded, alive(owner), processFacts(owner)))
  )
    return false;
  // Stale (or half-written by a killed process): move it aside atomically, so only one taker wins.
  const aside = `${path}.stale-${process.pid}`;
  try {
    await rename(path, aside);
    const movedOwner = parseLock(await readFile(aside, 'utf8').catch(() => '')).pid;
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
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- split() always yields at least one part
  return `pid ${text.split('\n')[0]!.trim() || '?'}${age === null ? '' : `, held for ${age} s`}`;
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
