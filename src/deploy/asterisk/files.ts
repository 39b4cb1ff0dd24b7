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
export type ReadFacts = (path: string) => FileFacts | null;

/** A configuration file the plan may edit: its path, what was read (null: absent) and its parsed form. */
export interface Loaded {
  path: string;
  facts: FileFacts | null;
  file: AstFile;
}

/** Files read through a snapshot view, symlinks followed (a linked config is edited where it lives). */
export function factsReader(view: FsView): ReadFacts {
  return (path) => {
    const real = view.real(path);
    const s = view.state(real);
    if (s.kind !== 'file') return null;
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a snapshot state of kind file always holds its bytes
    return { path: real, text: s.bytes!.toString('utf8'), mode: s.mode, uid: s.uid, gid: s.gid };
  };
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
        visit(isAbsolute(line.path) ? line.path : join(configDir, line.path), depth + 1);
  };
  visit(join(configDir, name), 0);
  return out;
}
