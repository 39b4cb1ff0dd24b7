/** One HTTP(S) GET with a Host/SNI name, bounded, verification off (the audit judges, it does not trust). */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface GetResult {
  status: number;
  location?: string;
  authRequired: boolean;
}

export interface GetOptions {
  address: string;
  port: number;
  tls: boolean;
  hostName: string;
  path: string;
  timeoutMs: number;
}

/**
 * Follows redirects that stay on the same site and scheme (/a2billing -> /a2billing/), at most `hops`; a redirect
 * elsewhere (to https://, another host) is the answer itself.
 */
export async function httpGetFollowing(o: GetOptions, hops = 3): Promise<GetResult | null> {
  let r = await httpGet(o);
  for (let i = 0; i < hops && r && r.status >= 301 && r.status <= 308 && r.location; i++) {
    const base = `${o.tls ? 'https' : 'http'}://${o.hostName}${o.port === (o.tls ? 443 : 80) ? '' : `:${o.port}`}`;
    let next: URL;
    try {
      next = new URL(r.location, `${base}${o.path}`);
    } catch {
      return r;
    }
    const sameSite =
      next.protocol === (o.tls ? 'https:' : 'http:') &&
      next.hostname === o.hostName &&
      (next.port === '' || Number(next.port) === o.port);
    if (!sameSite) return r;
    o = { ...o, path: next.pathname + next.search };
    r = await httpGet(o);
  }
  return r;
}

export function httpGet(o: GetOptions): Promise<GetResult | null> {
  return new Promise((resolve) => {
    const req = (o.tls ? httpsRequest : httpRequest)(
      {
        host: o.address,
        port: o.port,
        path: o.path,
        method: 'GET',
        headers: { Host: o.hostName, 'User-Agent': 'certkit-audit', Connection: 'close' },
        rejectUnauthorized: false,
        servername: /^[\d.]+$|:/.test(o.hostName) ? undefined : o.hostName,
        timeout: o.timeoutMs,
        agent: false,
      },
      (res) => {
        res.resume();
        resolve({
          status: res.statusCode ?? 0,
          location: typeof res.headers.location === 'string' ? res.headers.location : undefined,
          authRequired: res.statusCode === 401,
        });
        req.destroy();
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve(null);
    });
    req.on('error', () => resolve(null));
    req.end();
  });
}
