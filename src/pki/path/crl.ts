/* eslint-disable @typescript-eslint/no-non-null-assertion -- DER fields RFC 5280 requires at these positions; on malformed input a missing one makes the parse throw (TypeError) instead of a named error: the trust area may replace these with explicit checks */
/**
 * Certificate revocation lists (RFC 5280 §5): parsed with the small DER reader, usable only when signed by
 * the certificate's issuer (with cRLSign when it has a keyUsage), carrying a non-critical CRL number,
 * current at the validation time, with no unknown critical extension.
 */
import { children, decodeOid, readTlv } from '../der.js';
import { KU, describe, parseTime, type CertInfo } from './cert.js';
import { OIDS } from './oids.js';
import { verifySignature } from './signature.js';
import { wholeSeconds } from './cert-checks.js';

export interface Crl {
  issuerKey: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  revokedSerials: Set<string>;
  hasCrlNumber: boolean;
  problems: string[];
  tbs: Buffer;
  signatureOid: string;
  signature: Buffer;
}

export function parseCrl(input: Uint8Array): Crl {
  const der = Buffer.from(input);
  const outer = readTlv(der, 0);
  const [tbs, alg, sig] = children(der, outer);
  if (!tbs || !alg || !sig) throw new Error('not a CRL');
  const f = children(der, tbs);
  let i = f[0]?.tag === 0x02 ? 1 : 0;
  const issuer = f[i + 1]!;
  const crl: Crl = {
    issuerKey: der.subarray(issuer.start, issuer.end).toString('hex'),
    thisUpdate: parseTime(der, f[i + 2]!),
    revokedSerials: new Set(),
    hasCrlNumber: false,
    problems: [],
    tbs: Buffer.from(der.subarray(tbs.start, tbs.end)),
    signatureOid: decodeOid(der, children(der, alg)[0]!),
    signature: Buffer.from(der.subarray(sig.contentStart + 1, sig.end)),
  };
  i += 3;
  if (f[i] && (f[i]!.tag === 0x17 || f[i]!.tag === 0x18)) crl.nextUpdate = parseTime(der, f[i++]!);
  if (f[i]?.tag === 0x30) {
    for (const entry of children(der, f[i++]!)) {
      const [serial] = children(der, entry);
      crl.revokedSerials.add(der.subarray(serial!.contentStart, serial!.end).toString('hex'));
    }
  }
  if (f[i]?.tag === 0xa0) {
    const [list] = children(der, f[i]!);
    for (const e of children(der, list!)) {
      const parts = children(der, e);
      const oid = decodeOid(der, parts[0]!);
      const critical = parts[1]?.tag === 0x01 && der[parts[1].contentStart] !== 0;
      if (oid === OIDS.crlNumber) {
        crl.hasCrlNumber = true;
        if (critical) crl.problems.push('the CRL number is marked critical');
      } else if (critical && oid !== OIDS.issuingDistributionPoint)
        crl.problems.push(`unknown critical CRL extension ${oid}`);
    }
  }
  if (!crl.hasCrlNumber) crl.problems.push('the CRL has no CRL number');
  return crl;
}

export type CrlVerdict = { status: 'good' | 'revoked' } | { status: 'unknown'; why: string } | null;

/** What the CRLs at hand say about `cert` issued by `issuer`; null when none of them is from its issuer. */
export function crlVerdict(cert: CertInfo, issuer: CertInfo, crls: Crl[], at: Date): CrlVerdict {
  const fromIssuer = crls.filter((c) => c.issuerKey === cert.issuerKey);
  if (fromIssuer.length === 0) return null;
  const t = wholeSeconds(at);
  let why = '';
  for (const crl of fromIssuer) {
    const key = issuer.x509?.publicKey;
    if (!key || !verifySignature(crl.signatureOid, crl.tbs, crl.signature, key)) {
      why = `the CRL is not signed by "${describe(issuer)}"`;
      continue;
    }
    if (issuer.keyUsage && !(issuer.keyUsage.bits & KU.cRLSign)) {
      why = `"${describe(issuer)}" may not sign CRLs (keyUsage lacks cRLSign)`;
      continue;
    }
    if (crl.problems.length > 0) {
      why = crl.problems.join('; ');
      continue;
    }
    if (crl.thisUpdate.getTime() > t || (crl.nextUpdate && crl.nextUpdate.getTime() < t)) {
      why = `the CRL is not current (thisUpdate ${crl.thisUpdate.toISOString()}, nextUpdate ${crl.nextUpdate?.toISOString() ?? 'none'})`;
      continue;
    }
    return { status: crl.revokedSerials.has(cert.serial.toString('hex')) ? 'revoked' : 'good' };
  }
  return { status: 'unknown', why };
}
