import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Walks dir (symlinks not followed), giving each entry's description to `record`; unreadable entries skipped. */
function walk(
  dir: string,
  record: (path: string, st: ReturnType<typeof lstatSync> & object) => boolean,
): void {
  const visit = (p: string) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (record(p, st) && st.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
  };
  visit(dir);
}

const describe = (p: string, st: ReturnType<typeof lstatSync> & object): string =>
  st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : readFileSync(p, 'utf8');

/** Every file (content) and symlink (target) under dir: compare two snapshots to prove nothing changed. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  walk(dir, (p, st) => {
    if (!st.isDirectory()) out[p] = describe(p, st);
    return true;
  });
  return out;
}

/**
 * Like snapshot, with each entry's mode, owner and group: a "byte-identical rollback" must also give back
 * 0640 root:asterisk, not 0644 root:root. Directories are listed too, so a directory left behind shows.
 */
export function snapshotWithModes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  walk(dir, (p, st) => {
    const meta = `[${(Number(st.mode) & 0o7777).toString(8)} ${st.uid}:${st.gid}] `;
    out[p] = meta + (st.isDirectory() ? '(directory)' : describe(p, st));
    return true;
  });
  return out;
}
