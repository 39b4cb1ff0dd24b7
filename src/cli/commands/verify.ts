import type { Context } from '../context.js';
import { checkName } from '../options.js';
import { style } from '../../util/style.js';
import { CertkitError, usageError } from '../../errors.js';
import { domainToASCII } from 'node:url';
import { endEntities, orderChain } from '../../pki/chain.js';
import { formatDn } from '../../pki/facts.js';
import { readMaterialFile } from '../../pki/read.js';
import { readSecret } from '../../util/secret.js';
import { loadTrustStore } from '../../pki/trust.js';
import type { ParsedCertificate } from '../../pki/types.js';
import { verifyCertificate, type VerifyReport } from '../../pki/verify-report.js';

export interface VerifyFlags {
  chain?: string[];
  caFile?: string[];
  systemRoots?: boolean;
  name?: string[];
  at?: string;
  purpose?: string;
  revocation?: boolean;
  passwordFile?: string;
}

async function certificatesIn(file: string, password?: string): Promise<ParsedCertificate[]> {
  const m = await readMaterialFile(file, { password });
  if (m.certificates.length === 0)
    throw new CertkitError(
      'input',
      `${file} holds no certificate`,
      'give a PEM, DER, .p7b or .pfx certificate file',
    );
  return m.certificates;
}

function parseAt(at: string | undefined, now: Date): Date {
  if (at === undefined) return now;
  const d = new Date(at);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(at))
    throw usageError(`--at ${at} is not an ISO time`, 'e.g. --at 2026-01-31T12:00:00Z');
  return d;
}

/**
 * A --name as the validator takes it: an IDN (bücher.de) in its punycode form (xn--bcher-kva.de), as in a
 * certificate; `given` is what the user typed, shown beside it.
 */
function nameInput(given: string): { name: string; given: string } {
  const ascii = /^[\x00-\x7f]*$/.test(given) ? given : domainToASCII(given.replace(/\.$/, ''));
  // a name domainToASCII refuses ('') is refused by checkName in the form it was given
  return { name: checkName(ascii || given), given };
}

/** The names as the user knows them: the punycode form first, then the IDN as given. */
function shownNames(names: string[], given: string[]): string[] {
  return names.map((n, i) => {
    const g = given[i];
    return g !== undefined && g.toLowerCase() !== n.toLowerCase() ? `${n} (${g})` : n;
  });
}

export function renderVerify(ctx: Context, r: VerifyReport, given: string[] = r.names): string[] {
  const s = style(ctx.color);
  const lines: string[] = [];
  const forNames = r.names.length ? ` for ${shownNames(r.names, given).join(', ')}` : '';
  lines.push(
    `${r.valid ? s.green('VALID') : s.red('INVALID')}${forNames} at ${r.at} (${r.purpose} certificate)`,
    'path:',
  );
  r.path.forEach((c, i) => {
    const role = c.role === 'anchor' ? ' (trust anchor)' : c.role === 'leaf' ? '' : '';
    lines.push(`  [${i}] ${c.subject}${role}`);
    lines.push(`      issuer ${c.issuer}, valid ${c.notBefore} → ${c.notAfter}`);
  });
  if (!r.anchored) lines.push('  (no trust anchor reached)');
  for (const w of r.warnings) lines.push(`warning: ${w.id}: ${w.message}`);
  if (r.problems.length) {
    lines.push('problems:');
    const width = Math.max(...r.problems.map((p) => p.id.length));
    for (const p of r.problems) lines.push(`  ${s.red(p.id.padEnd(width))}  ${p.message}`);
  }
  return lines;
}

export async function runVerify(ctx: Context, certFile: string, flags: VerifyFlags): Promise<number> {
  const purpose = flags.purpose ?? 'server';
  if (purpose !== 'server' && purpose !== 'client')
    throw usageError(`--purpose ${purpose}: use server or client`);
  const inputs = (flags.name ?? []).map(nameInput);
  const names = inputs.map((n) => n.name);
  const typed = inputs.map((n) => n.given);
  const at = parseAt(flags.at, ctx.now);
  // a password-protected .pfx: the password from a file or CERTKIT_PASSWORD, never argv
  const password = await readSecret(flags.passwordFile, 'CERTKIT_PASSWORD');
  const given = await certificatesIn(certFile, password);
  const extra: ParsedCertificate[] = [];
  for (const f of flags.chain ?? []) extra.push(...(await certificatesIn(f, password)));
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the input was checked to hold at least one certificate
  const leaf = orderChain(given).chain[0] ?? given[0]!;
  // a bundle of several server certificates: the one validated is said, never chosen silently
  const leaves = endEntities(given);
  if (leaves.length > 1)
    ctx.err(
      `note: ${certFile} holds ${leaves.length} end-entity certificates (${leaves.map((c) => formatDn(c.x509.subject)).join('; ')}); this validates ${formatDn(leaf.x509.subject)} only (give each in a file of its own to validate it)`,
    );
  const trust = loadTrustStore(flags.caFile ?? [], { system: flags.systemRoots !== false });
  if (trust.size === 0)
    throw usageError(
      'no trust anchors (--no-system-roots without --ca-file)',
      'give --ca-file with the root(s) to trust',
    );
  const report = await verifyCertificate(
    {
      leaf,
      intermediates: [...given.filter((c) => c !== leaf), ...extra],
      anchors: trust.anchors,
      names,
      at,
      purpose,
    },
    { enabled: flags.revocation !== false },
  );
  if (ctx.json) ctx.out(JSON.stringify(report, null, 2));
  else if (!ctx.quiet || !report.valid) for (const line of renderVerify(ctx, report, typed)) ctx.out(line);
  return report.valid ? 0 : 1;
}
