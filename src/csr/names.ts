/** Host names: IDN to punycode, IP detection, validity. Pure. */
import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

export function isIpAddress(name: string): boolean {
  return isIP(name) !== 0;
}

export interface NormalizedName {
  input: string;
  ascii: string;
  /** set when the IDN was converted to punycode */
  converted: boolean;
}

export function normalizeName(input: string): NormalizedName {
  const trimmed = input.trim().replace(/\.$/, '');
  if (isIpAddress(trimmed)) return { input, ascii: trimmed, converted: false };
  const lower = trimmed.toLowerCase();
  const wildcard = lower.startsWith('*.');
  const rest = wildcard ? lower.slice(2) : lower;

  if (/^[\x00-\x7f]*$/.test(rest)) return { input, ascii: lower, converted: false };
  const ascii = domainToASCII(rest);
  if (!ascii) return { input, ascii: lower, converted: false };
  return { input, ascii: (wildcard ? '*.' : '') + ascii, converted: true };
}

/**
 * A label starting with xn-- must be the punycode of a real internationalised label: it decodes, and encoding
 * the result gives the label back ("xn--zz" decodes to nothing; "xn--abc-" decodes to plain "abc").
 */
function isPunycodeLabelValid(label: string): boolean {
  if (!label.startsWith('xn--')) return true;
  const unicode = domainToUnicode(label);
  return unicode !== '' && domainToASCII(unicode) === label;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Why a DNS name is not a valid certificate host name, or null when it is. */
export function hostNameProblem(name: string): string | null {
  if (/\s/.test(name)) return 'a name cannot contain spaces (give each name separately)';
  if (name.length > 253) return 'longer than 253 characters';
  const labels = name.split('.');
  const rest = labels[0] === '*' ? labels.slice(1) : labels;
  if (
    labels.slice(1).includes('*') ||
    /\*/.test(rest.join('.')) ||
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- split() always yields at least one label
    (labels[0] !== '*' && labels[0]!.includes('*'))
  ) {
    return 'a wildcard may only be the whole leftmost label ("*.example.com")';
  }
  for (const l of rest) {
    if (!LABEL.test(l))
      return `label "${l}" is not a valid host name label (letters, digits, hyphens; 1-63 chars)`;
    if (!isPunycodeLabelValid(l))
      return `label "${l}" starts with xn-- but is not valid punycode (it names no internationalised label)`;
  }
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- rest is non-empty (a name has labels)
  if (/^\d+$/.test(rest[rest.length - 1]!)) return 'the top-level label cannot be numeric';
  return null;
}
