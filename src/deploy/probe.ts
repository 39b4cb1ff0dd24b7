/** Verifying what a server really serves: TLS handshakes (SNI) and an HTTP request. */
import { connect } from 'node:tls';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createHash } from 'node:crypto';

export function servedFingerprint(
  host: string,
  port: number,
  servername: string | undefined,
  timeoutMs = 5000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (!cert) reject(new Error('no certificate served'));
      else resolve(cert.fingerprint256);
    });
    socket.on('timeout', () => {
      socket.destroy();
      reject(new Error(`TLS handshake with ${host}:${port} timed out`));
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`TLS handshake with ${host}:${port} failed: ${err.code ?? err.message}`)),
    );
  });
}

export function httpHead(
  host: string,
  port: number,
  hostHeader: string,
  path = '/',
  timeoutMs = 5000,
): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, path, method: 'GET', headers: { host: hostHeader }, timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`HTTP request to ${host}:${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 150,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * GET a page over http or https (SNI and Host = hostHeader) and hash its body: used to check that each name
 * serves its own site after an install. Certificate trust is not the question here (the fingerprint is checked
 * separately), so it is not verified.
 */
export function fetchPage(
  scheme: 'http' | 'https',
  host: string,
  port: number,
  hostHeader: string,
  path = '/',
  timeoutMs = 5000,
): Promise<{ status: number; bodySha256: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const options = {
      host,
      port,
      path,
      method: 'GET',
      headers: { host: hostHeader },
      timeout: timeoutMs,
      ...(scheme === 'https' ? { servername: hostHeader, rejectUnauthorized: false } : {}),
    };
    const req = (scheme === 'https' ? httpsRequest : request)(options, (res) => {
      const hash = createHash('sha256');
      let size = 0;
      res.on('data', (d: Buffer) => {
        size += d.length;
        if (size <= 4 * 1024 * 1024) hash.update(d);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          bodySha256: hash.digest('hex'),
          location: res.headers.location,
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${scheme} request to ${host}:${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
