/** ACME Renewal Information (RFC 9773): the certificate identifier (the window is read by client.ts). */
import { parseCertificate } from '../pki/path/cert.js';
import { splitPem } from '../pki/pem.js';

/**
 * certID = base64url(AKI keyIdentifier) "." base64url(serial INTEGER content bytes), for the first
 * certificate of a PEM; null when it has no authorityKeyIdentifier key id or is not a certificate.
 */
export function ariCertId(certPem: string): string | null {
  const block = splitPem(certPem).find((b) => b.label === 'CERTIFICATE');
  if (!block) return null;
  let cert;
  try {
    cert = parseCertificate(block.der);
  } catch {
    return null;
  }
  const keyId = cert.aki?.keyId;
  if (!keyId) return null;
  return `${Buffer.from(keyId, 'hex').toString('base64url')}.${cert.serial.toString('base64url')}`;
}
