/** One short plaintext exchange on a fresh TCP (or UDP) connection, bounded by a deadline. Never throws. */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

export interface ExchangeResult {
  connected: boolean;
  /** what the peer sent (latin1, at most maxBytes) */
  text: string;
  error?: string;
}

export interface ExchangeOptions {
  host: string;
  port: number;
  /** bytes to send once connected (after waiting for a banner when waitBannerMs is set) */
  send?: string | ((banner: string) => string | null);
  /** wait this long for an unsolicited banner before sending */
  waitBannerMs?: number;
  /** stop reading once this is true */
  done?: (text: string) => boolean;
  deadlineMs: number;
  maxBytes?: number;
}

export function tcpExchange(o: ExchangeOptions): Promise<ExchangeResult> {
  const max = o.maxBytes ?? 8192;
  return new Promise((resolve) => {
    let text = '';
    let connected = false;
    let settled = false;
    let sent = false;
    const socket = connect({ host: o.host, port: o.port });
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(bannerTimer);
      socket.destroy();
      resolve({ connected, text, error });
    };
    const deadline = setTimeout(() => finish(), o.deadlineMs);
    let bannerTimer: NodeJS.Timeout | undefined;
    const sendNow = () => {
      if (sent || settled || !o.send) return;
      sent = true;
      const payload = typeof o.send === 'function' ? o.send(text) : o.send;
      if (payload === null) finish();
      else socket.write(payload);
    };
    socket.on('connect', () => {
      connected = true;
      if (!o.send) return;
      if (o.waitBannerMs) bannerTimer = setTimeout(sendNow, o.waitBannerMs);
      else sendNow();
    });
    socket.on('data', (d: Buffer) => {
      text = (text + d.toString('latin1')).slice(0, max);
      if (o.waitBannerMs && !sent && o.send && /\n/.test(text)) {
        clearTimeout(bannerTimer);
        sendNow();
        return;
      }
      if (o.done?.(text) || text.length >= max) finish();
    });
    socket.on('end', () => finish());
    socket.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
  });
}

export function udpExchange(o: {
  host: string;
  port: number;
  send: string;
  deadlineMs: number;
}): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = createSocket(o.host.includes(':') ? 'udp6' : 'udp4');
    const finish = (v: string | null) => {
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        /* closed */
      }
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), o.deadlineMs);
    sock.on('message', (m) => finish(m.toString('latin1')));
    sock.on('error', () => finish(null));
    sock.send(o.send, o.port, o.host);
  });
}
