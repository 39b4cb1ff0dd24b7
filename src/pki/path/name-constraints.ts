/**
 * RFC 5280 §4.2.1.10 name constraints, applied by each CA (the anchor included) to every certificate below
 * it: DNS, IP, e-mail, URI and directory names, in the subjectAltName and in the subject. A constraint of
 * a kind that can't be compared rejects names of that kind. The work is bounded (a CA with thousands of
 * constraints over a leaf with thousands of names is a known denial-of-service shape).
 */
import type { CertInfo, NameConstraints } from './cert.js';
import type { GeneralName } from './general-names.js';
import { normaliseDnsName } from './hostname.js';
import { OIDS } from './oids.js';

export class ConstraintBudgetExceeded extends Error {}

/** A problem with the constraints themselves (an invalid entry), or null. */
export function invalidConstraint(nc: NameConstraints): string | null {
  if (nc.unsupported) return 'a subtree sets minimum/maximum';
  for (const c of [...nc.permitted, ...nc.excluded]) {
    if (c.kind === 'dns' && c.value !== '' && !normaliseDnsName(c.value))
      return `"${c.value}" is not a valid DNS constraint`;
    if (c.kind === 'ip') {
      const half = c.bytes.length / 2;
      const mask = c.bytes.subarray(half);
      const bits = [...mask].map((b) => b.toString(2).padStart(8, '0')).join('');
      if (/01/.test(bits)) return `IP constraint ${c.value} has a non-contiguous mask`;
      const addr = c.bytes.subarray(0, half);
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- mask and addr are the two halves of the same constraint: same length
      if (addr.some((b, i) => (b & ~mask[i]!) !== 0)) return `IP constraint ${c.value} has host bits set`;
    }
  }
  return null;
}

function dnsWithin(name: string, constraint: string): boolean {
  const c = constraint.toLowerCase().replace(/\.$/, '');
  return c === '' || name === c || name.endsWith(`.${c}`);
}

function dnsMatches(sanValue: string, constraint: string, excluded: boolean): boolean {
  const v = sanValue.toLowerCase();
  if (v.startsWith('*.')) {
    const base = v.slice(2);
    if (dnsWithin(base, constraint)) return true;
    // a wildcard may cover an excluded name below it
    return excluded && constraint.toLowerCase().endsWith(`.${base}`);
  }
  return dnsWithin(v, constraint);
}

function ipMatches(addr: Buffer, constraint: Buffer): boolean {
  const half = constraint.length / 2;
  if (addr.length !== half) return false;
  for (let i = 0; i < half; i++) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- i < half, and constraint has 2*half bytes
    const m = constraint[half + i]!;
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- i < half = addr.length (checked above) = half the constraint
    if ((addr[i]! & m) !== (constraint[i]! & m)) return false;
  }
  return true;
}

function emailMatches(mail: string, c: string): boolean {
  const at = mail.lastIndexOf('@');
  const host = mail.slice(at + 1).toLowerCase();
  const lc = c.toLowerCase();
  if (lc.includes('@')) return mail.toLowerCase() === lc;
  if (lc.startsWith('.')) return host.endsWith(lc);
  return host === lc;
}

function uriHost(uri: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(uri);
  return (m?.[1] ?? '').toLowerCase();
}

function dnPrefix(rdns: Buffer[], prefix: Buffer[]): boolean {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- prefix.length <= rdns.length (checked in the same condition)
  return prefix.length <= rdns.length && prefix.every((r, i) => r.equals(rdns[i]!));
}

function matches(name: GeneralName, c: GeneralName, excluded: boolean): boolean {
  if (name.kind !== c.kind) return false;
  switch (name.kind) {
    case 'dns':
      return dnsMatches(name.value, c.value, excluded);
    case 'ip':
      return c.kind === 'ip' && ipMatches(name.bytes, c.bytes);
    case 'email':
      return emailMatches(name.value, c.value);
    case 'uri': {
      const host = uriHost(name.value);
      return c.value.startsWith('.') ? host.endsWith(c.value.toLowerCase()) : host === c.value.toLowerCase();
    }
    case 'dn':
      return c.kind === 'dn' && dnPrefix(name.rdns, c.rdns);
    case 'other':
      // not comparable: an excluded constraint of this kind excludes, a permitted one doesn't permit
      return c.kind === 'other' && c.tag === name.tag && excluded;
  }
}

/** The names of a certificate that constraints apply to. */
export function constrainedNames(cert: CertInfo): GeneralName[] {
  const names: GeneralName[] = [...(cert.san?.names ?? [])];
  if (!cert.subjectEmpty) names.push({ kind: 'dn', value: 'subject', rdns: cert.subjectRdns });
  for (const a of cert.subjectAttrs) {
    if (a.oid === OIDS.emailAddress) names.push({ kind: 'email', value: a.value });
    // without a SAN, a host-name-shaped CN is what old clients would match: constrain it too
    if (!cert.san && a.oid === OIDS.commonName && normaliseDnsName(a.value)?.includes('.'))
      names.push({ kind: 'dns', value: a.value });
  }
  return names;
}

export interface Budget {
  left: number;
}

/** The first name of `names` that `nc` refuses, with why; null when all are allowed. */
export function refusedName(names: GeneralName[], nc: NameConstraints, budget: Budget): string | null {
  budget.left -= names.length * (nc.permitted.length + nc.excluded.length);
  if (budget.left < 0) throw new ConstraintBudgetExceeded('too many names x constraints to check');
  for (const n of names) {
    const label = n.kind === 'dn' ? 'the subject name' : `${n.kind.toUpperCase()}:${n.value}`;
    const ex = nc.excluded.find((c) => matches(n, c, true));
    if (ex) return `${label} is excluded (${ex.kind.toUpperCase()}:${ex.value})`;
    const permittedOfKind = nc.permitted.filter(
      (c) => c.kind === n.kind && (c.kind !== 'other' || n.kind !== 'other' || c.tag === n.tag),
    );
    if (permittedOfKind.length > 0 && !permittedOfKind.some((c) => matches(n, c, false))) {
      if (n.kind === 'other') return `${label} can't be checked against the permitted subtrees`;
      return `${label} is outside the permitted ${n.kind.toUpperCase()} subtrees`;
    }
  }
  return null;
}
