/**
 * The email digest: one message per run through nodemailer (the only importer of it), SMTP settings from the
 * config file; the password from a file or the environment, never argv; TLS verified (caFile for a private CA).
 */
import { isIP } from 'node:net';
import { CertkitError } from '../errors.js';
import { readRegularFileSync } from '../pki/read.js';
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
  /** seconds for each SMTP step (connect, greeting, every reply); the whole send gets twice that. Default 10. */
  timeout?: number;
}

const DEFAULT_TIMEOUT_S = 10;

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
  // the types of the fields were checked when the config file was loaded (src/config/schemas.ts)
  return { ...s, to: Array.isArray(s.to) ? s.to : [String(s.to)] } as EmailSettings;
}

export async function sendDigest(report: CheckReport, s: EmailSettings): Promise<string> {
  const nodemailer = (await import('nodemailer')).default;
  const timeoutMs = (s.timeout ?? DEFAULT_TIMEOUT_S) * 1000;
  const security = s.security ?? 'starttls';
  let pass: string | undefined;
  // the first line, as documented (and as check's --password-file): a second line is not part of the password
  if (s.passwordFile) pass = readRegularFileSync(s.passwordFile, 'key').toString('utf8').split(/\r?\n/)[0];
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
      // SNI carries names only (RFC 6066): for an IP address node warns on stderr, and the IP is checked anyway
      servername: isIP(s.host) ? undefined : s.host,
      ca: s.caFile ? readRegularFileSync(s.caFile).toString('utf8') : undefined,
    },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const bad = report.targets.filter((t) => t.status !== 'OK');
  const subject = `${s.subjectPrefix ?? '[certkit]'} ${report.status}: ${bad.length ? `${bad.length} of ${report.targets.length} need attention` : `${report.targets.length} certificate(s) ok`}`;
  let deadline: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      transport.sendMail({
        from: s.from,
        to: s.to,
        subject,
        text: renderTable(report, false).join('\n') + '\n',
        html: renderHtml(report),
      }),
      new Promise<never>((_, reject) => {
        deadline = setTimeout(
          () =>
            reject(
              Object.assign(new Error(`no answer within ${(2 * timeoutMs) / 1000} s`), { code: 'ETIMEDOUT' }),
            ),
          2 * timeoutMs,
        );
      }),
    ]);
    return info.messageId;
  } catch (err) {
    const e = err as { code?: string; message: string };
    throw new CertkitError(
      'network',
      `the email digest could not be sent via ${s.host}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' '),
      'check the email settings in the config file',
    );
  } finally {
    clearTimeout(deadline);
    transport.close();
  }
}
