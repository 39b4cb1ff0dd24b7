/** Apache's Include globbing: wildcards in the last (or any) path segment, matches sorted like httpd does. */
import { join } from 'node:path';
import type { FsView } from '../snapshot.js';

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- i < seg.length (loop condition)
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += seg.slice(i, end + 1).replace(/^\[!/, '[^');
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const hasWildcard = (s: string) => /[*?[]/.test(s);

/** Files matching an absolute pattern; a directory (no wildcard) yields every file in it, recursively. */
export function expandInclude(pattern: string, view: FsView): string[] {
  const parts = pattern.split('/');
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- split() always yields at least one part
  let paths = [parts[0] === '' ? '/' : parts[0]!];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const base of paths) {
      if (!hasWildcard(part)) {
        next.push(join(base, part));
        continue;
      }
      const entries = view.state(view.real(base)).entries ?? [];
      const re = segmentRegex(part);
      for (const e of entries) if (re.test(e) && !e.startsWith('.')) next.push(join(base, e));
    }
    paths = next;
  }
  const files: string[] = [];
  const visit = (p: string) => {
    const st = view.state(view.real(p));
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a snapshot state of kind dir always lists its entries
    if (st.kind === 'dir') for (const e of st.entries!) visit(join(p, e));
    else if (st.kind === 'file') files.push(p);
  };
  for (const p of paths) visit(p);
  return files;
}

/** Whether a file at `path` would be read by an Include of `pattern` (a directory pattern: anything below it). */
export function includeCovers(pattern: string, path: string): boolean {
  const pat = pattern.split('/').filter(Boolean);
  const segs = path.split('/').filter(Boolean);
  if (!pat.some(hasWildcard)) return segs.length >= pat.length && pat.every((p, i) => p === segs[i]);
  return segs.length === pat.length && pat.every((p, i) => segmentRegex(p).test(segs[i] ?? ''));
}
