/**
 * CA/Browser Forum Baseline Requirements checks for a CSR order, so a paid CA doesn't reject it.
 * Pure: takes the request, returns one violation per broken rule.
 */
import { COUNTRY_SUGGESTIONS, ISO_COUNTRIES } from './countries.js';
import { hostNameProblem, isIpAddress } from './names.js';
import { publicNameViolations } from './public-names.js';

export interface CsrSubject {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  locality?: string;
  state?: string;
  country?: string;
  emailAddress?: string;
}

export interface CsrRequest {
  /** every SAN, already normalised (punycode) */
  names: string[];
  /** the certificate is for an internal CA: internal names and reserved addresses are allowed */
  privateCa?: boolean;
  subject: CsrSubject;
  key: { type: string; bits?: number; curve?: string };
}

export interface Violation {
  rule: string;
  message: string;
}

export function checkCsrRules(req: CsrRequest): Violation[] {
  const v: Violation[] = [];
  const s = req.subject;
  if (req.names.length === 0)
    v.push({ rule: 'BR 7.1.2.7.12 subjectAltName', message: 'at least one name is required (-d NAME)' });
  if (s.organizationalUnit) {
    v.push({
      rule: 'BR 7.1.4.2 no OU',
      message: 'organizationalUnit (OU) is forbidden since 2022-09-01: leave it out',
    });
  }
  if (s.emailAddress) {
    v.push({
      rule: 'BR 7.1.4.2 no emailAddress',
      message: 'emailAddress is not allowed in a server certificate subject: leave it out',
    });
  }
  if (s.country !== undefined) {
    const c = s.country.trim().toUpperCase();
    if (!ISO_COUNTRIES.has(c)) {
      const hint = COUNTRY_SUGGESTIONS[c];
      v.push({
        rule: 'BR 7.1.4.2.2 countryName ISO 3166-1',
        message: `country "${s.country}" is not an ISO 3166 alpha-2 code${hint ? `: use ${hint}` : ' (two letters, e.g. US, DE, GB)'}`,
      });
    }
  }
  if (s.commonName.length > 64) {
    v.push({
      rule: 'RFC 5280 ub-common-name 64',
      message: `the common name is ${s.commonName.length} characters; at most 64 are allowed: give a shorter name with --cn (the long one can stay a SAN)`,
    });
  }
  if (s.commonName && !req.names.includes(s.commonName)) {
    v.push({
      rule: 'BR 7.1.4.3 CN must be a SAN',
      message: `the common name "${s.commonName}" is not one of the names (${req.names.join(', ')}): add it with -d ${s.commonName}, or leave out --cn`,
    });
  }
  if (s.organization && (!s.country || !(s.locality || s.state))) {
    v.push({
      rule: 'BR 7.1.4.2.2 organizationName needs an address',
      message:
        'an organisation name needs the country and the locality or state it is registered in: add --country and --locality (or --state), or leave out --org',
    });
  }
  for (const name of req.names) v.push(...nameViolations(name, { privateCa: req.privateCa }));
  const k = req.key;
  if (k.type === 'rsa') {
    if (!k.bits || k.bits < 2048 || k.bits % 8 !== 0) {
      v.push({
        rule: 'BR 6.1.5 key size',
        message: `RSA ${k.bits} is too small: RSA keys must be at least 2048 bits`,
      });
    }
  } else if (k.type === 'ec') {
    if (k.curve !== 'prime256v1' && k.curve !== 'secp384r1') {
      v.push({
        rule: 'BR 6.1.5 key size',
        message: `ECDSA curve ${k.curve} is not accepted: use P-256 or P-384`,
      });
    }
  } else {
    v.push({
      rule: 'BR 6.1.5 key type',
      message: `${k.type} keys are not accepted by public CAs: use ECDSA or RSA`,
    });
  }
  return v;
}

/**
 * The syntax rule alone for one normalised name: an IP address, or a valid host name (what every CA, public
 * or private, ACME or not, requires). Used by csr and by request.
 */
export function nameSyntaxViolation(name: string): Violation | null {
  if (isIpAddress(name)) return null;
  const problem = hostNameProblem(name);
  return problem ? { rule: 'BR 7.1.2.7.12 valid host name', message: `"${name}": ${problem}` } : null;
}

/** Syntax and public-CA rules for one normalised name (a SAN or the CN). */
export function nameViolations(name: string, opts: { privateCa?: boolean } = {}): Violation[] {
  const syntax = nameSyntaxViolation(name);
  return syntax ? [syntax] : publicNameViolations(name, opts);
}
