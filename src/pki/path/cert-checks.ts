/**
 * Rules about one certificate in its place in a path (leaf, intermediate or anchor): RFC 5280 §4 profile
 * plus the CA/B Forum Web PKI profile. Pure: the validation time comes in.
 */
import { isIP } from 'node:net';
import type { CertInfo } from './cert.js';
import { KU, describe } from './cert.js';
import { ipText } from './general-names.js';
import { normaliseDnsName } from './hostname.js';
import { invalidConstraint } from './name-constraints.js';
import { OIDS, STRONG_SIGNATURES, UNDERSTOOD_CRITICAL } from './oids.js';
import type { Problem, Purpose } from './types.js';

/**
 * 'anchor' is a root from a public (system) store, held to the CA/B root profile (no EKU, AKI only its own
 * key id); 'private-anchor' is one the user trusts by hand (--ca-file), held to RFC 5280 only: an EKU on it
 * must allow the purpose, as on an intermediate (Pebble's root, many in-house roots, carry one).
 */
export type Role = 'leaf' | 'intermediate' | 'anchor' | 'private-anchor';
const isAnchor = (role: Role) => role === 'anchor' || role === 'private-anchor';

const EKU_FOR: Record<Purpose, string> = { server: OIDS.serverAuth, client: OIDS.clientAuth };

/** Time compared at whole seconds: certificates carry no fractions. */
export function wholeSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000) * 1000;
}

function keyProblem(c: CertInfo): string | null {
  if (c.spkiAlgOid === OIDS.dsa) return 'DSA keys are not allowed';
  if (c.spkiAlgOid === OIDS.ecPublicKey) {
    if (!c.spkiCurve) return 'the EC key uses explicit curve parameters';
    if (![OIDS.p256, OIDS.p384, OIDS.p521].includes(c.spkiCurve as never))
      return `EC curve ${c.spkiCurve} is not P-256, P-384 or P-521`;
    return null;
  }
  if (c.spkiAlgOid === OIDS.rsaEncryption || c.spkiAlgOid === OIDS.rsaPss) {
    const bits = c.x509?.publicKey.asymmetricKeyDetails?.modulusLength;
    if (!bits) return 'the RSA key cannot be read';
    if (bits < 2048) return `RSA ${bits}-bit key (at least 2048)`;
    if (bits % 8 !== 0) return `RSA ${bits}-bit key (not a multiple of 8)`;
    return null;
  }
  if (c.spkiAlgOid === OIDS.ed25519 || c.spkiAlgOid === OIDS.ed448) return null;
  return `unknown key algorithm ${c.spkiAlgOid}`;
}

function structural(c: CertInfo, role: Role): string[] {
  const out = [...c.malformed];
  if (c.version !== 3) out.push(`version ${c.version} certificate (only v3 is allowed)`);
  if (c.duplicateExtensions) out.push('an extension appears twice');
  if (!c.tbsSigAlg.equals(c.outerSigAlg))
    out.push('the signature algorithm differs inside and outside the signed part');
  const s = c.serial;
  if (isAnchor(role)) {
    /* an anchor is trusted as configured: its serial is its owner's business */
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- s.length > 0 (checked in the same condition)
  } else if (s.length === 0 || s[0]! & 0x80) out.push('the serial number is negative');
  else if (s.every((b) => b === 0)) out.push('the serial number is zero');
  else if (s.length - (s[0] === 0 ? 1 : 0) > 20) out.push('the serial number is longer than 20 octets');
  if (c.issuerEmpty) out.push('the issuer name is empty');
  if (c.ski?.critical) out.push('subjectKeyIdentifier is marked critical');
  if (c.aki?.critical) out.push('authorityKeyIdentifier is marked critical');
  const aia = c.extensions.find((e) => e.oid === OIDS.authorityInfoAccess);
  if (aia?.critical) out.push('authorityInfoAccess is marked critical');
  const pc = c.extensions.find((e) => e.oid === OIDS.policyConstraints);
  if (pc && !pc.critical) out.push('policyConstraints is not marked critical');
  if (c.san) {
    if (c.subjectEmpty && !c.san.critical) out.push('empty subject with a non-critical subjectAltName');
    if (!c.subjectEmpty && c.san.critical && role === 'leaf')
      out.push('subjectAltName is critical although the subject is not empty');
  } else if (c.subjectEmpty && !isAnchor(role)) out.push('empty subject and no subjectAltName');
  if (!c.selfIssued && !c.aki?.keyId && !isAnchor(role)) out.push('no authorityKeyIdentifier');
  return out;
}

function caProblems(c: CertInfo, role: Role): Problem[] {
  const p: Problem[] = [];
  const bc = c.basicConstraints;
  if (!bc || !bc.ca)
    p.push({ id: 'not-a-ca', message: `"${describe(c)}" is not a CA (basicConstraints cA is not set)` });
  else if (!bc.critical)
    p.push({ id: 'not-a-ca', message: `"${describe(c)}": basicConstraints is not marked critical` });
  if (c.keyUsage && !(c.keyUsage.bits & KU.keyCertSign))
    p.push({
      id: 'not-a-ca',
      message: `"${describe(c)}" may not sign certificates (keyUsage lacks keyCertSign)`,
    });
  if (!c.ski) p.push({ id: 'malformed', message: `CA "${describe(c)}" has no subjectKeyIdentifier` });
  if (c.subjectEmpty) p.push({ id: 'malformed', message: 'a CA certificate has an empty subject' });
  if (c.nameConstraints) {
    const bad = invalidConstraint(c.nameConstraints);
    if (bad) p.push({ id: 'name-constraints', message: `"${describe(c)}": ${bad}` });
    if (!c.nameConstraints.critical)
      p.push({ id: 'name-constraints', message: `"${describe(c)}": nameConstraints is not marked critical` });
  }
  if (role === 'anchor' && c.selfIssued) {
    if (c.extKeyUsage)
      p.push({ id: 'wrong-purpose', message: `root "${describe(c)}" carries an extendedKeyUsage` });
    const a = c.aki;
    if (a && (!a.keyId || a.hasIssuer || a.hasSerial || (c.ski && a.keyId !== c.ski.id)))
      p.push({
        id: 'malformed',
        message: `root "${describe(c)}": authorityKeyIdentifier is not its own key id`,
      });
  }
  return p;
}

function leafProblems(c: CertInfo, purpose: Purpose): Problem[] {
  const p: Problem[] = [];
  if (c.basicConstraints?.ca)
    p.push({
      id: 'wrong-purpose',
      message: 'the certificate is a CA certificate, not one for a server or client',
    });
  if (c.nameConstraints)
    p.push({ id: 'malformed', message: 'an end-entity certificate carries nameConstraints' });
  const eku = c.extKeyUsage;
  const want = EKU_FOR[purpose];
  if (!eku) p.push({ id: 'wrong-purpose', message: `no extendedKeyUsage (${purpose}Auth is required)` });
  else if (eku.critical) p.push({ id: 'wrong-purpose', message: 'extendedKeyUsage is marked critical' });
  else if (eku.oids.includes(OIDS.anyExtendedKeyUsage))
    p.push({ id: 'wrong-purpose', message: 'extendedKeyUsage contains anyExtendedKeyUsage' });
  else if (!eku.oids.includes(want))
    p.push({
      id: 'wrong-purpose',
      message: `extendedKeyUsage ${eku.oids.map(OIDS.nameOf).join(', ') || '(empty)'} does not allow ${purpose}Auth`,
    });
  p.push(...sanShapeProblems(c));
  return p;
}

/**
 * SAN names must be well-formed. BR 7.1.4.3 wants the CN to be a character-for-character copy of a SAN
 * entry; many private CAs ignore that harmlessly, so only a CN that is a botched copy is refused: an IP
 * address in another spelling, a name differing only in case, or an internationalised name in another form.
 */
function sanShapeProblems(c: CertInfo): Problem[] {
  const p: Problem[] = [];
  const san = c.san?.names ?? [];
  for (const n of san)
    if (n.kind === 'dns' && !normaliseDnsName(n.value.startsWith('*.') ? n.value.slice(2) : n.value))
      p.push({ id: 'malformed', message: `subjectAltName holds a malformed DNS name "${n.value}"` });
  const texts = san.map((n) => (n.kind === 'ip' ? ipText(n.bytes) : n.value));
  for (const a of c.subjectAttrs) {
    if (a.oid !== OIDS.commonName || texts.includes(a.value)) continue;
    const cn = a.value;
    const botched =
      looseIp(cn) ||
      texts.some((t) => t.toLowerCase() === cn.toLowerCase()) ||
      /[^\x00-\x7f]|(^|\.)xn--/i.test(cn);
    if (botched)
      p.push({ id: 'malformed', message: `the CN "${cn}" is not a copy of a subjectAltName entry` });
  }
  return p;
}

/** An IPv4 address in any spelling inet_aton accepts (hex, octal, leading zeros) or any IPv6 text. */
function looseIp(s: string): boolean {
  if (isIP(s) === 6) return true;
  const parts = s.split('.');
  return (
    parts.length >= 1 &&
    parts.length <= 4 &&
    parts.every((x) => /^(0x[0-9a-f]+|\d+)$/i.test(x)) &&
    /[.x]/i.test(s)
  );
}

/** Every problem of certificate `c` in role `role`, at time `at`. */
export function certProblems(c: CertInfo, role: Role, at: Date, purpose: Purpose): Problem[] {
  const p: Problem[] = structural(c, role).map((message) => ({ id: 'malformed' as const, message }));
  const t = wholeSeconds(at);
  const who = role === 'leaf' ? 'the certificate' : `"${describe(c)}"`;
  if (t > c.notAfter.getTime())
    p.push({ id: 'expired', message: `${who} expired ${c.notAfter.toISOString()}` });
  if (t < c.notBefore.getTime())
    p.push({ id: 'not-yet-valid', message: `${who} is not valid before ${c.notBefore.toISOString()}` });
  for (const e of c.extensions)
    if (e.critical && !UNDERSTOOD_CRITICAL.has(e.oid))
      p.push({
        id: 'critical-extension',
        message: `${who} has an unknown critical extension ${OIDS.nameOf(e.oid)}`,
      });
  const key = keyProblem(c);
  if (key) p.push({ id: 'weak-key', message: `${who}: ${key}` });
  if (!isAnchor(role) && !STRONG_SIGNATURES.has(c.signatureOid))
    p.push({ id: 'weak-signature', message: `${who} is signed with ${OIDS.nameOf(c.signatureOid)}` });
  const bc = c.basicConstraints;
  if (c.keyUsage && c.keyUsage.bits & KU.keyCertSign && !bc?.ca)
    p.push({ id: 'malformed', message: `${who} asserts keyCertSign without being a CA` });
  if (bc?.pathLen !== undefined && (!bc.ca || (c.keyUsage && !(c.keyUsage.bits & KU.keyCertSign))))
    p.push({
      id: 'malformed',
      message: `${who} sets pathLenConstraint without being a certificate-signing CA`,
    });
  if (role === 'leaf') p.push(...leafProblems(c, purpose));
  else {
    p.push(...caProblems(c, role));
    const eku = c.extKeyUsage;
    if (role !== 'anchor' && eku && !eku.oids.includes(EKU_FOR[purpose]))
      p.push({
        id: 'wrong-purpose',
        message: `${who} is not allowed to issue for ${purpose}Auth (its extendedKeyUsage)`,
      });
  }
  return p;
}
