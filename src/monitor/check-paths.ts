/**
 * A path target expanded into units: a file is one unit; a directory is walked (links to directories
 * followed, each real directory once), every certificate file a unit, backups, special files and link loops
 * recorded as skipped. Every problem (a path gone, a directory unreadable) becomes a unit of its own.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckReport } from './types.js';
import { fileUnit } from './check-file.js';
import { failedUnit, readFailure, type CheckOptions, type Unit } from './check-unit.js';

const SKIP_NAME = /(~|\.bak|\.orig|\.old|\.dpkg-(old|dist|new)|\.rpmnew|\.rpmsave|\.swp)$/i;

const SPECIAL_FILE: [keyof Dirent, string][] = [
  ['isFIFO', 'a named pipe (FIFO), not a file'],
  ['isSocket', 'a socket, not a file'],
  ['isCharacterDevice', 'a device, not a file'],
  ['isBlockDevice', 'a device, not a file'],
];

/** Files and directories: every problem becomes a unit of its own (a finding), the rest is still checked. */
export async function pathUnits(
  path: string,
  o: CheckOptions,
  skipped: CheckReport['skipped'],
): Promise<Unit[]> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    return [failedUnit(path, 'file', readFailure(path, err), o)];
  }
  if (!st.isDirectory()) return [fileUnit(path, o, skipped)];
  const units: Unit[] = [];
  // links to directories are followed (a store's or certbot's live/ is a directory of links to version
  // directories); each real directory is read once, so a link loop or two links to one place end there
  const seen = new Set<string>();
  const walk = async (dir: string) => {
    const real = await realpath(dir).catch(() => dir);
    if (seen.has(real)) {
      skipped.push({ path: dir, reason: `the same directory as ${real}, already checked` });
      return;
    }
    seen.add(real);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      units.push(failedUnit(dir, 'file', readFailure(dir, err), o));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const listing = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      const p = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = await stat(p).catch((err: NodeJS.ErrnoException) => err);
        if (target instanceof Error) {
          const loop = target.code === 'ELOOP';
          if (loop) skipped.push({ path: p, reason: 'a link loop' });
          else units.push(failedUnit(p, 'file', readFailure(p, { code: 'ENOENT' }), o));
          continue;
        }
        isFile = target.isFile();
        isDir = target.isDirectory();
      }
      if (isDir) await walk(p);
      else if (SKIP_NAME.test(e.name)) skipped.push({ path: p, reason: 'a backup file' });
      else if (isFile) {
        units.push(fileUnit(p, o, skipped, listing));
      } else {
        const special = SPECIAL_FILE.find(([is]) => (e[is] as () => boolean).call(e));
        skipped.push({ path: p, reason: special?.[1] ?? 'not a regular file' });
      }
    }
  };
  await walk(path);
  return units;
}
