/**
 * Turns the planner's decisions into effects, over the snapshot only (no disk reads): a config file is edited
 * as a fresh parse of its text (a vhost's block is found there by its position in the loaded parse); a new file
 * gets its missing parent directories; an edited file keeps its mode, owner and group, a new one is 0644;
 * includes go into the main file once; each path is written once, with its last content.
 */
import { dirname } from 'node:path';
import type { Effect } from '../engine.js';
import { textOf } from '../snapshot.js';
import type { ApacheConfig, Vhost } from './config.js';
import { matchLineEndings } from './managed.js';
import { makeText, parseApache, printApache, type BlockNode, type ConfNode } from './parser.js';

/** A config file the plan edited: its text before and after. */
export interface EditedFile {
  path: string;
  before: string;
  after: string;
}

export interface PlanEdits {
  /** the block of a vhost in its file's edited parse */
  blockFor(v: Vhost): BlockNode;
  /** writes a file (its missing parent directories made first) */
  write(path: string, content: string): void;
  /** a symbolic link (its missing parent directories made first) */
  link(path: string, target: string): void;
  /** an IncludeOptional line first or last in the main file, unless the main file already names the path */
  includeFromMain(path: string, top: boolean): void;
  /** an effect that touches no file (a reload, a verification) */
  add(effect: Effect): void;
  /** writes every edited config file, in the order they were first edited */
  writeEdited(): EditedFile[];
  /** the effects so far, one write per path (the last, at the place of the first) */
  effects(): Effect[];
}

export function planEdits(cfg: ApacheConfig): PlanEdits {
  const view = cfg.view;
  const effects: Effect[] = [];
  const editing = new Map<string, { before: string; nodes: ConfNode[] }>();
  const edit = (path: string) => {
    let e = editing.get(path);
    if (!e) {
      const beforeText = cfg.files.get(path)?.text ?? textOf(view.state(path)) ?? '';
      e = { before: beforeText, nodes: parseApache(beforeText) };
      editing.set(path, e);
    }
    return e;
  };
  const made = new Set<string>();
  const parents = (path: string) => {
    const missingDirs: string[] = [];
    for (let p = dirname(path); !view.state(p).exists && !made.has(p); p = dirname(p)) missingDirs.unshift(p);
    for (const p of missingDirs) {
      made.add(p);
      effects.push({ kind: 'mkdir', path: p, mode: 0o755 });
    }
  };
  const write = (path: string, content: string) => {
    const s = view.state(path);
    parents(path);
    effects.push(
      s.kind === 'file'
        ? { kind: 'write', path, content, mode: s.mode, uid: s.uid, gid: s.gid }
        : { kind: 'write', path, content, mode: 0o644 },
    );
  };
  return {
    blockFor: (v) => {
      // the parse is redone, so the block is located by its position in the loaded one
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- every vhost comes from a parsed file of this config
      const original = cfg.files.get(v.file)!;
      return nodeAt(edit(v.file).nodes, indexPath(original.nodes, v.block));
    },
    write,
    link: (path, target) => {
      parents(path);
      effects.push({ kind: 'link', path, target });
    },
    includeFromMain: (path, top) => {
      const main = edit(view.real(cfg.mainFile));
      if (main.before.includes(path)) return;
      const line = makeText([`IncludeOptional ${path}`], '');
      if (top) main.nodes.unshift(line);
      else main.nodes.push(line);
    },
    add: (effect) => effects.push(effect),
    writeEdited: () =>
      [...editing].map(([path, e]) => {
        const after = matchLineEndings(printApache(e.nodes), e.before);
        write(path, after);
        return { path, before: e.before, after };
      }),
    effects: () => lastWriteWins(effects),
  };
}

function indexPath(nodes: ConfNode[], target: BlockNode): number[] {
  for (const [i, n] of nodes.entries()) {
    if (n === target) return [i];
    if (n.kind === 'block') {
      const inner = indexPath(n.children, target);
      if (inner.length) return [i, ...inner];
    }
  }
  return [];
}

function nodeAt(nodes: ConfNode[], path: number[]): BlockNode {
  let list = nodes;
  let node: ConfNode | undefined;
  for (const i of path) {
    node = list[i];
    if (!node || node.kind !== 'block') break;
    list = node.children;
  }
  if (!node || node.kind !== 'block') throw new Error('internal: the vhost block moved between two parses');
  return node;
}

/** One write per path (the last), kept at the position of the first. */
function lastWriteWins(effects: Effect[]): Effect[] {
  const last = new Map<string, Effect>();
  for (const e of effects) if (e.kind === 'write') last.set(e.path, e);
  const seen = new Set<string>();
  const out: Effect[] = [];
  for (const e of effects) {
    if (e.kind !== 'write') out.push(e);
    else if (!seen.has(e.path)) {
      seen.add(e.path);
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- every written path was put in `last` by the loop above
      out.push(last.get(e.path)!);
    }
  }
  return out;
}
