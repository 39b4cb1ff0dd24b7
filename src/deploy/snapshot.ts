/**
 * A snapshot of every path a deploy plan may touch, read once by `discover`: bytes, mode, owner, group and
 * mtime of files, targets of symlinks, entries of directories, and "absent" for paths that do not exist yet.
 * Planners read ONLY through a snapshot (`SnapshotView`), so they are pure; the engine re-checks the snapshot
 * before applying and restores exactly what it recorded.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface PathState {
  path: string;
  exists: boolean;
  kind: 'file' | 'dir' | 'symlink' | 'other' | 'absent';
  /** file content (files only) */
  bytes?: Buffer;
  /** symlink target as written (symlinks only) */
  linkTarget?: string;
  /** directory entries, sorted (directories only) */
  entries?: string[];
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
}

export type Snapshot = Map<string, PathState>;

export function absent(path: string): PathState {
  return { path, exists: false, kind: 'absent', mode: 0, uid: 0, gid: 0, mtimeMs: 0 };
}

/** The state of one path on disk now (symlinks are not followed). */
export function readPathState(path: string): PathState {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return absent(path);
    throw err;
  }
  const base = { path, exists: true, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs };
  if (st.isSymbolicLink()) return { ...base, kind: 'symlink', linkTarget: readlinkSync(path) };
  if (st.isDirectory()) return { ...base, kind: 'dir', entries: readdirSync(path).sort() };
  if (st.isFile()) return { ...base, kind: 'file', bytes: readFileSync(path) };
  return { ...base, kind: 'other' };
}

/** Do two states describe the same thing (content, link, mode, owner, group)? mtime is not compared. */
export function sameState(a: PathState, b: PathState): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'absent') return true;
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid) return false;
  if (a.kind === 'file') return !!a.bytes && !!b.bytes && a.bytes.equals(b.bytes);
  if (a.kind === 'symlink') return a.linkTarget === b.linkTarget;
  return true; // directories: their entries may change under us without mattering
}

/**
 * Reads file-system facts through a snapshot. `live(snapshot)` reads the disk and records every answer into
 * the snapshot (that is `discover`); `frozen(snapshot)` answers only from it and fails on a path nobody
 * discovered (a planner bug, never a user's).
 */
export interface FsView {
  state(path: string): PathState;
  /** resolved path through symlinks (like realpath), from recorded link targets */
  real(path: string): string;
}

function viewOver(state: (path: string) => PathState): FsView {
  return {
    state,
    real(path) {
      // follows symlinks of the last component (sites-enabled/x.conf -> ../sites-available/x.conf)
      let p = resolve(path);
      for (let i = 0; i < 40; i++) {
        const s = state(p);
        if (s.kind !== 'symlink') return p;
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a snapshot state of kind symlink always holds its target
        p = resolve(dirname(p), s.linkTarget!);
      }
      return p;
    },
  };
}

export function liveView(snapshot: Snapshot): FsView {
  return viewOver((path) => {
    const p = resolve(path);
    let s = snapshot.get(p);
    if (!s) {
      s = readPathState(p);
      snapshot.set(p, s);
    }
    return s;
  });
}

export function frozenView(snapshot: Snapshot): FsView {
  return viewOver((path) => {
    const p = resolve(path);
    const s = snapshot.get(p);
    if (!s) throw new Error(`internal: the plan reads ${p}, which discovery did not record`);
    return s;
  });
}

/** Records each path, its parent directory, and every missing ancestor up to the first existing one. */
export function discoverPaths(view: FsView, paths: string[]): void {
  for (const path of paths) {
    view.state(path);
    for (let p = dirname(resolve(path)); ; p = dirname(p)) {
      if (view.state(p).exists || dirname(p) === p) break;
    }
  }
}

export function textOf(s: PathState): string | null {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a snapshot state of kind file always holds its bytes
  return s.kind === 'file' ? s.bytes!.toString('utf8') : null;
}
