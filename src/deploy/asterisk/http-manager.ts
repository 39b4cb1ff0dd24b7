/**
 * HTTPS (http.conf) and AMI over TLS (manager.conf): the tcptls [general] settings, and the server itself
 * switched on when it was off (it listens only with enabled=yes). Its plain listener comes on with it, so that
 * one is kept on loopback unless it was already bound elsewhere, and the plan says so.
 */
import { join } from 'node:path';
import { CertkitError } from '../../errors.js';
import { overlaps } from './binds.js';
import { DEFAULT_PORTS } from './types.js';
import type { Draft } from './draft.js';
import { settingValue } from './parser.js';
import { planTcptls, type GeneralSection } from './tcptls.js';

export function planHttpOrManager(d: Draft, part: 'http' | 'manager'): void {
  planTcptls(d, part, {
    defaultBind: () => `0.0.0.0:${DEFAULT_PORTS[part]}`,
    own: (general) => {
      switchServerOn(d, part, general);
    },
  });
  refuseTlsOnPlainPort(d, part);
}

const PLAIN_PORTS = { http: 8088, manager: 5038 } as const;

/** The plain listener the server keeps (bindaddr, bindport/port) and the TLS one must not share a port. */
function refuseTlsOnPlainPort(d: Draft, part: 'http' | 'manager'): void {
  const g = d
    .load(join(d.o.configDir, `${part}.conf`))
    .file.sections.find((s) => s.header.name === 'general');
  const tls = d.endpoints.find((e) => e.part === part);
  if (!g || !tls) return;
  const host = settingValue(g.lines, 'bindaddr')?.trim() || '0.0.0.0';
  const port = settingValue(g.lines, part === 'http' ? 'bindport' : 'port')?.trim() || PLAIN_PORTS[part];
  const plain = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  if (overlaps(tls.bind, plain, part, part))
    throw new CertkitError(
      'usage',
      `${part}.conf: TLS (${tls.bind}) and the plain ${part === 'http' ? 'HTTP' : 'AMI'} listener (${plain}) would share a port`,
      `give TLS its own port (--${part}-bind ADDR:PORT; default ${DEFAULT_PORTS[part]})`,
    );
}

// HTTPS and AMI over TLS listen only when the server itself is on ([general] enabled, default no): asking
// for the part is asking for it to listen, so it is switched on, in the diff and said in the plan
function switchServerOn(d: Draft, part: 'http' | 'manager', { section: g, set }: GeneralSection): void {
  if (/^(yes|true|on|1)$/i.test(settingValue(g.lines, 'enabled') ?? 'no')) return;
  set('enabled', 'yes');
  // The server was off, so its PLAIN listener (AMI secrets, ARI passwords in the clear) was closed too: the user
  // asked for TLS, so the plain side it brings along stays on loopback unless it already was.
  const plainAddr = settingValue(g.lines, 'bindaddr');
  const wildcard = !plainAddr || /^(0\.0\.0\.0|::|\[::\]|\*)$/.test(plainAddr.trim());
  if (wildcard) set('bindaddr', '127.0.0.1');
  const port =
    settingValue(g.lines, part === 'http' ? 'bindport' : 'port') ?? (part === 'http' ? 8088 : 5038);
  const plain = `${wildcard ? '127.0.0.1' : plainAddr}:${port}`;
  d.notes.push(
    part === 'http'
      ? `http.conf: enabled=yes (the HTTP server was off, so HTTPS would never listen); its plain HTTP listens on ${plain}${wildcard ? ' only (bindaddr set to loopback: it was not reachable before)' : ''}`
      : `manager.conf: enabled=yes (AMI was off, so AMI over TLS would never listen); plain AMI listens on ${plain}${wildcard ? ' only (bindaddr set to loopback: the AMI secret never crosses the network in the clear)' : ''}`,
  );
}
