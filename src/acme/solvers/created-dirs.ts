/**
 * Directories a solver creates for challenge files (e.g. DOCROOT/.well-known/acme-challenge/), remembered so
 * that cleanup removes exactly those again, and only when empty: a directory that was there before, or that
 * holds anything else by then, stays.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/** mkdir -p that appends each directory it created (parents first) to created. */
export async function mkdirs(dir: string, created: string[]): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = join(d, '..')) missing.unshift(d);
  for (const d of missing) {
    try {
      await mkdir(d, { mode: 0o755 });
    } catch (err) {
      // another solver of this run (renewals run concurrently) made it first: theirs to remove, not ours
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    await chmod(d, 0o755); // umask-proof: the web server's user must traverse it
    created.push(d);
  }
}

/** Removes the directories mkdirs created, deepest first, each only if empty; empties the list. */
export async function removeCreated(created: string[]): Promise<void> {
  for (const d of [...created].reverse()) await rmdir(d).catch(() => {}); // only if empty
  created.length = 0;
}
