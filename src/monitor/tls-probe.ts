/**
 * One TLS handshake to one address, collecting the certificates exactly as served (order included) by
 * reading the TLS 1.2 Certificate message off the wire; TLS 1.3-only servers are retried without that.
 * Verification is off here on purpose: facts are collected even for broken certificates; evaluate.ts judges.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { negotiateStarttls, type StarttlsProtocol } from './starttls.js';

export interface ProbeOptions {
  address: string;
  port: number;
  servername?: string;
  starttls?: StarttlsProtocol;
  timeoutMs: number;
}

export type ProbeFailure = { id: 'unreachable' | 'handshake-failed' | 'timeout'; message: string };

export interface ProbeResult {
  certs: Buffer[];
  /** false when the served order could not be read (TLS 1.3 only) */
  orderKnown: boolean;
  protocol: string | null;
  failure?: ProbeFailure;
}

/** Parses TLS records from the server and returns the Certificate message's DER list once seen. */
class CertificateTap {
  private records = Buffer.alloc(0);
  private handshake = Buffer.alloc(0);
  private done = false;
  certs: Buffer[] | null = null;
  /** the server's first bytes, to say what it speaks when it is not TLS */
  first: Buffer | null = null;
  feed(d: Buffer) {
    this.first ??= Buffer.from(d.subarray(0, 64));
    if (this.done) return;
    this.records = Buffer.concat([this.records, d]);
    while (this.records.length >= 5 && !this.done) {
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- records.length >= 5 (loop condition)
      const type = this.records[0]!;
      const len = this.records.readUInt16BE(3);
      if (this.records.length < 5 + len) break;
      const frag = this.records.subarray(5, 5 + len);
      this.records = this.records.subarray(5 + len);
      if (type === 20 || type === 21)
        this.done = true; // ChangeCipherSpec / alert: nothing readable after
      else if (type === 22) {
        this.handshake = Buffer.concat([this.handshake, frag]);
        this.parseHandshake();
      }
    }
  }
  private parseHandshake() {
    while (this.handshake.length >= 4) {
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- handshake.length >= 4 (loop condition)
      const type = this.handshake[0]!;
      const len = this.handshake.readUIntBE(1, 3);
      if (this.handshake.length < 4 + len) return;
      const body = this.handshake.subarray(4, 4 + len);
      this.handshake = this.handshake.subarray(4 + len);
      if (type === 11) {
        const certs: Buffer[] = [];
        let pos = 3;
        while (pos + 3 <= body.length) {
          const l = body.readUIntBE(pos, 3);
          certs.push(Buffer.from(body.subarray(pos + 3, pos + 3 + l)));
          pos += 3 + l;
        }
        this.certs = certs;
        this.done = true;
        return;
      }
    }
  }
}

function tapped(socket: Socket, tap: CertificateTap): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  socket.on('data', (d: Buffer) => {
    tap.feed(d);
    if (!duplex.push(d)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (e) => duplex.destroy(e));
  return duplex;
}

/**
 * What a server that does not speak TLS answered, in words (null when its first bytes are a TLS record).
 * TLS records start with content type 20-23 and major version 3.
 */
export function describeNonTls(first: Buffer | null): string | null {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- first.length > 0 (checked in the same condition)
  if (!first?.length || (first[0]! >= 20 && first[0]! <= 23 && (first.length < 2 || first[1] === 3)))
    return null;
  const text = first.toString('latin1');
  const guess = /^HTTP\//.test(text)
    ? 'HTTP?'
    : /^SSH-/.test(text)
      ? 'SSH?'
      : /^220[ -]/.test(text)
        ? 'SMTP or FTP? try --starttls'
        : /^\+OK/.test(text)
          ? 'POP3? try --starttls pop3'
          : /^\* OK/.test(text)
            ? 'IMAP? try --starttls imap'
            : null;
  const printable = /^[\x20-\x7e\r\n\t]+$/.test(text);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- split() always yields at least one part
  const said = guess ?? (printable ? `"${text.split(/\r?\n/)[0]!.slice(0, 40)}"` : null);
  return said
    ? `the server answered in plaintext (${said}), not TLS — is this the right port?`
    : 'the server answered with something that is not TLS — is this the right port?';
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND']);

async function attempt(o: ProbeOptions, maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let handshakeStarted = false;
    let connected = false;
    let tls: TLSSocket | undefined;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tls?.destroy();
      socket.destroy();
      resolve(r);
    };
    const fail = (id: ProbeFailure['id'], message: string) =>
      finish({ certs: [], orderKnown: false, protocol: null, failure: { id, message } });
    const timer = setTimeout(
      () =>
        fail(
          'timeout',
          handshakeStarted
            ? `no TLS handshake within ${o.timeoutMs / 1000} s`
            : connected && o.starttls
              ? `connected, but no ${o.starttls} STARTTLS exchange within ${o.timeoutMs / 1000} s (a greeting never came?)`
              : `no connection within ${o.timeoutMs / 1000} s`,
        ),
      o.timeoutMs,
    );
    const socket = netConnect({ host: o.address, port: o.port });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (!handshakeStarted && UNREACHABLE.has(err.code ?? ''))
        fail(
          'unreachable',
          `${o.address}:${o.port}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.code}`,
        );
      else fail('handshake-failed', err.code ?? err.message);
    });
    const onConnect = async () => {
      connected = true;
      try {
        if (o.starttls) await negotiateStarttls(socket, o.starttls, o.servername ?? o.address);
      } catch (err) {
        fail('handshake-failed', `STARTTLS (${o.starttls}) failed: ${(err as Error).message}`);
        return;
      }
      handshakeStarted = true;
      const tap = new CertificateTap();
      const t = tlsConnect({
        socket: tapped(socket, tap),
        servername: o.servername && !/^[\d.]+$|:/.test(o.servername) ? o.servername : undefined,
        rejectUnauthorized: false,
        maxVersion,
        minVersion: 'TLSv1',
        ciphers: 'DEFAULT:@SECLEVEL=0', // a diagnostic tool must see weak keys and SHA-1 to report them
      });
      tls = t;
      t.once('secureConnect', () => {
        let certs = tap.certs;
        let orderKnown = !!certs;
        if (!certs) {
          // TLS 1.3: the Certificate message is encrypted: take node's (issuer-linked) view
          certs = [];
          let c = t.getPeerCertificate(true) as
            { raw?: Buffer; issuerCertificate?: unknown; fingerprint256?: string } | undefined;
          const seen = new Set<string>();
          while (c?.raw && !seen.has(c.fingerprint256 ?? '')) {
            seen.add(c.fingerprint256 ?? '');
            certs.push(c.raw);
            c = c.issuerCertificate as typeof c;
          }
          orderKnown = false;
        }
        finish({ certs, orderKnown, protocol: t.getProtocol() });
      });
      t.once('error', (err: NodeJS.ErrnoException) =>
        fail(
          'handshake-failed',
          describeNonTls(tap.first) ??
            (err.code === 'ECONNRESET' || /socket hang up|disconnected/.test(err.message)
              ? 'the server closed the connection during the TLS handshake'
              : `TLS handshake failed: ${err.code ?? ''} ${err.message}`.trim()),
        ),
      );
    };
    socket.once('connect', () => {
      onConnect().catch((err: unknown) => fail('handshake-failed', (err as Error).message));
    });
  });
}

export async function probeTls(o: ProbeOptions): Promise<ProbeResult> {
  const first = await attempt(o, 'TLSv1.2');
  if (first.failure?.id === 'handshake-failed' && /version|PROTOCOL/i.test(first.failure.message)) {
    return attempt(o, 'TLSv1.3');
  }
  return first;
}
