/**
 * Domain-control-validation data some CAs (Sectigo and its resellers) derive from the DER CSR:
 * an HTTP file /.well-known/pki-validation/<MD5>.txt and a CNAME _<MD5>.<domain> → <SHA-256 split>.sectigo.com.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { getDomain } from 'tldts';

export interface DcvData {
  md5: string;
  sha256: string;
  httpFile: { path: string; content: string };
  /** null for an IP address: no DNS name to put a record under, no mailbox to approve */
  cname: { name: string; target: string } | null;
  approverEmails: string[];
}

/** The registrable domain (one label under its public suffix, from the Public Suffix List). */
export function registrableGuess(domain: string): string {
  const d = domain.replace(/^\*\./, '');
  return getDomain(d, { allowPrivateDomains: true }) ?? d;
}

export function dcvData(csrDer: Buffer, domain: string): DcvData {
  const md5 = createHash('md5').update(csrDer).digest('hex').toUpperCase();
  const sha256 = createHash('sha256').update(csrDer).digest('hex').toUpperCase();
  const base = domain.replace(/^\*\./, '');
  const registrable = registrableGuess(domain);
  const ip = isIP(base) !== 0;
  return {
    md5,
    sha256,
    httpFile: { path: `/.well-known/pki-validation/${md5}.txt`, content: `${sha256}\nsectigo.com\n` },
    cname: ip
      ? null
      : { name: `_${md5}.${base}`, target: `${sha256.slice(0, 32)}.${sha256.slice(32)}.sectigo.com` },
    approverEmails: ip
      ? []
      : ['admin', 'administrator', 'hostmaster', 'postmaster', 'webmaster'].map((u) => `${u}@${registrable}`),
  };
}
