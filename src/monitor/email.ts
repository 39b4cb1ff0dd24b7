/**
 * The email digest: one message per run through nodemailer (the only importer of it), SMTP settings from the
 * config file; the password from a file or the environment, never argv; TLS verified (caFile for a private CA).
 */
import { readFile } from 'node:fs/promises';
import { CertkitError } from '../errors.js';
import { renderHtml } from './report/html.js';
import { renderTable } from './report/table.js';
import type { CheckReport } from './types.js';

export interface EmailSettings {
  host: string;
  port?: number;
  /** "starttls" (default, port 587), "tls" (implicit, port 465) or "none" (only for localhost relays) */
  security?: 'starttls' | 'tls' | 'none';
  user?: string;
  passwordFile?: string;
  passwordEnv?: string;
  from: string;
  to: string[];
  caFile?: string;
  subjectPrefix?: string;
}

export function validateEmailSettings(e: unknown, where: string): EmailSettings {
  const s = e as Partial<EmailSettings> | undefined;
  if (!s || typeof s !== 'object')
    throw new CertkitError(
      'usage',
      `--email needs an "email" section in the config file (${where})`,
      'see docs/config.md',
    );
  const missing = ['host', 'from', 'to'].filter((k) => !(s as Record<string, unknown>)[k]);
  if (missing.length) throw new CertkitError('input', `${where}: email settings miss ${missing.join(', ')}`);
  if ('password' in (s as object))
    throw new CertkitError(
      'input',
      `${where}: put the SMTP password in a file (passwordFile) or the environment (passwordEnv), not in the config`,
    );
  return { ...s, to: Array.isArray(s.to) ? s.to : [String(s.to)] } as EmailSettings;
}

export async function sendDigest(report: CheckReport, s: EmailSettings): Promise<string> {
  const nodemailer = (await import('nodemailer')).default;
  const security = s.security ?? 'starttls';
  let pass: string | undefined;
  if (s.passwordFile) pass = (await readFile(s.passwordFile, 'utf8')).replace(/\r?\n$/, '');
  else if (s.passwordEnv) pass = process.env[s.passwordEnv];
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port ?? (security === 'tls' ? 465 : 587),
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    auth: s.user ? { user: s.user, pass } : undefined,
    tls: {
      rejectUnauthorized: true,
      servername: s.host,
      ca: s.caFile ? await readFile(s.caFile, 'utf8') : undefined,
    },
    connectionTimeout: 15_000,
  });
  const bad = report.targets.filter((t) => t.status !== 'OK');
  const subject = `${s.subjectPrefix ?? '[certkit]'} ${report.status}: ${bad.length ? `${bad.length} of ${report.targets.length} need attention` : `${report.targets.length} certificate(s) ok`}`;
  try {
    const info = await transport.sendMail({
      from: s.from,
      to: s.to,
      subject,
      text: renderTable(report, false).join('\n') + '\n',
      html: renderHtml(report),
    });
    return info.messageId;
  } catch (err) {
    const e = err as { code?: string; message: string };
    throw new CertkitError(
      'network',
      `the email digest could not be sent via ${s.host}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' '),
      'check the email settings in the config file',
    );
  }
}
