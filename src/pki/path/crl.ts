/**
 * Certificate revocation lists (RFC 5280 §5): parsed with the small DER reader, usable only when signed by
 * the certificate's issuer (with cRLSign when it has a keyUsage), carrying a non-critical CRL number,
 * current at the validation time, with no unknown critical extension.
 */
import { children, decodeOid, must, readTlv } from '../der.js';
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
  const issuer = must(f[i + 1], 'CRL issuer');
  const crl: Crl = {
    issuerKey: der.subarray(issuer.start, issuer.end).toString('hex'),
    thisUpdate: parseTime(der, must(f[i + 2], 'thisUpdate')),
    revokedSerials: new Set(),
    hasCrlNumber: false,
    problems: [],
    tbs: Buffer.from(der.subarray(tbs.start, tbs.end)),
    signatureOid: decodeOid(der, must(children(der, alg)[0], 'signature algorithm')),
    signature: Buffer.from(der.subarray(sig.contentStart + 1, sig.end)),
  };
  i += 3;
  const next = f[i];
  if (next && (next.tag === 0x17 || next.tag === 0x18)) {
    crl.nextUpdate = parseTime(der, next);
    i++;
  }
  const revoked = f[i];
  if (revoked?.tag === 0x30) {
    i++;
    for (const entry of children(der, revoked)) {
      const serial = must(children(der, entry)[0], 'revoked serial');
      crl.revokedSerials.add(der.subarray(serial.contentStart, serial.end).toString('hex'));
    }
  }
  const exts = f[i];
  if (exts?.tag === 0xa0) {
    const list = must(children(der, exts)[0], 'CRL extensions');
    for (const e of children(der, list)) {
      const parts = children(der, e);
      const oid = decodeOid(der, must(parts[0], 'extension OID'));
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
