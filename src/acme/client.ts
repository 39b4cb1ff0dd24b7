/**
 * The closed ACME adapter (RFC 8555): the only module that speaks the protocol. It exposes certkit's own
 * operations and types — account, order, authorizations, answer, finalize, download, renewalInfo, revoke,
 * key change — and nothing of any library.
 *
 * Every HTTP exchange has a deadline (Deadlines.requestMs), and every poll (authorization, order) a total
 * deadline (Deadlines.pollMs): a CA that never answers ends in a `network` error saying "timed out" (exit 6).
 * CA problem documents are captured per call, from that call's own response, so a later failure is never
 * blamed on an earlier CA error. badNonce is retried with the fresh nonce (RFC 8555 §6.5); 429/503 with a
 * short Retry-After are waited out a few times with a new nonce (never the spent one); polls honour
 * Retry-After (poll-pause.ts).
 */
import { X509Certificate } from 'node:crypto';
import { CertkitError } from '../errors.js';
import { splitPem } from '../pki/pem.js';
import { accountKey, eabBinding, signJws, thumbprint, type AccountKey } from './jws.js';
import { explainProblem, explainValidation, type AcmeProblem } from './problems.js';
import { DeadlineExceeded, exchange, type HttpResponse } from './transport.js';
import type { RenewalWindow } from './policy.js';
import { FIRST_PAUSE_MS, nextPollPause } from './poll-pause.js';

export type { AcmeProblem } from './problems.js';

export interface Deadlines {
  /** one HTTP exchange with the CA */
  requestMs: number;
  /** waiting for an authorization to be validated, or an order to be issued */
  pollMs: number;
}

/** 30 s per exchange; polls may take ten times that (a CA validating slowly is normal). */
export const DEFAULT_DEADLINES: Deadlines = { requestMs: 30_000, pollMs: 300_000 };

/** Largest timeout accepted from a user: one hour (setTimeout overflows past 2^31-1 ms). */
export const MAX_TIMEOUT_SECONDS = 3600;

/** Deadlines from a `--timeout SECONDS` value; refuses what is not a positive number up to an hour. */
export function deadlinesFromSeconds(value: string | number | undefined): Deadlines {
  if (value === undefined) return DEFAULT_DEADLINES;
  const s = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isFinite(s) || s <= 0 || s > MAX_TIMEOUT_SECONDS || String(value).trim() === '')
    throw new CertkitError(
      'usage',
      `--timeout must be a number of seconds between 0 and ${MAX_TIMEOUT_SECONDS}, not "${value}"`,
    );
  const requestMs = Math.max(1, Math.round(s * 1000));
  return { requestMs, pollMs: Math.min(10 * requestMs, MAX_TIMEOUT_SECONDS * 1000) };
}

export interface Directory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  revokeCert: string;
  keyChange: string;
  renewalInfo?: string;
  meta?: { termsOfService?: string; externalAccountRequired?: boolean; profiles?: Record<string, string> };
}

export interface Identifier {
  type: 'dns' | 'ip';
  value: string;
}

export interface AccountInfo {
  url: string;
  status: string | null;
  contact: string[];
}

export interface Order {
  url: string;
  status: string;
  identifiers: Identifier[];
  authorizations: string[];
  finalize: string;
  certificate?: string;
  error?: AcmeProblem;
}

export interface Challenge {
  type: string;
  url: string;
  token: string;
  status: string;
  error?: AcmeProblem;
}

export interface Authorization {
  url: string;
  status: string;
  identifier: Identifier;
  wildcard: boolean;
  challenges: Challenge[];
}

export interface AcmeClientOptions {
  directoryUrl: string;
  accountKeyPem: string;
  accountUrl?: string;
  eab?: { kid: string; hmacKey: string };
  deadlines?: Deadlines;
}

interface Reply<T> {
  status: number;
  location: string | null;
  links: string[];
  body: T;
  text: string;
  /** the Retry-After header, when the CA sent one (polls honour it) */
  retryAfter: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PROBLEM = /^application\/problem\+json/;

export class AcmeClient {
  readonly directoryUrl: string;
  readonly deadlines: Deadlines;
  private key: AccountKey;
  private kid: string | null;
  private readonly eab?: { kid: string; hmacKey: string };
  private dir: Directory | null = null;
  private nonce: string | null = null;

  constructor(opts: AcmeClientOptions) {
    this.directoryUrl = opts.directoryUrl;
    this.deadlines = opts.deadlines ?? DEFAULT_DEADLINES;
    this.key = accountKey(opts.accountKeyPem);
    this.kid = opts.accountUrl ?? null;
    this.eab = opts.eab;
  }

  get accountUrl(): string | null {
    return this.kid;
  }

  // ---- operations ----

  async directory(): Promise<Directory> {
    if (this.dir) return this.dir;
    const r = await this.plain<Directory>('GET', this.directoryUrl, 'reading the directory');
    const d = r.body as Partial<Directory> | null;
    if (!d || typeof d !== 'object' || !d.newNonce || !d.newAccount || !d.newOrder)
      throw new CertkitError(
        'ca',
        `${this.directoryUrl} is not an ACME directory`,
        'check the --server URL (it ends in /directory for most CAs)',
      );
    this.dir = d as Directory;
    return this.dir;
  }

  /** newAccount: registers, or finds the account this key already has. */
  async createAccount(p: { contact: string[]; termsOfServiceAgreed: boolean }): Promise<AccountInfo> {
    const d = await this.directory();
    const payload: Record<string, unknown> = { ...p };
    if (this.eab) payload.externalAccountBinding = eabBinding(this.key, this.eab, d.newAccount);
    const r = await this.post<{ status?: string; contact?: string[] }>(
      d.newAccount,
      payload,
      'registering the account',
      { useJwk: true },
    );
    if (!r.location) throw new CertkitError('ca', 'the CA returned no account URL when registering');
    this.kid = r.location;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- body is null when the CA sent no JSON (parseReply)
    return { url: r.location, status: r.body?.status ?? null, contact: r.body?.contact ?? [] };
  }

  async readAccount(): Promise<AccountInfo> {
    return this.updateAccount(null, 'reading the account');
  }

  async deactivateAccount(): Promise<AccountInfo> {
    return this.updateAccount({ status: 'deactivated' }, 'deactivating the account');
  }

  /** Key change (RFC 8555 §7.3.5): the account continues under newKeyPem. */
  async changeKey(newKeyPem: string): Promise<void> {
    const d = await this.directory();
    const account = this.requireKid();
    const next = accountKey(newKeyPem);
    const inner = signJws(next, { url: d.keyChange }, { account, oldKey: this.key.jwk });
    await this.post(d.keyChange, inner, 'rolling over the account key');
    this.key = next;
  }

  async newOrder(p: { identifiers: Identifier[]; profile?: string; replaces?: string }): Promise<Order> {
    const d = await this.directory();
    const r = await this.post<Omit<Order, 'url'>>(d.newOrder, p, 'creating the order');
    if (!r.location) throw new CertkitError('ca', 'the CA returned no order URL');
    return { ...r.body, url: r.location };
  }

  async authorizations(order: Order): Promise<Authorization[]> {
    const out: Authorization[] = [];
    for (const url of order.authorizations) out.push(await this.authorization(url));
    return out;
  }

  async authorization(url: string): Promise<Authorization> {
    return (await this.readAuthorization(url)).body;
  }

  private async readAuthorization(url: string): Promise<Reply<Authorization>> {
    const r = await this.post<Omit<Authorization, 'url'>>(url, null, 'fetching an authorization');
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- CAs omit wildcard when it is false
    return { ...r, body: { ...r.body, wildcard: !!r.body.wildcard, url } };
  }

  /** What the solver serves: the key authorization (http-01), or its digest for dns-01 is made by the solver. */
  keyAuthorization(challenge: Challenge): string {
    return `${challenge.token}.${thumbprint(this.key.jwk)}`;
  }

  /** Tells the CA the challenge is ready. */
  async answer(challenge: Challenge, identifier: string): Promise<void> {
    await this.post(challenge.url, {}, `answering the challenge for ${identifier}`);
  }

  /** Polls until the authorization is valid; a failed validation becomes a line naming what the CA saw. */
  async waitForAuthorization(authz: Authorization, challengeType: string): Promise<Authorization> {
    const name = `${authz.wildcard ? '*.' : ''}${authz.identifier.value}`;
    const final = await this.poll(
      () => this.readAuthorization(authz.url),
      (a) => a.status !== 'pending' && a.status !== 'processing',
      `waiting for the CA to validate ${name}`,
    );
    if (final.status === 'valid') return final;
    const problem = final.challenges.find((c) => c.type === challengeType)?.error ?? {
      detail: `the authorization is ${final.status}`,
    };
    throw explainValidation(name, problem);
  }

  /** Sends the CSR and waits until the order is valid (certificate ready). */
  async finalize(order: Order, csrDer: Buffer): Promise<Order> {
    const r = await this.post<Omit<Order, 'url'>>(
      order.finalize,
      { csr: csrDer.toString('base64url') },
      'finalizing the order',
    );
    let current: Order = { ...r.body, url: order.url };
    if (current.status !== 'valid')
      current = await this.poll(
        async () => {
          const r = await this.post<Omit<Order, 'url'>>(order.url, null, 'reading the order');
          return { ...r, body: { ...r.body, url: order.url } };
        },
        (o) => o.status !== 'processing' && o.status !== 'pending' && o.status !== 'ready',
        'waiting for the CA to issue the certificate',
      );
    if (current.status !== 'valid' || !current.certificate)
      throw explainProblem(
        current.error ?? { detail: `the order is ${current.status}` },
        'finalizing the order',
      );
    return current;
  }

  /** The PEM chain; with preferredChain, the alternate whose top issuer has that common name (if any). */
  async download(order: Order, preferredChain?: string): Promise<string> {
    if (!order.certificate) throw new CertkitError('ca', 'the order has no certificate to download');
    const first = await this.post<unknown>(order.certificate, null, 'downloading the certificate', {
      accept: 'application/pem-certificate-chain',
    });
    if (!preferredChain) return first.text;
    const chains = [first.text];
    for (const url of first.links)
      chains.push(
        (
          await this.post<unknown>(url, null, 'downloading an alternate chain', {
            accept: 'application/pem-certificate-chain',
          })
        ).text,
      );
    return chains.find((c) => topIssuerCn(c) === preferredChain) ?? first.text;
  }

  /** ACME Renewal Information (RFC 9773); null when the CA has none or says nothing usable (advisory). */
  async renewalInfo(certId: string): Promise<RenewalWindow | null> {
    const d = await this.directory();
    if (!d.renewalInfo) return null;
    const r = await this.plain<{ suggestedWindow?: { start: string; end: string } }>(
      'GET',
      `${d.renewalInfo.replace(/\/$/, '')}/${certId}`,
      'reading renewal information',
    ).catch(() => null);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- body is null when the CA sent no JSON (parseReply)
    const w = r?.body?.suggestedWindow;
    if (!w) return null;
    const start = new Date(w.start);
    const end = new Date(w.end);
    return Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start
      ? null
      : { start, end };
  }

  async revoke(certPem: string, reason: number): Promise<void> {
    const d = await this.directory();
    const der = new X509Certificate(certPem).raw;
    await this.post(
      d.revokeCert,
      { certificate: der.toString('base64url'), reason },
      'revoking the certificate',
    );
  }

  // ---- plumbing ----

  private requireKid(): string {
    if (!this.kid)
      throw new CertkitError(
        'not-found',
        'no ACME account for this key at the CA',
        'register with certkit account register',
      );
    return this.kid;
  }

  private async updateAccount(payload: object | null, context: string): Promise<AccountInfo> {
    const url = this.requireKid();
    const r = await this.post<{ status?: string; contact?: string[] }>(url, payload, context);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- body is null when the CA sent no JSON (parseReply)
    return { url, status: r.body?.status ?? null, contact: r.body?.contact ?? [] };
  }

  private async send(
    method: 'GET' | 'HEAD' | 'POST',
    url: string,
    context: string,
    body?: string,
    accept?: string,
  ): Promise<HttpResponse> {
    try {
      const res = await exchange({
        url,
        method,
        body,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/jose+json' } : {}),
          ...(accept ? { accept } : {}),
        },
        deadlineMs: this.deadlines.requestMs,
      });
      const n = res.headers['replay-nonce'];
      if (typeof n === 'string' && n) this.nonce = n;
      return res;
    } catch (err) {
      throw networkError(err, context);
    }
  }

  private async plain<T>(method: 'GET', url: string, context: string): Promise<Reply<T>> {
    const res = await this.send(method, url, context);
    const reply = parseReply<T>(res);
    if (res.status >= 400) throw explainProblem(asProblem(reply, res), context);
    return reply;
  }

  private async freshNonce(context: string): Promise<string> {
    if (this.nonce) {
      const n = this.nonce;
      this.nonce = null;
      return n;
    }
    const d = await this.directory();
    const res = await this.send('HEAD', d.newNonce, context);
    const n = res.headers['replay-nonce'];
    this.nonce = null;
    if (typeof n !== 'string' || !n) throw new CertkitError('ca', `the CA gave no nonce while ${context}`);
    return n;
  }

  /** A signed request (payload null = POST-as-GET). Problems are read from this call's own response. */
  private async post<T>(
    url: string,
    payload: unknown,
    context: string,
    opts: { useJwk?: boolean; accept?: string } = {},
  ): Promise<Reply<T>> {
    let badNonces = 0;
    let waits = 0;
    for (;;) {
      const nonce = await this.freshNonce(context);
      const kid = opts.useJwk ? undefined : this.requireKid();
      const jws = signJws(this.key, { url, nonce, kid }, payload);
      const res = await this.send('POST', url, context, JSON.stringify(jws), opts.accept);
      const reply = parseReply<T>(res);
      if (res.status < 400) return reply;
      const problem = asProblem(reply, res);
      if (problem.type === 'urn:ietf:params:acme:error:badNonce' && badNonces++ < 25) continue;
      if ((res.status === 429 || res.status === 503) && waits++ < 3) {
        const wait = Number(problem.retryAfter ?? '1');
        if (Number.isFinite(wait) && wait <= 30) {
          await sleep(Math.max(1, wait) * 1000);
          continue;
        }
      }
      throw explainProblem(problem, context);
    }
  }

  /** Re-reads until done() or the poll deadline, pausing as nextPollPause says (Retry-After, else a backoff). */
  private async poll<T>(read: () => Promise<Reply<T>>, done: (v: T) => boolean, context: string): Promise<T> {
    const deadline = Date.now() + this.deadlines.pollMs;
    let backoff = FIRST_PAUSE_MS;
    for (;;) {
      const reply = await read();
      if (done(reply.body)) return reply.body;
      const { pauseMs, nextBackoffMs } = nextPollPause(backoff, reply.retryAfter, new Date());
      if (Date.now() + pauseMs > deadline) throw timeoutError(context, this.deadlines.pollMs);
      await sleep(pauseMs);
      backoff = nextBackoffMs;
    }
  }
}

function parseReply<T>(res: HttpResponse): Reply<T> {
  const text = res.body.toString('utf8');
  const type = res.headers['content-type'] ?? '';
  let body: unknown = null;
  if (/json/.test(type) && text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  const link = res.headers.link;
  const links = [
    ...(Array.isArray(link) ? link.join(', ') : (link ?? '')).matchAll(/<([^>]+)>\s*;\s*rel="?alternate"?/g),
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
  ].map((m) => m[1]!);
  const retryAfter = res.headers['retry-after'] ?? null;
  return {
    status: res.status,
    location: res.headers.location ?? null,
    links,
    body: body as T,
    text,
    retryAfter,
  };
}

function asProblem(reply: Reply<unknown>, res: HttpResponse): AcmeProblem {
  const retryAfter = res.headers['retry-after'] ?? null;
  const b = reply.body as AcmeProblem | null;
  if (b && typeof b === 'object' && (PROBLEM.test(String(res.headers['content-type'])) || 'type' in b))
    return { ...b, status: res.status, retryAfter };
  return { detail: `HTTP ${res.status}`, status: res.status, retryAfter };
}

function topIssuerCn(chainPem: string): string | null {
  const certs = splitPem(chainPem).filter((b) => b.label === 'CERTIFICATE');
  const top = certs[certs.length - 1];
  if (!top) return null;
  const m = /^CN=(.*)$/m.exec(new X509Certificate(top.der).issuer);
  return m?.[1] ?? null;
}

function timeoutError(context: string, ms: number): CertkitError {
  return new CertkitError(
    'network',
    `timeout: the ACME server did not answer within ${ms / 1000} s while ${context}`,
    'check the CA and the network, or give more time with --timeout SECONDS',
  );
}

export function networkError(err: unknown, context: string): CertkitError {
  if (err instanceof CertkitError) return err;
  if (err instanceof DeadlineExceeded) return timeoutError(context, err.deadlineMs);
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new CertkitError(
      'network',
      `TLS verification of the ACME server failed while ${context} (${code})`,
      'for a private CA, trust its certificate with NODE_EXTRA_CA_CERTS=FILE',
    );
  }
  if (code.startsWith('E')) {
    return new CertkitError(
      'network',
      `cannot reach the ACME server while ${context} (${code})`,
      'check the --server URL and the network',
    );
  }
  return new CertkitError('network', `${context} failed: ${e.message ?? String(err)}`);
}
