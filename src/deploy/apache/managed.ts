/**
 * certkit's managed text: the lines between "# BEGIN certkit X" and "# END certkit X". Each run strips the
 * block and writes it again, so a second run changes nothing.
 */
import { makeText, type ConfNode } from './parser.js';

export const BEGIN = (tag: string) => `# BEGIN certkit ${tag}`;
export const END = (tag: string) => `# END certkit ${tag}`;

/** Removes a managed block (the text nodes between its markers) from a node list. */
export function stripManaged(nodes: ConfNode[], tag: string): ConfNode[] {
  const out: ConfNode[] = [];
  let inside = false;
  for (const n of nodes) {
    const raw = n.kind === 'block' ? n.openRaw : n.raw;
    if (n.kind === 'text' && raw.trim() === BEGIN(tag)) inside = true;
    else if (n.kind === 'text' && raw.trim() === END(tag)) inside = false;
    else if (!inside) out.push(n);
  }
  return out;
}

/** A managed block of these lines, at this indent. */
export function managed(tag: string, lines: string[], indent: string): ConfNode[] {
  return [makeText([BEGIN(tag), ...lines, END(tag)], indent)];
}
