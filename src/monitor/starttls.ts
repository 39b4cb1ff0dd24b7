/** STARTTLS dialogues on a plain socket, until the server is ready for the TLS handshake. */
import type { Socket } from 'node:net';

export type StarttlsProtocol = 'smtp' | 'imap' | 'pop3' | 'ftp' | 'xmpp' | 'postgres' | 'ldap';
export const STARTTLS_PROTOCOLS: StarttlsProtocol[] = [
  'smtp',
  'imap',
  'pop3',
  'ftp',
  'xmpp',
  'postgres',
  'ldap',
];

/** Ports where STARTTLS is the norm; direct TLS elsewhere (443, 465, 636, 993, 995, 5061, 8089, 5039...). */
export const STARTTLS_BY_PORT: Record<number, StarttlsProtocol> = {
  25: 'smtp',
  587: 'smtp',
  143: 'imap',
  110: 'pop3',
  21: 'ftp',
  5222: 'xmpp',
  5432: 'postgres',
  389: 'ldap',
};

class Reader {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
  }
  private onData = (d: Buffer) => {
    this.buf = Buffer.concat([this.buf, d]);
    for (const w of this.waiters.splice(0)) w();
  };
  detach() {
    this.socket.off('data', this.onData);
  }
  async until(done: (text: string) => boolean): Promise<string> {
    for (;;) {
      const text = this.buf.toString('latin1');
      if (done(text)) {
        this.buf = Buffer.alloc(0);
        return text;
      }
      await new Promise<void>((resolve, reject) => {
        this.waiters.push(resolve);
        this.socket.once('close', () =>
          reject(new Error('the server closed the connection during STARTTLS')),
        );
      });
    }
  }
  async bytes(n: number): Promise<Buffer> {
    await this.until(() => this.buf.length >= n);
    return Buffer.alloc(0);
  }
}

const finalReply = (code: RegExp) => (t: string) => t.split('\r\n').some((l) => code.test(l));
const expect = (text: string, re: RegExp, what: string) => {
  if (!re.test(text))
    throw new Error(`${what}: the server answered "${text.trim().split('\n').pop()?.slice(0, 80)}"`);
};

export async function negotiateStarttls(
  socket: Socket,
  proto: StarttlsProtocol,
  host: string,
): Promise<void> {
  const r = new Reader(socket);
  const send = (s: string | Buffer) => socket.write(s);
  try {
    switch (proto) {
      case 'smtp': {
        expect(await r.until(finalReply(/^\d{3} /)), /^220/m, 'SMTP greeting');
        send('EHLO certkit.invalid\r\n');
        const ehlo = await r.until(finalReply(/^\d{3} /));
        expect(ehlo, /^250[- ]STARTTLS/im, 'SMTP EHLO (no STARTTLS offered)');
        send('STARTTLS\r\n');
        expect(await r.until(finalReply(/^\d{3} /)), /^220/m, 'SMTP STARTTLS');
        break;
      }
      case 'imap':
        expect(await r.until((t) => t.includes('\r\n')), /^\* OK/, 'IMAP greeting');
        send('a1 STARTTLS\r\n');
        expect(await r.until((t) => /^a1 /m.test(t)), /^a1 OK/m, 'IMAP STARTTLS');
        break;
      case 'pop3':
        expect(await r.until((t) => t.includes('\r\n')), /^\+OK/, 'POP3 greeting');
        send('STLS\r\n');
        expect(await r.until((t) => t.includes('\r\n')), /^\+OK/, 'POP3 STLS');
        break;
      case 'ftp':
        expect(await r.until(finalReply(/^\d{3} /)), /^220/m, 'FTP greeting');
        send('AUTH TLS\r\n');
        expect(await r.until(finalReply(/^\d{3} /)), /^234/m, 'FTP AUTH TLS');
        break;
      case 'xmpp':
        send(
          `<?xml version='1.0'?><stream:stream to='${host}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`,
        );
        expect(await r.until((t) => t.includes('</stream:features>')), /starttls/, 'XMPP features');
        send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        expect(await r.until((t) => /<proceed|<failure/.test(t)), /<proceed/, 'XMPP STARTTLS');
        break;
      case 'postgres': {
        const req = Buffer.alloc(8);
        req.writeInt32BE(8, 0);
        req.writeInt32BE(80877103, 4);
        send(req);
        expect(await r.until((t) => t.length >= 1), /^S/, 'PostgreSQL SSLRequest');
        break;
      }
      case 'ldap': {
        const oid = Buffer.from('1.3.6.1.4.1.1466.20037');
        const ext = Buffer.concat([Buffer.from([0x80, oid.length]), oid]);
        const op = Buffer.concat([Buffer.from([0x77, ext.length]), ext]);
        const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x01]), op]);
        send(Buffer.concat([Buffer.from([0x30, body.length]), body]));
        const resp = await r.until((t) => t.length >= 10);
        if (!Buffer.from(resp, 'latin1').includes(Buffer.from([0x0a, 0x01, 0x00])))
          throw new Error('LDAP StartTLS was refused');
        break;
      }
    }
  } finally {
    r.detach();
  }
}
