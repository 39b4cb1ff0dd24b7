import type { KeyObject, X509Certificate } from 'node:crypto';
import { signatureAlgorithmOf } from './der.js';
import type { CertFacts, KeyFacts, ParsedCertificate } from './types.js';

const DAY_MS = 86_400_000;

/** node prints distinguished names one attribute per line; we show them comma-separated like openssl. */
export function formatDn(dn: string | undefined): string {
  return (dn ?? '').split('\n').filter(Boolean).join(', ');
}

/**
 * The common name's value as written in the certificate. Node prints names RFC 2253-escaped (`\,` `\<` `\"`):
 * a CN of `Acme, Inc. CA` came out as `Acme\, Inc. CA` in reports and labels. Control characters stay in
 * node's `\1B` form: a certificate's name must never put a terminal escape sequence into a report.
 */
export function commonNameOf(dn: string | undefined): string | null {
  const line = (dn ?? '').split('\n').find((l) => l.startsWith('CN='));
  // node escapes the RFC 2253 specials (none of them a hex digit) with a backslash, control characters as \XX
  return line ? line.slice(3).replace(/\\([^0-9A-Fa-f])/g, '$1') : null;
}

export function notAfterOf(x509: X509Certificate): Date {
  return new Date(x509.validTo);
}

export function notBeforeOf(x509: X509Certificate): Date {
  return new Date(x509.validFrom);
}

export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

export function subjectAltNames(x509: X509Certificate): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const raw of (x509.subjectAltName ?? '').split(/,\s*/)) {
    const entry = raw.replace(/^"|"$/g, '');
    if (entry.startsWith('DNS:')) dnsNames.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) ipAddresses.push(entry.slice(11));
  }
  return { dnsNames, ipAddresses };
}

export function keyFacts(key: KeyObject): KeyFacts {
  const details = key.asymmetricKeyDetails ?? {};
  const type = key.asymmetricKeyType ?? 'unknown';
  if (type === 'rsa' || type === 'rsa-pss') return { type: 'rsa', bits: details.modulusLength };
  if (type === 'ec') {
    const curve = details.namedCurve;
    const bits =
      curve === 'prime256v1' ? 256 : curve === 'secp384r1' ? 384 : curve === 'secp521r1' ? 521 : undefined;
    return { type: 'ec', curve, bits };
  }
  return { type };
}

function accessUrls(infoAccess: string | undefined, method: string): string[] {
  if (!infoAccess) return [];
  return infoAccess
    .split('\n')
    .filter((l) => l.startsWith(`${method} - URI:`))
    .map((l) => l.slice(`${method} - URI:`.length).trim());
}

/** child → parent → verdict. Signature checks are the dearest part of judging a chain: each pair is checked once. */
const signatureCache = new WeakMap<X509Certificate, WeakMap<X509Certificate, boolean>>();

const publicKeys = new WeakMap<X509Certificate, KeyObject>();

/** node builds a new KeyObject on every `.publicKey` read: one per certificate per run. */
function publicKeyOf(x509: X509Certificate): KeyObject {
  let key = publicKeys.get(x509);
  if (!key) publicKeys.set(x509, (key = x509.publicKey));
  return key;
}

/** Has this pair's signature already been checked in this run? (the validator counts only real checks) */
export function hasVerdict(child: X509Certificate, parent: X509Certificate): boolean {
  return signatureCache.get(child)?.has(parent) ?? false;
}

/** The child's signature verifies with the parent's public key (nothing else). Memoised per pair of objects. */
export function verifiesWith(child: X509Certificate, parent: X509Certificate): boolean {
  let byParent = signatureCache.get(child);
  if (!byParent) signatureCache.set(child, (byParent = new WeakMap()));
  let known = byParent.get(parent);
  if (known === undefined) {
    try {
      known = child.verify(publicKeyOf(parent));
    } catch {
      known = false;
    }
    byParent.set(parent, known);
  }
  return known;
}

/** `parent` issued `child` (names, key identifiers, key usage) and its key verifies child's signature. */
export function signedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && verifiesWith(child, parent);
  } catch {
    return false;
  }
}

/**
 * Subject = issuer and the signature verifies with its own key, whatever its extensions say (a self-signed
 * server certificate with cA=FALSE and no keyCertSign is still self-signed; signedBy would refuse it).
 */
export function isSelfSigned(x509: X509Certificate): boolean {
  return x509.subject === x509.issuer && verifiesWith(x509, x509);
}

/** "AB:CD:..." as openssl prints it. node already uses that form. */
export function fingerprintOf(x509: X509Certificate): string {
  return x509.fingerprint256;
}

export function certFacts(cert: ParsedCertificate, now: Date): CertFacts {
  const { x509 } = cert;
  const notAfter = notAfterOf(x509);
  let signatureAlgorithm = 'unknown';
  try {
    signatureAlgorithm = signatureAlgorithmOf(cert.der);
  } catch {
    /* keep unknown */
  }
  return {
    subject: formatDn(x509.subject),
    commonName: commonNameOf(x509.subject),
    issuer: formatDn(x509.issuer),
    issuerCommonName: commonNameOf(x509.issuer),
    serial: x509.serialNumber.toUpperCase(),
    notBefore: notBeforeOf(x509).toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: daysLeft(notAfter, now),
    ...subjectAltNames(x509),
    key: keyFacts(x509.publicKey),
    signatureAlgorithm,
    fingerprintSha256: fingerprintOf(x509),
    isCA: x509.ca,
    selfSigned: isSelfSigned(x509),
    ocspUrls: accessUrls(x509.infoAccess, 'OCSP'),
    caIssuersUrls: accessUrls(x509.infoAccess, 'CA Issuers'),
  };
}
