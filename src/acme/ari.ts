/** ACME Renewal Information (RFC 9773): the certificate identifier and the CA's suggested window. */
import { X509Certificate } from 'node:crypto';
import { loadX509Lib } from '../pki/csr-facts.js';
import type { RenewalWindow } from './policy.js';

/** certID = base64url(AKI keyIdentifier) "." base64url(serial DER content bytes) */
export async function ariCertId(certPem: string): Promise<string | null> {
  const x509 = await loadX509Lib();
  const cert = new x509.X509Certificate(certPem);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  if (!aki?.keyId) return null;
  let serialHex = new X509Certificate(certPem).serialNumber;
  if (serialHex.length % 2) serialHex = '0' + serialHex;
  if (parseInt(serialHex.slice(0, 2), 16) >= 0x80) serialHex = '00' + serialHex;
  return `${Buffer.from(aki.keyId, 'hex').toString('base64url')}.${Buffer.from(serialHex, 'hex').toString('base64url')}`;
}

export async function fetchRenewalWindow(
  renewalInfoUrl: string,
  certId: string,
  timeoutMs = 10_000,
): Promise<RenewalWindow | null> {
  try {
    const res = await fetch(`${renewalInfoUrl.replace(/\/$/, '')}/${certId}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return null;
    const body = (await res.json()) as { suggestedWindow?: { start: string; end: string } };
    const w = body.suggestedWindow;
    if (!w) return null;
    const start = new Date(w.start);
    const end = new Date(w.end);
    return Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start
      ? null
      : { start, end };
  } catch {
    return null; // ARI is advisory: fall back to the lifetime rule
  }
}
