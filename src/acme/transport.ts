/**
 * One HTTP(S) exchange with a hard deadline on the whole exchange (connect, headers and body), so a CA that
 * accepts the connection and never answers ends the call instead of hanging the run. Knows nothing of ACME.
 * TLS verification stays on: a private CA is trusted through NODE_EXTRA_CA_CERTS.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequest {
  url: string;
  method: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** the whole exchange must finish within this many milliseconds */
  deadlineMs: number;
}

/** Largest response accepted (certificate chains and ACME objects are a few kB). */
const MAX_BODY = 4 * 1024 * 1024;

export class DeadlineExceeded extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly deadlineMs: number) {
    super(`no answer within ${deadlineMs / 1000} s`);
  }
}

export function exchange(req: HttpRequest): Promise<HttpResponse> {
  const send = req.url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = send(req.url, {
      method: req.method,
      headers: {
        'user-agent': 'certkit',
        ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}),
        ...req.headers,
      },
    });
    const timer = setTimeout(() => r.destroy(new DeadlineExceeded(req.deadlineMs)), req.deadlineMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    r.on('error', fail);
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) r.destroy(new Error(`the answer from ${req.url} is larger than 4 MB`));
        else chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    r.end(req.body);
  });
}
