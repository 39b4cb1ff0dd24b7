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

/** The text of every managed block with this tag in a file's text (between the markers). */
export function managedText(text: string, tag: string): string {
  const out: string[] = [];
  let inside = false;
  for (const line of text.split('\n')) {
    if (line.trim() === BEGIN(tag)) inside = true;
    else if (line.trim() === END(tag)) inside = false;
    else if (inside) out.push(line);
  }
  return out.join('\n');
}

/**
 * What an earlier run's managed TLS text had that this run's options drop (a re-run's flags replace the recorded
 * ones): said in a note, so HSTS or the password layer never vanish silently.
 */
export function droppedTlsFeatures(
  before: string,
  o: { hsts: boolean; ocspStapling: boolean; basicAuth?: unknown },
): string[] {
  const tls = managedText(before, 'tls');
  const dropped: string[] = [];
  if (!o.hsts && /Strict-Transport-Security/i.test(tls)) dropped.push('HSTS (add --hsts to keep it)');
  if (!o.ocspStapling && /SSLUseStapling\s+on/i.test(tls)) dropped.push('OCSP stapling');
  if (!o.basicAuth && /AuthUserFile/i.test(tls))
    dropped.push('the basic-auth layer (add --basic-auth to keep it)');
  return dropped;
}

/**
 * A file written in CRLF style stays so: the lines certkit adds (or copies next to CRLF lines) take the
 * ending most lines of `reference` have.
 */
export function matchLineEndings(text: string, reference: string = text): string {
  const crlf = (reference.match(/\r\n/g) ?? []).length;
  const lf = (reference.match(/\n/g) ?? []).length;
  if (crlf === 0 || crlf * 2 < lf) return text;
  return text.replace(/\r?\n/g, '\r\n');
}
