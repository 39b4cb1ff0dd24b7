/**
 * The guided CSR flow for paid CAs, behind a Prompter port: the real one is @inquirer/prompts on a
 * terminal; tests drive it with scripted answers. Every question has a flag, so it also runs without a TTY.
 */
import { usageError } from '../errors.js';
import { COUNTRY_SUGGESTIONS, ISO_COUNTRIES } from './countries.js';
import { KEY_TYPE_HELP, KEY_TYPES, type KeyType } from './keygen.js';
import { isIpAddress, normalizeName } from './names.js';
import { nameViolations } from './rules.js';
import type { CsrOrderResult, Product } from './order.js';
import { registrableGuess } from './dcv.js';

export interface Choice<T extends string> {
  name: string;
  value: T;
  description?: string;
}

export interface Prompter {
  select<T extends string>(q: { message: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  input(q: {
    message: string;
    default?: string;
    validate?: (value: string) => true | string;
  }): Promise<string>;
  confirm(q: { message: string; default?: boolean }): Promise<boolean>;
}

export interface WizardAnswers {
  product?: Product;
  names?: string[];
  keyType?: KeyType;
  organization?: string;
  locality?: string;
  state?: string;
  country?: string;
  yes?: boolean;
  /** for an internal CA: internal names and private addresses allowed */
  privateCa?: boolean;
}

export const PRODUCTS: Choice<Product>[] = [
  { name: 'DV  (domain validated: names only, issued in minutes)', value: 'dv' },
  { name: 'OV  (organisation validated: your company name in the certificate)', value: 'ov' },
  { name: 'EV  (extended validation: the strictest company checks)', value: 'ev' },
  { name: 'Wildcard (*.example.com: every host one level below a domain)', value: 'wildcard' },
];

const needsOrg = (p: Product | undefined) => p === 'ov' || p === 'ev';

/** Names typed at the prompt: separated by commas; a space inside a name is an error, never a separator. */
export function splitNames(text: string): string[] {
  return text
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
}

export function validateNames(text: string, product?: Product, privateCa?: boolean): true | string {
  const names = splitNames(text);
  if (names.length === 0) return 'enter at least one name';
  for (const raw of names) {
    const problem = nameViolations(normalizeName(raw).ascii, { privateCa })[0];
    if (problem) {
      const message = problem.message.replace('give each name separately', 'separate names with commas');
      return `${message} [${problem.rule}]`;
    }
  }
  if (product === 'wildcard' && !names.some((n) => n.startsWith('*.')))
    return 'a wildcard order needs a name like *.example.com';
  return true;
}

export function validateCountry(text: string): true | string {
  const c = text.trim().toUpperCase();
  if (ISO_COUNTRIES.has(c)) return true;
  const hint = COUNTRY_SUGGESTIONS[c];
  return `"${text}" is not an ISO 3166 two-letter code${hint ? `: use ${hint}` : ''}`;
}

const required = (label: string) => (v: string) => (v.trim() ? true : `${label} is required`);

/** www/bare suggestions: names the buyer probably wants too. */
export function suggestedNames(names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    if (isIpAddress(n)) continue;
    const alt = n.startsWith('www.')
      ? n.slice(4)
      : n.startsWith('*.')
        ? n.slice(2)
        : registrableGuess(n) === n
          ? `www.${n}`
          : null;
    if (
      alt &&
      !names.includes(alt) &&
      !out.includes(alt) &&
      !(!n.startsWith('*.') && names.includes(`*.${alt}`))
    )
      out.push(alt);
  }
  return out;
}

/** Which flags a non-interactive run still needs. */
export function missingFlags(a: WizardAnswers): string[] {
  const missing: string[] = [];
  if (!a.product) missing.push('--product dv|ov|ev|wildcard');
  if (!a.names?.length) missing.push('-d NAME');
  if (needsOrg(a.product)) {
    if (!a.organization) missing.push('--org');
    if (!a.locality) missing.push('--locality');
    if (!a.country) missing.push('--country');
  }
  if (!a.yes) missing.push('--yes');
  return missing;
}

export function summary(a: WizardAnswers): string[] {
  const lines = [
    `  product   ${a.product?.toUpperCase()}`,
    `  names     ${a.names?.join(', ')}`,
    `  key       ${a.keyType} (${KEY_TYPE_HELP[a.keyType ?? 'ecdsa-p256']})`,
  ];
  if (needsOrg(a.product)) {
    lines.push(
      `  subject   O=${a.organization}, L=${a.locality}${a.state ? `, ST=${a.state}` : ''}, C=${a.country}`,
    );
  }
  return lines;
}

/**
 * Fills in the answers: asks for what is missing when a prompter is given (a terminal), else fails with
 * one line listing the missing flags. Returns null when the user declines the summary.
 */
export async function runWizard(
  given: WizardAnswers,
  prompter: Prompter | null,
  print: (line: string) => void,
): Promise<(Required<Pick<WizardAnswers, 'product' | 'names' | 'keyType'>> & WizardAnswers) | null> {
  const a: WizardAnswers = { ...given };
  if (!prompter) {
    const missing = missingFlags(a);
    if (missing.length)
      throw usageError(
        `no terminal to ask, and answers are missing: ${missing.join(', ')}`,
        'give them as flags',
      );
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- missingFlags() returned none, so product and names are set
    return { ...a, product: a.product!, names: a.names!, keyType: a.keyType ?? 'ecdsa-p256' };
  }
  a.product ??= await prompter.select({ message: 'What are you buying?', choices: PRODUCTS, default: 'dv' });
  if (!a.names?.length) {
    const text = await prompter.input({
      message:
        a.product === 'wildcard'
          ? 'Names (e.g. *.example.com, example.com):'
          : 'Names the certificate must cover (comma-separated):',
      validate: (v) => validateNames(v, a.product, a.privateCa),
    });
    a.names = splitNames(text);
    for (const alt of suggestedNames(a.names)) {
      if (await prompter.confirm({ message: `Add ${alt} too? Visitors often type it.`, default: true }))
        a.names.push(alt);
    }
  }
  a.keyType ??= await prompter.select({
    message: 'Key type:',
    choices: KEY_TYPES.map((k) => ({ name: KEY_TYPE_HELP[k], value: k })),
    default: 'ecdsa-p256',
  });
  if (needsOrg(a.product)) {
    a.organization ??= await prompter.input({
      message: 'Organisation (legal name, as registered):',
      validate: required('the organisation'),
    });
    a.locality ??= await prompter.input({ message: 'City / locality:', validate: required('the locality') });
    a.state ??= (await prompter.input({ message: 'State / province (optional):' })) || undefined;
    a.country ??= (
      await prompter.input({ message: 'Country (two letters, e.g. US, DE, GB):', validate: validateCountry })
    ).toUpperCase();
  }
  if (!a.yes) {
    print('');
    print('About to create:');
    for (const l of summary(a)) print(l);
    if (!(await prompter.confirm({ message: 'Create the key and CSR?', default: true }))) return null;
  }
  return { ...a, product: a.product, names: a.names, keyType: a.keyType };
}

/** Step 2 of the wizard's closing text: the domain-control forms a public CA offers (none for a private CA). */
function dcvSteps(d: CsrOrderResult['dcv'], bare: string): string[] {
  if (!d) return ['2. Your internal CA signs it: no domain-control step.', ''];
  return [
    '2. Prove you control the domain, with one of:',
    ...(d.cname ? [`   DNS:   CNAME ${d.cname.name}.  →  ${d.cname.target}.`] : []),
    ...(d.httpFile
      ? [
          `   HTTP:  http://${bare}${d.httpFile.path} containing:`,
          ...d.httpFile.content
            .trimEnd()
            .split('\n')
            .map((l) => `            ${l}`),
        ]
      : []),
    ...(d.approverEmails.length ? [`   Email: approval sent to one of ${d.approverEmails.join(', ')}`] : []),
    ...(d.httpFile
      ? []
      : ['   (no HTTP file: CAs validate wildcard names only by DNS (CNAME/TXT) or email)']),
    '   (the exact values come from your CA; these are the Sectigo-style forms derived from this CSR)',
    '',
  ];
}

export function nextSteps(r: CsrOrderResult, storeFlag: string): string[] {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- an issued certificate or order always has at least one name
  const bare = r.names[0]!.replace(/^\*\./, '');
  return [
    `Wrote ${r.keyFile ? `the private key ${r.keyFile} (0600, keep it on this server) and ` : ''}the CSR ${r.csrFile}.`,
    '',
    "1. Paste the CSR into the CA's order form (everything including the BEGIN/END lines):",
    '',
    ...r.csrPem
      .trimEnd()
      .split('\n')
      .map((l) => `   ${l}`),
    '',
    ...dcvSteps(r.dcv, bare),
    '3. When the certificate arrives (any form: .crt, .pem, .p7b, .zip contents, .pfx), run:',
    `   certkit${storeFlag} import --cert FILE [--chain FILE]`,
    `   certkit finds the key by itself (pending order ${r.orderId ?? ''} of "${r.name}"; earlier orders are kept).`,
  ];
}
