/**
 * Which certificate of the given files an import puts live, and whether it may go live at all. The certificates,
 * the keys, the time and the pending-order lookup come in; a refusal is a CertkitError (exit 2).
 */
import type { KeyObject } from 'node:crypto';
import { CertkitError } from '../errors.js';
import {
  commonNameOf,
  formatDn,
  isSelfSigned,
  notAfterOf,
  notBeforeOf,
  subjectAltNames,
} from '../pki/facts.js';
import { keyMatchesCertificate } from '../pki/keys.js';
import { KU, parseCertificate } from '../pki/path/cert.js';
import type { ParsedCertificate } from '../pki/types.js';

/** A certificate as a user knows it: its names, else its subject. */
export function leafLabel(c: ParsedCertificate): string {
  const { dnsNames, ipAddresses } = subjectAltNames(c.x509);
  const names = [...dnsNames, ...ipAddresses];
  if (names.length) return names.join(' + ');
  return commonNameOf(c.x509.subject) ?? (formatDn(c.x509.subject) || '(empty subject)');
}

/**
 * The end-entity certificate to import when the files hold several: the one a given key belongs to, else the one
 * a pending order's key belongs to (`hasPendingOrder`, asked only when no key decides). None or several: refused,
 * naming the certificates found.
 */
export async function chooseLeaf(
  leaves: ParsedCertificate[],
  keys: KeyObject[],
  hasPendingOrder: (c: ParsedCertificate) => Promise<boolean>,
): Promise<ParsedCertificate | undefined> {
  if (leaves.length < 2) return leaves[0];
  const byKey = leaves.filter((c) => keys.some((k) => keyMatchesCertificate(k, c.x509)));
  if (byKey.length === 1) return byKey[0];
  const byOrder: ParsedCertificate[] = [];
  for (const c of leaves) if (await hasPendingOrder(c)) byOrder.push(c);
  if (byOrder.length === 1) return byOrder[0];
  const why =
    byKey.length > 1
      ? `the key matches ${byKey.length} of them`
      : keys.length > 0
        ? 'the key matches none of them'
        : 'no key says which one to import';
  throw new CertkitError(
    'input',
    `the given files hold ${leaves.length} server certificates (${leaves.map(leafLabel).join(', ')}) and ${why}`,
    'give the key of the one to import with --key, or only that certificate; nothing was imported',
  );
}

/**
 * A CA certificate goes in a chain, never live as a server's: an intermediate or a root (cA=TRUE and, when
 * self-signed, keyCertSign). A self-signed cA=TRUE certificate without keyUsage is what `openssl req -x509` makes
 * for a server by default: it is let in.
 */
function isCaCertificate(c: ParsedCertificate): boolean {
  if (!c.x509.ca) return false;
  if (!isSelfSigned(c.x509)) return true;
  const ku = parseCertificate(c.der, c.x509).keyUsage;
  return !!ku && (ku.bits & KU.keyCertSign) !== 0;
}

/** Why this leaf must not go live at `now` (CA, expired, not yet valid unless `force`), or null. */
export function leafRefusal(leaf: ParsedCertificate, now: Date, force: boolean): CertkitError | null {
  if (isCaCertificate(leaf))
    return new CertkitError(
      'input',
      `"${formatDn(leaf.x509.subject)}" is a CA certificate, not a server certificate`,
      "give the server's own certificate (with --chain for the CA's); nothing was imported",
    );
  const notAfter = notAfterOf(leaf.x509);
  if (notAfter.getTime() <= now.getTime())
    return new CertkitError(
      'policy',
      `the certificate expired on ${notAfter.toISOString()}`,
      'ask the CA to reissue it; nothing was imported',
    );
  const notBefore = notBeforeOf(leaf.x509);
  if (notBefore.getTime() > now.getTime() && !force)
    return new CertkitError(
      'policy',
      `the certificate is not valid until ${notBefore.toISOString()}: clients would refuse it until then`,
      "import it then (or check this machine's clock); --force puts it live anyway; nothing was imported",
    );
  return null;
}
