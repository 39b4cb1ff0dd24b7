/**
 * Domain-control-validation data some CAs (Sectigo and its resellers) derive from the DER CSR:
 * an HTTP file /.well-known/pki-validation/<MD5>.txt and a CNAME _<MD5>.<domain> → <SHA-256 split>.sectigo.com.
 * The HTTP file cannot validate a wildcard name (CA/B BR 3.2.2.4.18/19): an order with one gets DNS or email only.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { getDomain } from 'tldts';

export interface DcvData {
  md5: string;
  sha256: string;
  /** null when the order has a wildcard name: CAs validate those by DNS (CNAME/TXT) or email only */
  httpFile: { path: string; content: string } | null;
  /** null for an IP address: no DNS name to put a record under, no mailbox to approve */
  cname: { name: string; target: string } | null;
  approverEmails: string[];
}

/** The registrable domain (one label under its public suffix, from the Public Suffix List). */
export function registrableGuess(domain: string): string {
  const d = domain.replace(/^\*\./, '');
  return getDomain(d, { allowPrivateDomains: true }) ?? d;
}

/** The DCV forms for an order of these names (the first is the one validated by CNAME and email). */
export function dcvData(csrDer: Buffer, names: string[]): DcvData {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a CSR order always has at least one name (planCsrOrder refuses none)
  const domain = names[0]!;
  const md5 = createHash('md5').update(csrDer).digest('hex').toUpperCase();
  const sha256 = createHash('sha256').update(csrDer).digest('hex').toUpperCase();
  const base = domain.replace(/^\*\./, '');
  const registrable = registrableGuess(domain);
  const ip = isIP(base) !== 0;
  return {
    md5,
    sha256,
    httpFile: names.some((n) => n.startsWith('*.'))
      ? null
      : { path: `/.well-known/pki-validation/${md5}.txt`, content: `${sha256}\nsectigo.com\n` },
    cname: ip
      ? null
      : { name: `_${md5}.${base}`, target: `${sha256.slice(0, 32)}.${sha256.slice(32)}.sectigo.com` },
    approverEmails: ip
      ? []
      : ['admin', 'administrator', 'hostmaster', 'postmaster', 'webmaster'].map((u) => `${u}@${registrable}`),
  };
}
