/** ACME Renewal Information (RFC 9773): the certificate identifier (the window is read by client.ts). */
import { X509Certificate } from 'node:crypto';
import { loadX509Lib } from '../pki/csr-facts.js';

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
