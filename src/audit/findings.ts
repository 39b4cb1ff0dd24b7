/**
 * The exposure findings: pure decisions over what a port speaks, how far it is reachable and what configured
 * it. Each carries the certkit command that fixes it, where certkit has one.
 */
import type { Identity } from './identify.js';
import type { Origin } from './origins.js';
import type { BindScope } from './sockets.js';
import type { TlsPosture } from './tls-posture.js';
import type { AuditFinding } from './types.js';

export interface PortFacts {
  scope: BindScope | 'remote';
  port: number;
  identity: Identity;
  origin: Origin;
  /** lineage serving this port's certificate; null = a certificate no one here renews; undefined = no TLS */
  lineage?: string | null;
  certNames?: string[];
  posture?: TlsPosture;
  /** HTTP: per name, the answer to GET / with that Host (redirect target or status) */
  redirects?: {
    name: string;
    status: number;
    location?: string;
    hasTlsTwin: boolean;
    lineage: string | null;
  }[];
  /** admin paths probed over the network: status and whether credentials were asked */
  admin?: { path: string; status: number; authRequired: boolean; name: string; lineage: string | null }[];
}

const exposed = (s: PortFacts['scope']) => s !== 'loopback';

function lineageHint(l: string | null | undefined, fallback: string): string {
  return l ?? fallback;
}

export function exposureFindings(p: PortFacts): AuditFinding[] {
  const f: AuditFinding[] = [];
  const id = p.identity;
  const where =
    p.scope === 'all' ? 'on every interface' : p.scope === 'remote' ? 'from the network' : 'beyond loopback';
  if (exposed(p.scope)) {
    if (id.speaks === 'ami')
      f.push({
        id: 'plaintext-exposed',
        severity: 'CRITICAL',
        message: `Asterisk AMI in plaintext ${where}: the manager secret and every command cross the network in the clear`,
        fix: 'certkit install asterisk --name <lineage> --manager   (then bindaddr=127.0.0.1 for plain AMI in manager.conf)',
      });
    if (id.speaks === 'sip')
      f.push({
        id: 'plaintext-exposed',
        severity: 'WARNING',
        message: `SIP without TLS ${where}: registrations and call set-up are readable and spoofable on the way`,
        fix: 'certkit install asterisk --name <lineage> --pjsip',
      });
    if ((id.speaks === 'imap' || id.speaks === 'pop3' || id.speaks === 'ftp') && !id.starttls)
      f.push({
        id: 'plaintext-exposed',
        severity: 'CRITICAL',
        message: `${id.speaks.toUpperCase()} ${where} without STARTTLS: passwords are sent in the clear`,
      });
    if (id.speaks === 'smtp' && !id.starttls)
      f.push({
        id: 'plaintext-exposed',
        severity: 'WARNING',
        message: `SMTP ${where} without STARTTLS: mail and any AUTH login travel in the clear`,
      });
    if (id.speaks === 'http' && id.http?.authRequired)
      f.push({
        id: 'plaintext-exposed',
        severity: 'CRITICAL',
        message: `HTTP ${where} asks for a password over plaintext (401 on /)`,
        fix: 'certkit install apache --name <lineage> --basic-auth <htpasswd>   (the password layer on HTTPS only)',
      });
  }
  for (const r of p.redirects ?? []) {
    const toHttps = r.status >= 301 && r.status <= 308 && /^https:\/\//i.test(r.location ?? '');
    if (r.hasTlsTwin && !toHttps)
      f.push({
        id: 'no-https-redirect',
        severity: 'WARNING',
        message: `http://${r.name}/ answers ${r.status}${r.location ? ` → ${r.location}` : ''} although the site has an HTTPS twin`,
        fix: `certkit install apache --name ${lineageHint(r.lineage, r.name)} --redirect`,
      });
  }
  if (exposed(p.scope))
    for (const a of p.admin ?? []) {
      if (a.authRequired || a.status === 404 || a.status >= 500 || a.status === 403) continue;
      f.push({
        id: 'admin-without-auth',
        severity: 'CRITICAL',
        message: `${a.path} on ${a.name} answers ${a.status} without asking for credentials, ${where}`,
        fix: `certkit install apache --name ${lineageHint(a.lineage, a.name)} --basic-auth <htpasswd> --auth-path ${a.path}`,
      });
    }
  if (p.lineage === null && id.speaks === 'tls')
    f.push({
      id: 'unmanaged-certificate',
      severity: 'WARNING',
      message: 'serves a certificate that no certkit lineage renews',
      fix: p.certNames?.length ? `certkit request ${p.certNames.join(' ')}` : 'certkit request <name>',
    });
  const apacheFix =
    p.origin.kind === 'apache'
      ? `certkit install apache --name ${lineageHint(p.lineage, p.origin.sites[0]?.names[0] ?? '<lineage>')} --tls intermediate`
      : undefined;
  if (p.posture?.oldProtocol)
    f.push({
      id: 'tls-old-protocols',
      severity: 'WARNING',
      message: `accepts ${p.posture.oldProtocol.split(' ')[0]} (TLS 1.0/1.1 are deprecated, RFC 8996)`,
      fix: apacheFix,
    });
  if (p.posture?.weakCipher)
    f.push({
      id: 'weak-ciphers',
      severity: 'WARNING',
      message: `accepts ${p.posture.weakCipher.split(' ')[1]} (no forward secrecy or a broken cipher)`,
      fix: apacheFix,
    });
  return f;
}
