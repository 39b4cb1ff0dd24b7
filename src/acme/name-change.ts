/**
 * How the names of a `request` compare with the names its lineage covers now. Adding names (expanding) is
 * said in one line; dropping names is refused unless asked for (--replace-names): a server still serving a
 * dropped name would get a name mismatch after the next deploy. Renewals reuse the recorded names. Pure.
 */
import { isIP } from 'node:net';
import { CertkitError } from '../errors.js';

export interface NameChange {
  /** what the lineage covers now (recorded and live names), in their order */
  current: string[];
  added: string[];
  dropped: string[];
}

/** One spelling per name: lower case; an IPv6 address in its compressed form (as a certificate may differ). */
function canonical(name: string): string {
  return isIP(name) === 6 ? new URL(`http://[${name}]`).hostname.slice(1, -1) : name.toLowerCase();
}

export function compareNames(current: string[], requested: string[]): NameChange {
  const now = [...new Set(current.map(canonical))];
  const wanted = new Set(requested.map(canonical));
  return {
    current: now,
    added: now.length ? requested.filter((n) => !now.includes(canonical(n))) : [],
    dropped: now.filter((n) => !wanted.has(n)),
  };
}

const list = (names: string[]) => names.join(', ');

/** The refusal: which names would be dropped, and the three ways forward. */
export function droppedNamesError(lineage: string, change: NameChange): CertkitError {
  const them = change.dropped.length === 1 ? 'it' : 'them';
  return new CertkitError(
    'usage',
    `"${lineage}" also covers ${list(change.dropped)}, which this request leaves out: its next certificate would drop ${them}; nothing was ordered`,
    `add ${list(change.dropped)} to the names, give --name OTHER for a separate lineage, or --replace-names to drop ${them}`,
  );
}

/** The one line said when the names change (null when they do not): added, and dropped with --replace-names. */
export function nameChangeLine(lineage: string, change: NameChange): string | null {
  const parts = [
    change.added.length && `adding ${list(change.added)}`,
    change.dropped.length && `dropping ${list(change.dropped)} (--replace-names)`,
  ].filter(Boolean);
  if (!parts.length) return null;
  return `"${lineage}" covers ${list(change.current)}: ${parts.join(' and ')}`;
}
