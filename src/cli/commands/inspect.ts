import type { Context } from '../context.js';
import { style } from '../../util/style.js';
import { CANNOT_LIST, inspectPaths, type InspectReport, type InputReport } from '../../pki/inspect.js';
import { loadTrustStore } from '../../pki/trust.js';
import { readSecret } from '../../util/secret.js';
import type { CertFacts, Material } from '../../pki/types.js';
import { X509Certificate } from 'node:crypto';
import { CertkitError } from '../../errors.js';
import { SIZE_CAP } from '../../pki/read.js';
import { timeoutSeconds } from '../options.js';

export interface InspectFlags {
  starttls?: string;
  timeout?: string;
  key?: string;
  caFile?: string[];
  systemRoots?: boolean;
  passwordFile?: string;
}

/** stdin, bounded like a file: `cat /dev/zero | certkit inspect -` ends with a clear refusal, not all memory. */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    size += (c as Buffer).length;
    if (size > SIZE_CAP.material) {
      process.stdin.destroy();
      throw new CertkitError(
        'input',
        `<stdin>: more than ${SIZE_CAP.material / 1024 / 1024} MiB (the most certkit reads for a certificate file)`,
      );
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function keyLabel(k: { type: string; bits?: number; curve?: string }): string {
  if (k.type === 'rsa') return `RSA ${k.bits ?? '?'}`;
  if (k.type === 'ec')
    return `EC ${k.curve === 'prime256v1' ? 'P-256' : k.curve === 'secp384r1' ? 'P-384' : k.curve === 'secp521r1' ? 'P-521' : k.curve}`;
  return k.type.toUpperCase();
}

function renderCert(ctx: Context, c: CertFacts, index: number, lines: string[]): void {
  const s = style(ctx.color);
  const days =
    c.daysLeft < 0
      ? s.red(`expired ${-c.daysLeft} days ago`)
      : c.daysLeft < 14
        ? s.yellow(`${c.daysLeft} days left`)
        : `${c.daysLeft} days left`;
  lines.push(`  [${index}] ${s.bold(c.subject || '(empty subject)')}`);
  const row = (k: string, v: string) => lines.push(`      ${k.padEnd(11)} ${v}`);
  row('issuer', c.issuer);
  row('serial', c.serial);
  row('valid', `${c.notBefore} → ${c.notAfter} (${days})`);
  const names = [...c.dnsNames.map((n) => `DNS:${n}`), ...c.ipAddresses.map((n) => `IP:${n}`)];
  if (names.length) row('names', names.join(', '));
  row('key', keyLabel(c.key));
  row('signature', c.signatureAlgorithm);
  row('sha256', c.fingerprintSha256);
  const flags = [c.isCA ? 'CA' : 'not a CA', c.selfSigned ? 'self-signed' : ''].filter(Boolean).join(', ');
  row('kind', flags);
  if (c.ocspUrls.length) row('OCSP', c.ocspUrls.join(' '));
  if (c.caIssuersUrls.length) row('CA issuers', c.caIssuersUrls.join(' '));
}

function renderInput(ctx: Context, input: InputReport, lines: string[]): void {
  const s = style(ctx.color);
  const counts = [
    input.certificates.length &&
      `${input.certificates.length} certificate${input.certificates.length > 1 ? 's' : ''}`,
    input.keys.length && `${input.keys.length} key${input.keys.length > 1 ? 's' : ''}`,
    input.csrs.length && `${input.csrs.length} CSR${input.csrs.length > 1 ? 's' : ''}`,
  ].filter(Boolean);
  lines.push(`${s.bold(input.source)} (${input.format.toUpperCase()}: ${counts.join(', ')})`);
  input.certificates.forEach((c, i) => renderCert(ctx, c, i, lines));
  const chain = input.chain;
  if (chain && input.certificates.length > 0) {
    const idx = (fp: string) => input.certificates.findIndex((c) => c.fingerprintSha256 === fp);
    const order = chain.order.map((fp) => `[${idx(fp)}]`).join(' → ');
    lines.push(`  chain       ${order} (leaf first)`);
    if (chain.givenOrderWrong)
      lines.push(
        `              ${s.yellow('the given order was wrong')}; servers need the leaf first, then each issuer`,
      );
    if (chain.unrelated.length)
      lines.push(
        `              ${chain.unrelated.length} certificate(s) not part of the leaf's chain: ${chain.unrelated.map((fp) => `[${idx(fp)}]`).join(' ')}`,
      );
    lines.push(
      `              ${chain.reachesSelfSignedRoot ? 'ends at a self-signed root' : 'does not include its root'}`,
    );
    lines.push(`  trusted     ${chain.trusted ? s.green('yes') : s.red('no') + ` (${chain.trustProblem})`}`);
  }
  for (const k of input.keys) {
    const owner = k.matchesCertificate
      ? input.certificates.findIndex((c) => c.fingerprintSha256 === k.matchesCertificate)
      : -1;
    const desc =
      k.encrypted && k.type === 'unknown'
        ? 'encrypted private key'
        : `${keyLabel(k)} private key${k.encrypted ? ' (encrypted)' : ''}`;
    lines.push(
      `  key         ${desc}, ${k.encoding.toUpperCase()}${owner >= 0 ? `, matches certificate [${owner}]` : ''}`,
    );
  }
  for (const c of input.csrs) {
    lines.push(`  CSR         ${c.subject || '(empty subject)'}`);
    const names = [...c.dnsNames.map((n) => `DNS:${n}`), ...c.ipAddresses.map((n) => `IP:${n}`)];
    if (names.length) lines.push(`              names ${names.join(', ')}`);
    lines.push(
      `              ${keyLabel(c.key)}, ${c.signatureAlgorithm}, signature ${c.signatureValid ? 'valid' : s.red('INVALID')}`,
    );
  }
}

export function renderInspect(ctx: Context, report: InspectReport): string[] {
  const s = style(ctx.color);
  const lines: string[] = [];
  report.inputs.forEach((input, i) => {
    if (i > 0) lines.push('');
    renderInput(ctx, input, lines);
  });
  const unlisted = report.skipped.filter((x) => x.reason.startsWith(CANNOT_LIST));
  const files = report.skipped.length - unlisted.length;
  if (files || unlisted.length) lines.push('');
  if (files) lines.push(`skipped ${files} file(s) that hold no certificate material`);
  for (const d of unlisted) lines.push(`skipped ${d.source}: ${d.reason}`);
  if (report.keyMatch) {
    const m = report.keyMatch;
    lines.push(
      '',
      m.matches ? s.green(`key ${m.key} matches the certificate`) : s.red(`key ${m.key}: ${m.problem}`),
    );
  }
  return lines;
}

/** HOST:PORT or a URL (an argument that is not on disk): the chain exactly as the server sends it. */
async function servedChain(spec: string, flags: InspectFlags): Promise<Material> {
  const { inspectEndpoint } = await import('./inspect-target.js');
  const target = inspectEndpoint(spec, flags.starttls);
  const { probeTls } = await import('../../monitor/tls-probe.js');
  const timeoutMs = timeoutSeconds(flags.timeout) * 1000;
  let address = target.host;
  if (!/^[\d.]+$|:/.test(target.host)) {
    const { resolveAll } = await import('../../monitor/resolve.js');
    const r = await resolveAll(target.host, timeoutMs);
    if ('error' in r) throw new CertkitError('network', r.error);
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- TODO(monitor): assumes a resolved endpoint has at least one address
    address = r.addresses[0]!;
  }
  const r = await probeTls({
    address,
    port: target.port,
    servername: target.host,
    starttls: target.starttls,
    timeoutMs,
  });
  if (r.failure) {
    // the probe names the address it tried; the target's label is said once, not twice when they are the same
    const m = r.failure.message;
    throw new CertkitError('network', m.startsWith(`${target.label}: `) ? m : `${target.label}: ${m}`);
  }
  return {
    source: target.label,
    format: 'tls',
    certificates: r.certs.map((der) => ({ x509: new X509Certificate(der), der })),
    keys: [],
    csrs: [],
  };
}

export async function runInspect(ctx: Context, paths: string[], flags: InspectFlags): Promise<number> {
  const password = await readSecret(flags.passwordFile, 'CERTKIT_PASSWORD');
  const trust = loadTrustStore(flags.caFile ?? [], { system: flags.systemRoots !== false });
  const report = await inspectPaths(paths, trust, {
    now: ctx.now,
    password,
    keyFile: flags.key,
    stdin: readStdin,
    endpoint: (spec) => servedChain(spec, flags),
  });
  if (ctx.json) ctx.out(JSON.stringify(report, null, 2));
  else for (const line of renderInspect(ctx, report)) ctx.out(line);
  return report.keyMatch && !report.keyMatch.matches ? 1 : 0;
}
