/* eslint-disable @typescript-eslint/no-non-null-assertion -- DER fields RFC 6960 requires at these positions; on a malformed response a missing one makes the parse throw (TypeError), which the revocation check reports as unusable */
/**
 * OCSP (RFC 6960) with the small DER reader: the request for one certificate (SHA-1 CertID, as every
 * responder accepts) and the response, whose signature must verify with the issuer's key or with a
 * responder certificate the issuer signed for OCSP signing. Pure: bytes in, verdict out.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { children, decodeOid, readTlv, type Tlv } from '../der.js';
import { parseTime, type CertInfo } from '../path/cert.js';
import { verifySignature } from '../path/signature.js';
import { wholeSeconds } from '../path/cert-checks.js';

const SHA1_ALG = Buffer.from('300906052b0e03021a0500', 'hex');
const OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

function tlv(tag: number, body: Buffer): Buffer {
  const len = body.length;
  const head =
    len < 0x80
      ? Buffer.from([tag, len])
      : len < 0x100
        ? Buffer.from([tag, 0x81, len])
        : Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  return Buffer.concat([head, body]);
}

function spkiKeyBits(issuer: CertInfo): Buffer {
  const spki = Buffer.from(issuer.spkiKey, 'hex');
  const [, bits] = children(spki, readTlv(spki, 0));
  return spki.subarray(bits!.contentStart + 1, bits!.end);
}

function certIdParts(cert: CertInfo, issuer: CertInfo) {
  return {
    nameHash: createHash('sha1').update(Buffer.from(issuer.subjectKey, 'hex')).digest(),
    keyHash: createHash('sha1').update(spkiKeyBits(issuer)).digest(),
    serial: cert.serial,
  };
}

/** DER OCSPRequest for `cert` issued by `issuer`. */
export function ocspRequest(cert: CertInfo, issuer: CertInfo): Buffer {
  const id = certIdParts(cert, issuer);
  const certId = tlv(
    0x30,
    Buffer.concat([SHA1_ALG, tlv(0x04, id.nameHash), tlv(0x04, id.keyHash), tlv(0x02, id.serial)]),
  );
  const request = tlv(0x30, certId);
  const tbs = tlv(0x30, tlv(0x30, request));
  return tlv(0x30, tbs);
}

export type OcspVerdict = { status: 'good' | 'revoked' } | { status: 'unknown'; why: string };

function content(buf: Buffer, t: Tlv): Buffer {
  return buf.subarray(t.contentStart, t.end);
}

function signerKeyOk(
  data: Buffer,
  sigOid: string,
  sig: Buffer,
  issuer: CertInfo,
  embedded: Buffer[],
): boolean {
  if (issuer.x509 && verifySignature(sigOid, data, sig, issuer.x509.publicKey)) return true;
  for (const der of embedded) {
    try {
      const responder = new X509Certificate(der);
      if (!issuer.x509 || !responder.verify(issuer.x509.publicKey)) continue;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- node returns undefined when the extension is absent
      if (!(responder.keyUsage ?? []).includes(OCSP_SIGNING)) continue;
      if (verifySignature(sigOid, data, sig, responder.publicKey)) return true;
    } catch {
      /* not a usable responder certificate */
    }
  }
  return false;
}

/** Judge an OCSP response for `cert` (issued by `issuer`) at time `at`. */
export function ocspVerdict(body: Buffer, cert: CertInfo, issuer: CertInfo, at: Date): OcspVerdict {
  try {
    const outer = readTlv(body, 0);
    const [status, bytes] = children(body, outer);
    const code = status ? body[status.contentStart] : -1;
    if (code !== 0) return { status: 'unknown', why: `the responder answered with status ${code}` };
    const [rb] = children(body, bytes!);
    const [type, octets] = children(body, rb!);
    if (decodeOid(body, type!) !== OCSP_BASIC) return { status: 'unknown', why: 'not a basic OCSP response' };
    const basic = content(body, octets!);
    const [tbs, alg, sigBits, certsWrap] = children(basic, readTlv(basic, 0));
    const sigOid = decodeOid(basic, children(basic, alg!)[0]!);
    const sig = basic.subarray(sigBits!.contentStart + 1, sigBits!.end);
    const embedded =
      certsWrap?.tag === 0xa0
        ? children(basic, children(basic, certsWrap)[0]!).map((c) =>
            Buffer.from(basic.subarray(c.start, c.end)),
          )
        : [];
    const data = Buffer.from(basic.subarray(tbs!.start, tbs!.end));
    if (!signerKeyOk(data, sigOid, sig, issuer, embedded))
      return { status: 'unknown', why: 'the OCSP response is not signed by the issuer or its responder' };
    const fields = children(basic, tbs!);
    const list = fields.find((f, i) => f.tag === 0x30 && i > 0 && fields[i - 1]!.tag === 0x18);
    const want = certIdParts(cert, issuer);
    const t = wholeSeconds(at);
    for (const single of children(basic, list!)) {
      const [certId, certStatus, thisUpdate, next] = children(basic, single);
      const [, nameHash, keyHash, serial] = children(basic, certId!);
      if (
        !content(basic, nameHash!).equals(want.nameHash) ||
        !content(basic, keyHash!).equals(want.keyHash) ||
        !content(basic, serial!).equals(want.serial)
      )
        continue;
      const thisTime = parseTime(basic, thisUpdate!).getTime();
      const nextTime = next?.tag === 0xa0 ? parseTime(basic, children(basic, next)[0]!).getTime() : undefined;
      if (thisTime > t + 300_000 || (nextTime !== undefined && nextTime < t))
        return { status: 'unknown', why: 'the OCSP response is not current' };
      if (certStatus!.tag === 0x80) return { status: 'good' };
      if (certStatus!.tag === 0xa1) return { status: 'revoked' };
      return { status: 'unknown', why: 'the responder does not know the certificate' };
    }
    return { status: 'unknown', why: 'the OCSP response is about another certificate' };
  } catch (err) {
    return { status: 'unknown', why: `unreadable OCSP response (${(err as Error).message})` };
  }
}
