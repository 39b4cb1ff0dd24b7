/**
 * Asterisk configuration files as the planner sees them: read through a snapshot view (symlinks followed, so a
 * linked config is edited where it lives), parsed, and pjsip.conf gathered with the files it #includes.
 */
import { isAbsolute, join } from 'node:path';
import type { FsView } from '../snapshot.js';
import { parseAsterisk, type AstFile } from './parser.js';

/** A file as discovered (through a snapshot view): its real path, content, mode and owner. */
export interface FileFacts {
  path: string;
  text: string;
  mode: number;
  uid: number;
  gid: number;
}
/** Reads a file's facts; `list` gives a directory's entries (null: not a directory), for #include globs. */
export type ReadFacts = ((path: string) => FileFacts | null) & { list?: (dir: string) => string[] | null };

/** A configuration file the plan may edit: its path, what was read (null: absent) and its parsed form. */
export interface Loaded {
  path: string;
  facts: FileFacts | null;
  file: AstFile;
}

/** Files read through a snapshot view, symlinks followed (a linked config is edited where it lives). */
export function factsReader(view: FsView): ReadFacts {
  const read = (path: string): FileFacts | null => {
    const real = view.real(path);
    const s = view.state(real);
    if (s.kind !== 'file') return null;
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a snapshot state of kind file always holds its bytes
    return { path: real, text: s.bytes!.toString('utf8'), mode: s.mode, uid: s.uid, gid: s.gid };
  };
  const list = (dir: string): string[] | null => {
    const s = view.state(view.real(dir));
    return s.kind === 'dir' ? (s.entries ?? []) : null;
  };
  return Object.assign(read, { list });
}

const GLOB_CHARS = /[*?[{]/;

/** One path component's glob(3) pattern (with GLOB_BRACE) as a regular expression. */
function componentRegex(pattern: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[' && pattern.indexOf(']', i + 2) > 0) {
      const end = pattern.indexOf(']', i + 2);
      const body = pattern
        .slice(i + 1, end)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\');
      re += `[${body}]`;
      i = end;
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^$()|\\[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${re}${')'.repeat(braces)}$`);
}

/**
 * An #include path as Asterisk opens it: a glob (`#include pjsip.d/*.conf`; glob(3) with GLOB_BRACE) gives
 * the matching files, sorted; no match, or no wildcard, gives the path itself. A wildcard does not match a
 * leading dot (editor and backup files like .pjsip.conf.swp stay out, as with glob).
 */
export function expandInclude(path: string, read: ReadFacts): string[] {
  if (!GLOB_CHARS.test(path) || !read.list) return [path];
  const list = read.list;
  let found = [isAbsolute(path) ? '/' : ''];
  let globbed = false;
  for (const part of path.split('/').filter(Boolean)) {
    if (!GLOB_CHARS.test(part)) {
      // after a wildcard, glob keeps only the paths that exist
      found = found
        .filter((dir) => !globbed || (list(dir) ?? []).includes(part))
        .map((dir) => join(dir, part));
      continue;
    }
    globbed = true;
    const re = componentRegex(part);
    found = found.flatMap((dir) =>
      (list(dir) ?? [])
        .filter((e) => re.test(e) && (!e.startsWith('.') || part.startsWith('.')))
        .map((e) => join(dir, e)),
    );
  }
  return found.length ? found.sort() : [path];
}

/** pjsip.conf and the files it #includes (up to 8 levels). */
export function loadWithIncludes(configDir: string, name: string, read: ReadFacts): Loaded[] {
  const out: Loaded[] = [];
  const visit = (path: string, depth: number) => {
    if (depth > 8 || out.some((x) => x.path === path)) return;
    const facts = read(path);
    if (!facts) return;
    const l: Loaded = { path, facts, file: parseAsterisk(facts.text) };
    out.push(l);
    for (const line of [...l.file.preamble, ...l.file.sections.flatMap((s) => s.lines)])
      if (line.kind === 'include' && line.directive !== 'exec')
        for (const p of expandInclude(isAbsolute(line.path) ? line.path : join(configDir, line.path), read))
          visit(p, depth + 1);
  };
  visit(join(configDir, name), 0);
  return out;
}
