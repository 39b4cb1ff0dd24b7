/**
 * Online revocation for a validated path: OCSP where the certificate names a responder (short timeout),
 * else (or when OCSP can't answer) the CRL from its distribution point, verified with the issuer's key and
 * cached per run. A responder or CRL server that can't be reached gives `revocation-unknown` (a warning),
 * never `revoked`. The network comes in as a parameter (`fetchBytes`), so the decision stays testable.
 */
import { describe, type CertInfo } from '../path/cert.js';
import { crlVerdict, parseCrl, type Crl } from '../path/crl.js';
import type { Problem } from '../path/types.js';
import { ocspRequest, ocspVerdict } from './ocsp.js';

export type FetchBytes = (
  url: string,
  opts: { body?: Buffer; contentType?: string; timeoutMs: number },
) => Promise<Buffer>;

export interface RevocationOptions {
  at: Date;
  fetchBytes?: FetchBytes;
  ocspTimeoutMs?: number;
  crlTimeoutMs?: number;
  /** shared by every check in one run */
  cache?: Map<string, Promise<Crl>>;
}

/** GET or POST over http(s) with a deadline; the body as bytes. */
export const httpFetchBytes: FetchBytes = async (url, { body, contentType, timeoutMs }) => {
  const res = await fetch(url, {
    method: body ? 'POST' : 'GET',
    body: body ? new Uint8Array(body) : undefined,
    headers: contentType ? { 'content-type': contentType } : undefined,
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'follow',
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
};

function derOf(bytes: Buffer): Buffer {
  const text = bytes.subarray(0, 64).toString('latin1');
  if (!text.includes('-----BEGIN')) return bytes;
  const b64 = bytes
    .toString('latin1')
    .replace(/-----(BEGIN|END) [^-]+-----/g, '')
    .replace(/\s+/g, '');
  return Buffer.from(b64, 'base64');
}

const why = (err: unknown) =>
  err instanceof Error ? (err.name === 'TimeoutError' ? 'timed out' : err.message) : String(err);

async function viaOcsp(
  cert: CertInfo,
  issuer: CertInfo,
  o: Required<Omit<RevocationOptions, 'cache'>>,
): Promise<Problem | string> {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- viaOcsp is called only when ocspUrls is non-empty
  const url = cert.ocspUrls[0]!;
  try {
    const body = await o.fetchBytes(url, {
      body: ocspRequest(cert, issuer),
      contentType: 'application/ocsp-request',
      timeoutMs: o.ocspTimeoutMs,
    });
    const v = ocspVerdict(body, cert, issuer, o.at);
    if (v.status === 'revoked')
      return { id: 'revoked', message: `"${describe(cert)}" is revoked (OCSP ${url})` };
    if (v.status === 'good') return 'good';
    return `OCSP ${url}: ${'why' in v ? v.why : v.status}`;
  } catch (err) {
    return `OCSP responder ${url} did not answer (${why(err)})`;
  }
}

async function viaCrl(
  cert: CertInfo,
  issuer: CertInfo,
  o: Required<Omit<RevocationOptions, 'cache'>>,
  cache: Map<string, Promise<Crl>>,
): Promise<Problem | string> {
  const url = cert.crlUrls.find((u) => /^https?:/i.test(u));
  if (!url) return 'no http CRL distribution point';
  let pending = cache.get(url);
  if (!pending) {
    pending = o.fetchBytes(url, { timeoutMs: o.crlTimeoutMs }).then((b) => parseCrl(derOf(b)));
    cache.set(url, pending);
  }
  try {
    const v = crlVerdict(cert, issuer, [await pending], o.at);
    if (v?.status === 'revoked')
      return { id: 'revoked', message: `"${describe(cert)}" is revoked (CRL ${url})` };
    if (v?.status === 'good') return 'good';
    return `CRL ${url}: ${v && 'why' in v ? v.why : 'not issued by the certificate issuer'}`;
  } catch (err) {
    return `CRL ${url} could not be fetched (${why(err)})`;
  }
}

/**
 * Revocation problems for the leaf of a validated path (path[0] issued by path[1]): [] when good or when
 * the certificate names no OCSP responder or CRL.
 */
export async function checkRevocation(path: CertInfo[], opts: RevocationOptions): Promise<Problem[]> {
  const [cert, issuer] = path;
  if (!cert || !issuer || (cert.ocspUrls.length === 0 && cert.crlUrls.length === 0)) return [];
  const o = {
    at: opts.at,
    fetchBytes: opts.fetchBytes ?? httpFetchBytes,
    ocspTimeoutMs: opts.ocspTimeoutMs ?? 3000,
    crlTimeoutMs: opts.crlTimeoutMs ?? 5000,
  };
  const reasons: string[] = [];
  for (const attempt of [
    cert.ocspUrls.length ? () => viaOcsp(cert, issuer, o) : null,
    cert.crlUrls.length ? () => viaCrl(cert, issuer, o, opts.cache ?? new Map<string, Promise<Crl>>()) : null,
  ]) {
    if (!attempt) continue;
    const r = await attempt();
    if (r === 'good') return [];
    if (typeof r !== 'string') return [{ ...r, at: 0 }];
    reasons.push(r);
  }
  return [{ id: 'revocation-unknown', at: 0, message: `revocation status unknown: ${reasons.join('; ')}` }];
}
