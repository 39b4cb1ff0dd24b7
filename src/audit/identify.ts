/**
 * What a port speaks, from short exchanges bounded by one deadline per port: a banner (AMI, SMTP, FTP, IMAP,
 * POP3, SSH), else a TLS handshake (the served chain, via the monitor's probe), else HTTP, else a SIP OPTIONS
 * ping. STARTTLS support is read from the protocol's own capability list.
 */
import { randomBytes } from 'node:crypto';
import { probeTls } from '../monitor/tls-probe.js';
import { tcpExchange, udpExchange } from './exchange.js';

export type Speaks =
  'tls' | 'http' | 'smtp' | 'imap' | 'pop3' | 'ftp' | 'ssh' | 'ami' | 'sip' | 'unknown' | 'closed';

export interface HttpFacts {
  status: number;
  location?: string;
  /** the response asked for credentials (401 + WWW-Authenticate) */
  authRequired: boolean;
  server?: string;
}

export interface Identity {
  speaks: Speaks;
  /** smtp/imap/pop3/ftp: whether the server offers to upgrade to TLS */
  starttls?: boolean;
  banner?: string;
  http?: HttpFacts;
  tls?: { certs: Buffer[]; protocol: string | null; orderKnown: boolean };
}

const firstLine = (t: string) => t.split(/\r?\n/)[0]?.slice(0, 120) ?? '';

export function sipOptions(host: string, port: number, transport: 'TCP' | 'UDP'): string {
  const id = randomBytes(6).toString('hex');
  const target = host.includes(':') ? `[${host}]` : host;
  return [
    `OPTIONS sip:certkit-audit@${target}:${port} SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:5060;branch=z9hG4bK${id};rport`,
    'Max-Forwards: 70',
    `To: <sip:certkit-audit@${target}>`,
    `From: <sip:audit@certkit.invalid>;tag=${id}`,
    `Call-ID: ${id}@certkit.invalid`,
    'CSeq: 1 OPTIONS',
    'Contact: <sip:audit@127.0.0.1>',
    'Accept: application/sdp',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

export function parseHttpHead(text: string): HttpFacts | null {
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(text);
  if (!m) return null;
  const header = (name: string) =>
    new RegExp(`^${name}:[ \\t]*(.*?)\\r?$`, 'im').exec(text.split(/\r?\n\r?\n/)[0] ?? '')?.[1];
  const status = Number(m[1]);
  return {
    status,
    location: header('location'),
    authRequired: status === 401 || (status === 407 && !!header('proxy-authenticate')),
    server: header('server'),
  };
}

const lineComplete = (t: string) => /\r?\n/.test(t);

async function afterBanner(host: string, port: number, banner: string, ms: number): Promise<Identity> {
  const line = firstLine(banner);
  const ask = async (cmd: string, done: (t: string) => boolean) =>
    (
      await tcpExchange({
        host,
        port,
        waitBannerMs: ms,
        send: cmd,
        deadlineMs: ms,
        done: (t) => t.length > banner.length && done(t),
      })
    ).text;
  if (/Asterisk Call Manager/i.test(line)) return { speaks: 'ami', banner: line };
  if (/^SSH-/.test(line)) return { speaks: 'ssh', banner: line };
  if (/^\* OK/i.test(line)) {
    const caps = await ask('a1 CAPABILITY\r\n', (t) => /a1 (OK|NO|BAD)/i.test(t));
    return { speaks: 'imap', banner: line, starttls: /STARTTLS/i.test(caps) };
  }
  if (/^\+OK/.test(line)) {
    const caps = await ask('CAPA\r\n', (t) => /\r?\n\.\r?\n|-ERR/.test(t.slice(banner.length)));
    return { speaks: 'pop3', banner: line, starttls: /\bSTLS\b/.test(caps.slice(banner.length)) };
  }
  if (/^220[ -]/.test(line)) {
    if (!/ftp/i.test(line)) {
      const ehlo = await ask('EHLO certkit-audit.invalid\r\n', (t) =>
        /^(250|5\d\d) /m.test(t.slice(banner.length)),
      );
      const reply = ehlo.slice(banner.length);
      if (/^250[ -]/m.test(reply))
        return { speaks: 'smtp', banner: line, starttls: /^250[ -]STARTTLS/im.test(reply) };
    }
    const feat = await ask('FEAT\r\n', (t) => /^211 |^5\d\d /m.test(t.slice(banner.length)));
    return { speaks: 'ftp', banner: line, starttls: /AUTH TLS/i.test(feat) };
  }
  return { speaks: 'unknown', banner: line };
}

/** Identify one TCP port; the whole sequence ends within deadlineMs. */
export async function identifyTcp(
  host: string,
  port: number,
  deadlineMs: number,
  servername?: string,
): Promise<Identity> {
  const end = Date.now() + deadlineMs;
  const left = () => Math.max(50, end - Date.now());
  const bannerMs = Math.min(700, Math.floor(deadlineMs / 4));
  const first = await tcpExchange({ host, port, deadlineMs: bannerMs, done: lineComplete });
  if (!first.connected) return { speaks: 'closed' };
  if (first.text) return afterBanner(host, port, first.text, Math.min(left(), 2000));
  const tls = await probeTls({ address: host, port, servername, timeoutMs: Math.floor(left() / 2) });
  if (!tls.failure)
    return { speaks: 'tls', tls: { certs: tls.certs, protocol: tls.protocol, orderKnown: tls.orderKnown } };
  const httpHost = servername ?? (host.includes(':') ? `[${host}]` : host);
  const http = await tcpExchange({
    host,
    port,
    send: `GET / HTTP/1.1\r\nHost: ${httpHost}\r\nUser-Agent: certkit-audit\r\nConnection: close\r\n\r\n`,
    deadlineMs: Math.floor(left() / 2),
    done: (t) => /\r?\n\r?\n/.test(t),
  });
  const head = parseHttpHead(http.text);
  if (head) return { speaks: 'http', http: head };
  if (/^SIP\/2\.0 /.test(http.text)) return { speaks: 'sip', banner: firstLine(http.text) };
  const sip = await tcpExchange({
    host,
    port,
    send: sipOptions(host, port, 'TCP'),
    deadlineMs: left(),
    done: (t) => /\r?\n\r?\n/.test(t),
  });
  if (/^SIP\/2\.0 /.test(sip.text)) return { speaks: 'sip', banner: firstLine(sip.text) };
  return { speaks: 'unknown' };
}

/** UDP: only SIP can be told apart without guessing (an OPTIONS ping); anything else is "unknown". */
export async function identifyUdp(host: string, port: number, deadlineMs: number): Promise<Identity> {
  const reply = await udpExchange({ host, port, send: sipOptions(host, port, 'UDP'), deadlineMs });
  if (reply && /^SIP\/2\.0 /.test(reply)) return { speaks: 'sip', banner: firstLine(reply) };
  return { speaks: 'unknown' };
}
