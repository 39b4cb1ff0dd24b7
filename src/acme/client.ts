/**
 * The only place that imports acme-client. Tuned for robustness and speed (see shared/field-notes.md):
 * no same-nonce axios retries, many badNonce retries with a fresh nonce, short polling backoff, and every
 * CA problem document captured so errors can say what the CA said.
 */
import acme from 'acme-client';
import { CertkitError } from '../errors.js';
import { explainProblem, type AcmeProblem } from './problems.js';

export interface Directory {
  newAccount: string;
  newOrder: string;
  revokeCert: string;
  keyChange: string;
  renewalInfo?: string;
  meta?: { termsOfService?: string; externalAccountRequired?: boolean; profiles?: Record<string, string> };
}

export interface AcmeSessionOptions {
  directoryUrl: string;
  accountKeyPem: string;
  accountUrl?: string;
  eab?: { kid: string; hmacKey: string };
}

type HttpLike = {
  request: (
    url: string,
    method: string,
    opts?: unknown,
  ) => Promise<{ status: number; data: unknown; headers: Record<string, string> }>;
  maxBadNonceRetries: number;
  getDirectory: () => Promise<Directory>;
};

let configured = false;
function configureLibrary() {
  if (configured) return;
  configured = true;
  // acme-client's interceptor would retry 429/5xx with the same (spent) nonce: we retry ourselves.
  (
    acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }
  ).acmeSettings.retryMaxAttempts = 0;
  acme.setLogger(() => {});
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class AcmeSession {
  readonly client: acme.Client;
  private problem: AcmeProblem | null = null;
  private readonly http: HttpLike;

  constructor(opts: AcmeSessionOptions) {
    configureLibrary();
    this.client = new acme.Client({
      directoryUrl: opts.directoryUrl,
      accountKey: opts.accountKeyPem,
      accountUrl: opts.accountUrl,
      externalAccountBinding: opts.eab,
      backoffAttempts: 40,
      backoffMin: 100,
      backoffMax: 3000,
    });
    this.http = (this.client as unknown as { http: HttpLike }).http;
    this.http.maxBadNonceRetries = 25;
    const original = this.http.request.bind(this.http);
    this.http.request = async (url, method, o) => {
      let resp;
      try {
        resp = await original(url, method, o);
      } catch (err) {
        // acme-client's axios interceptor turns a network error into a TypeError and loses its code:
        // find out what really happened with one plain request
        throw Object.assign(new Error((err as Error).message), {
          code: (err as { code?: string }).code ?? (await transportErrorCode(url)),
        });
      }
      const data = resp.data as AcmeProblem | undefined;
      if (resp.status >= 400 && data && typeof data === 'object' && 'type' in data) {
        this.problem = { ...data, status: resp.status, retryAfter: resp.headers['retry-after'] ?? null };
      }
      return resp;
    };
  }

  async directory(): Promise<Directory> {
    return this.call('reading the directory', () => this.http.getDirectory());
  }

  /**
   * Runs one ACME step. A 429/503 with a short Retry-After is waited out (at most 3 times, 30 s each);
   * anything else becomes one clear CertkitError.
   */
  async call<T>(context: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      this.problem = null;
      try {
        return await fn();
      } catch (err) {
        if (err instanceof CertkitError) throw err;
        const p = this.problem as AcmeProblem | null;
        if (p && (p.status === 429 || p.status === 503) && attempt < 3) {
          const wait = Number(p.retryAfter ?? '1');
          if (Number.isFinite(wait) && wait <= 30) {
            await sleep(Math.max(1, wait) * 1000);
            continue;
          }
        }
        if (p) throw explainProblem(p, context);
        throw networkError(err, context);
      }
    }
  }
}

/** The errno / TLS code of a failing request to url (ECONNREFUSED, ENOTFOUND, a certificate error...). */
async function transportErrorCode(url: string): Promise<string | undefined> {
  const { request } = await import(url.startsWith('https:') ? 'node:https' : 'node:http');
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'HEAD', timeout: 10_000 },
      (res: import('node:http').IncomingMessage) => {
        res.resume();
        resolve(undefined);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    req.end();
  });
}

export function networkError(err: unknown, context: string): CertkitError {
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new CertkitError(
      'network',
      `TLS verification of the ACME server failed while ${context} (${code})`,
      'for a private CA, trust its certificate with NODE_EXTRA_CA_CERTS=FILE',
    );
  }
  if (
    [
      'ECONNREFUSED',
      'ENOTFOUND',
      'ETIMEDOUT',
      'ECONNRESET',
      'EAI_AGAIN',
      'ECONNABORTED',
      'EHOSTUNREACH',
    ].includes(code)
  ) {
    return new CertkitError(
      'network',
      `cannot reach the ACME server while ${context} (${code})`,
      'check the --server URL and the network',
    );
  }
  return new CertkitError('ca', `${context} failed: ${e.message ?? String(err)}`);
}
