/**
 * Does a TLS port still accept what it should refuse? Two handshakes offered only the bad options: TLS 1.0/1.1,
 * and cipher suites without forward secrecy or with broken primitives. Verification is off: only the
 * server's willingness is measured. OpenSSL's security level is lowered on OUR side so that our refusal never
 * hides the server's acceptance.
 */
import { connect } from 'node:tls';

/** no forward secrecy (static RSA key exchange), 3DES/RC4/DES/NULL/EXPORT/anonymous suites */
export const WEAK_CIPHERS = 'kRSA:3DES:RC4:DES:eNULL:aNULL:EXPORT:@SECLEVEL=0';

function accepts(
  host: string,
  port: number,
  servername: string | undefined,
  opts: { minVersion: 'TLSv1' | 'TLSv1.2'; maxVersion: 'TLSv1.1' | 'TLSv1.2'; ciphers: string },
  timeoutMs: number,
): Promise<string | null> {
  return new Promise((resolve) => {
    const s = connect({
      host,
      port,
      servername: servername && !/^[\d.]+$|:/.test(servername) ? servername : undefined,
      rejectUnauthorized: false,
      ...opts,
    });
    const done = (v: string | null) => {
      clearTimeout(t);
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done(null), timeoutMs);
    s.once('secureConnect', () => done(`${s.getProtocol() ?? '?'} ${s.getCipher().name}`));
    s.once('error', () => done(null));
  });
}

export interface TlsPosture {
  /** e.g. "TLSv1 ECDHE-RSA-AES128-SHA" when TLS 1.0/1.1 was accepted */
  oldProtocol: string | null;
  /** e.g. "TLSv1.2 AES128-GCM-SHA256" when a weak suite was accepted */
  weakCipher: string | null;
}

export async function tlsPosture(
  host: string,
  port: number,
  servername: string | undefined,
  timeoutMs: number,
): Promise<TlsPosture> {
  const [oldProtocol, weakCipher] = await Promise.all([
    accepts(
      host,
      port,
      servername,
      { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'ALL:@SECLEVEL=0' },
      timeoutMs,
    ),
    accepts(
      host,
      port,
      servername,
      { minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: WEAK_CIPHERS },
      timeoutMs,
    ),
  ]);
  return { oldProtocol, weakCipher };
}
