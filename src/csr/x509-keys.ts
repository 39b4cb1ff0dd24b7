/** Bridges node KeyObjects to the WebCrypto keys @peculiar/x509 signs with. */
import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';

export function signingAlgorithmFor(
  key: KeyObject,
): RsaHashedImportParams | (EcKeyImportParams & { hash: string }) {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'prime256v1') return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  if (curve === 'secp384r1') return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
  if (curve === 'secp521r1') return { name: 'ECDSA', namedCurve: 'P-521', hash: 'SHA-512' };
  throw new Error(`unsupported key for signing: ${key.asymmetricKeyType} ${curve ?? ''}`);
}

export async function toCryptoKeyPair(
  key: KeyObject,
): Promise<{ alg: ReturnType<typeof signingAlgorithmFor>; keys: CryptoKeyPair }> {
  const alg = signingAlgorithmFor(key);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spki, alg, true, ['verify']);
  return { alg, keys: { privateKey, publicKey } };
}

export async function publicCryptoKey(
  pub: KeyObject,
  alg: ReturnType<typeof signingAlgorithmFor>,
): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('spki', pub.export({ type: 'spki', format: 'der' }), alg, true, [
    'verify',
  ]);
}
