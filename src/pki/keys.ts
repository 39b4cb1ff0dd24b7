import { createPrivateKey, createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';

function spki(key: KeyObject): Buffer {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  return pub.export({ type: 'spki', format: 'der' });
}

/** True when the private key belongs to the certificate (same public key). */
export function keyMatchesCertificate(privateKey: KeyObject, cert: X509Certificate): boolean {
  return spki(privateKey).equals(spki(cert.publicKey));
}

export function publicKeyId(key: KeyObject): string {
  return spki(key).toString('base64');
}

export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function loadPrivateKeyPem(pem: string, passphrase?: string): KeyObject {
  return createPrivateKey({ key: pem, format: 'pem', passphrase });
}
