/**
 * JSON Web Signatures as RFC 8555 §6.2 uses them, on node's crypto only. Pure: keys and data in, objects out.
 */
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

export interface Jws {
  protected: string;
  payload: string;
  signature: string;
}

const b64u = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export interface AccountKey {
  key: KeyObject;
  jwk: JsonWebKey;
  alg: 'ES256' | 'ES384' | 'ES512' | 'RS256';
  hash: 'sha256' | 'sha384' | 'sha512';
}

export function accountKey(pem: string): AccountKey {
  const key = createPrivateKey(pem);
  const full = createPublicKey(key).export({ format: 'jwk' });
  if (full.kty === 'EC') {
    const jwk = { crv: full.crv, kty: 'EC', x: full.x, y: full.y };
    if (full.crv === 'P-384') return { key, jwk, alg: 'ES384', hash: 'sha384' };
    if (full.crv === 'P-521') return { key, jwk, alg: 'ES512', hash: 'sha512' };
    return { key, jwk, alg: 'ES256', hash: 'sha256' };
  }
  return { key, jwk: { e: full.e, kty: 'RSA', n: full.n }, alg: 'RS256', hash: 'sha256' };
}

/** RFC 7638 thumbprint: the required members in lexicographic order (accountKey() builds them so). */
export function thumbprint(jwk: JsonWebKey): string {
  return createHash('sha256').update(JSON.stringify(jwk)).digest('base64url');
}

/** payload null = POST-as-GET (empty payload). */
export function signJws(
  k: AccountKey,
  header: { url: string; nonce?: string; kid?: string },
  payload: unknown,
): Jws {
  const h: Record<string, unknown> = { alg: k.alg, url: header.url };
  if (header.nonce) h.nonce = header.nonce;
  if (header.kid) h.kid = header.kid;
  else h.jwk = k.jwk;
  const protectedB64 = b64u(JSON.stringify(h));
  const payloadB64 = payload === null ? '' : b64u(JSON.stringify(payload));
  const signature = sign(k.hash, Buffer.from(`${protectedB64}.${payloadB64}`), {
    key: k.key,
    dsaEncoding: 'ieee-p1363',
  });
  return { protected: protectedB64, payload: payloadB64, signature: b64u(signature) };
}

/** The external account binding object of RFC 8555 §7.3.4. */
export function eabBinding(k: AccountKey, eab: { kid: string; hmacKey: string }, url: string): Jws {
  const protectedB64 = b64u(JSON.stringify({ alg: 'HS256', kid: eab.kid, url }));
  const payloadB64 = b64u(JSON.stringify(k.jwk));
  const mac = createHmac('sha256', Buffer.from(eab.hmacKey, 'base64'))
    .update(`${protectedB64}.${payloadB64}`)
    .digest();
  return { protected: protectedB64, payload: payloadB64, signature: b64u(mac) };
}
