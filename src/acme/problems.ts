/**
 * ACME problem documents (RFC 8555 §6.7) turned into one line a user can act on.
 * Pure: takes the problem (and the identifier it concerns), returns a CertkitError.
 */
import { CertkitError } from '../errors.js';

export interface AcmeProblem {
  type?: string;
  detail?: string;
  status?: number;
  retryAfter?: string | null;
  subproblems?: { type?: string; detail?: string; identifier?: { value: string } }[];
}

const short = (type?: string) => (type ?? '').replace('urn:ietf:params:acme:error:', '');

export function retryAfterText(retryAfter: string | null | undefined, now = new Date()): string | null {
  if (!retryAfter) return null;
  const secs = Number(retryAfter);
  const at = Number.isFinite(secs) ? new Date(now.getTime() + secs * 1000) : new Date(retryAfter);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** What the CA saw when validating a challenge, in plain words. */
export function explainValidation(identifier: string, problem: AcmeProblem): CertkitError {
  const detail = (problem.detail ?? '').replace(/\s+/g, ' ').trim();
  const kind = short(problem.type);
  const saw =
    kind === 'connection'
      ? /refused/i.test(detail)
        ? 'connection refused'
        : /timeout|timed out/i.test(detail)
          ? 'connection timed out'
          : 'could not connect'
      : kind === 'dns'
        ? /NXDOMAIN|no such host|no valid A|not found/i.test(detail)
          ? 'DNS: the name does not exist (NXDOMAIN) or has no address'
          : 'DNS lookup failed'
        : kind === 'caa'
          ? 'a CAA record forbids this CA from issuing for the name'
          : kind === 'unauthorized'
            ? /404/.test(detail)
              ? 'HTTP 404: the challenge file was not found'
              : /incorrect TXT|TXT record/i.test(detail)
                ? 'the TXT record was missing or had another value'
                : 'the response did not match (wrong content)'
            : kind === 'tls'
              ? 'a TLS error'
              : kind || 'validation failed';
  const hint =
    kind === 'caa'
      ? "add the CA to the domain's CAA record"
      : kind === 'dns'
        ? "check the name's DNS records point at this server"
        : kind === 'connection'
          ? 'make sure port 80 (http-01) reaches this machine: firewall, NAT, --http-port'
          : 'check that the challenge is served where the CA looks';
  return new CertkitError(
    'ca',
    `${identifier}: the CA could not validate the name: ${saw}${detail ? ` (${detail})` : ''}`,
    hint,
  );
}

/** Errors from the CA's API itself (orders, accounts, finalize). */
export function explainProblem(problem: AcmeProblem, context: string): CertkitError {
  const detail = (problem.detail ?? '').replace(/\s+/g, ' ').trim();
  switch (short(problem.type)) {
    case 'rateLimited': {
      const at = retryAfterText(problem.retryAfter);
      return new CertkitError(
        'ca',
        `rate limited by the CA while ${context}: ${detail}`,
        at ? `retry after ${at}` : 'wait and retry later',
      );
    }
    case 'rejectedIdentifier': {
      const names = problem.subproblems
        ?.map((s) => s.identifier?.value)
        .filter(Boolean)
        .join(', ');
      return new CertkitError(
        'ca',
        `the CA refuses to issue for ${names || 'a name in the request'}: ${detail}`,
        'remove that name, or use another CA',
      );
    }
    case 'externalAccountRequired':
      return new CertkitError(
        'ca',
        `this CA requires external account binding: ${detail}`,
        "give --eab-kid and --eab-hmac-key-file from the CA's dashboard",
      );
    case 'unauthorized':
      if (/external account|eab|binding/i.test(detail)) {
        return new CertkitError(
          'ca',
          `the CA rejected the external account binding: ${detail}`,
          'check --eab-kid and the HMAC key file',
        );
      }
      return new CertkitError('ca', `the CA refused (${context}): ${detail}`);
    case 'accountDoesNotExist':
      return new CertkitError(
        'ca',
        `the ACME account does not exist at this CA: ${detail}`,
        'register with certkit account register',
      );
    case 'userActionRequired':
      return new CertkitError(
        'ca',
        `the CA needs you to act first: ${detail}`,
        'accept the new terms with --agree-tos',
      );
    case 'alreadyRevoked':
      return new CertkitError('ca', `the certificate is already revoked: ${detail}`);
    case 'badCSR':
      return new CertkitError('ca', `the CA rejected the CSR: ${detail}`);
    default:
      return new CertkitError(
        'ca',
        `the CA failed while ${context}: ${detail || problem.type || `HTTP ${problem.status}`}`,
      );
  }
}
