/** Private keys from node's native crypto (OpenSSL): never pure-JS key generation. */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { usageError } from '../errors.js';

export const KEY_TYPES = ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const KEY_TYPE_HELP: Record<KeyType, string> = {
  'ecdsa-p256': 'ECDSA P-256: small, fast, accepted everywhere today (recommended)',
  'ecdsa-p384': 'ECDSA P-384: a larger curve some policies ask for',
  'rsa-2048': 'RSA 2048: for very old clients and appliances that lack ECDSA',
  'rsa-3072': 'RSA 3072: RSA with a longer life margin',
  'rsa-4096': 'RSA 4096: the largest common RSA size; slower handshakes',
};

export function parseKeyType(value: string): KeyType {
  if ((KEY_TYPES as readonly string[]).includes(value)) return value as KeyType;
  throw usageError(`unknown key type "${value}"`, `choose one of ${KEY_TYPES.join(', ')}`);
}

const gen = promisify(generateKeyPair);

export async function generatePrivateKey(type: KeyType): Promise<KeyObject> {
  if (type.startsWith('rsa-')) {
    const { privateKey } = await gen('rsa', { modulusLength: Number(type.slice(4)) });
    return privateKey;
  }
  const { privateKey } = await gen('ec', { namedCurve: type === 'ecdsa-p384' ? 'P-384' : 'P-256' });
  return privateKey;
}

/** PKCS#8 PEM; encrypted with AES-256-CBC when a passphrase is given. */
export function privateKeyToPem(key: KeyObject, passphrase?: string): string {
  if (passphrase) {
    return key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
  }
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function keyTypeOf(key: KeyObject): KeyType | (string & {}) {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return `rsa-${d.modulusLength}`;
  if (key.asymmetricKeyType === 'ec')
    return d.namedCurve === 'secp384r1'
      ? 'ecdsa-p384'
      : d.namedCurve === 'prime256v1'
        ? 'ecdsa-p256'
        : `ec-${d.namedCurve}`;
  return key.asymmetricKeyType ?? 'unknown';
}
