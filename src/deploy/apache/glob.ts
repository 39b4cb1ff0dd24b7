/** Apache's Include globbing: wildcards in the last (or any) path segment, matches sorted like httpd does. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
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
export function expandInclude(pattern: string): string[] {
  const parts = pattern.split('/');
  let paths = [parts[0] === '' ? '/' : parts[0]!];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const base of paths) {
      if (!hasWildcard(part)) {
        next.push(join(base, part));
        continue;
      }
      let entries: string[] = [];
      try {
        entries = readdirSync(base).sort();
      } catch {
        continue;
      }
      const re = segmentRegex(part);
      for (const e of entries) if (re.test(e) && !e.startsWith('.')) next.push(join(base, e));
    }
    paths = next;
  }
  const files: string[] = [];
  const visit = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) visit(join(p, e));
    else files.push(p);
  };
  for (const p of paths) visit(p);
  return files;
}
