/** Fetches a missing issuer from a certificate's AIA caIssuers URL (DER, PEM or PKCS#7), with a timeout. */
import { readMaterial } from './read.js';
import type { ParsedCertificate } from './types.js';

export async function fetchIssuers(url: string, timeoutMs = 10_000): Promise<ParsedCertificate[]> {
  if (!/^https?:\/\//.test(url)) throw new Error(`unsupported AIA URL ${url}`);
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const m = await readMaterial(body, url);
  return m.certificates;
}
