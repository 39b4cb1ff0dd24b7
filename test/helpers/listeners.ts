/** Real TLS listeners on loopback for the monitor tests: node's tls, openssl s_server, silent and rude ports, STARTTLS SMTP. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as netServer, Socket as NetSocket, type Server, type Socket } from 'node:net';
import { createServer as tlsServer, TLSSocket, createSecureContext } from 'node:tls';
import { freePort } from './apache.js';

export interface Listener {
  port: number;
  close(): Promise<void>;
}

export async function nodeTls(certPem: string, keyPem: string): Promise<Listener> {
  const port = await freePort();
  const server = tlsServer(
    { cert: certPem, key: keyPem, ciphers: 'DEFAULT:@SECLEVEL=0', minVersion: 'TLSv1.2' },
    (s) => s.end('hello\n'),
  );
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { port, close: () => new Promise((r) => server.close(() => r())) };
}

export async function opensslServer(
  certFile: string,
  keyFile: string,
  chainFile?: string,
): Promise<Listener> {
  const port = await freePort();
  const args = [
    's_server',
    '-accept',
    `127.0.0.1:${port}`,
    '-cert',
    certFile,
    '-key',
    keyFile,
    '-quiet',
    '-naccept',
    '1000',
  ];
  if (chainFile) args.push('-cert_chain', chainFile);
  const child: ChildProcess = spawn('openssl', args, { stdio: ['pipe', 'ignore', 'ignore'] });
  // wait until it accepts
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = new NetSocket();
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
      c.connect(port, '127.0.0.1');
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    close: async () => {
      child.kill('SIGKILL');
    },
  };
}

async function rawServer(onConn: (s: Socket) => void): Promise<Listener & { server: Server }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const server = netServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConn(s);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    server,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Accepts and never says a word. */
export const silent = () => rawServer(() => {});
/** Accepts and closes at once. */
export const rude = () => rawServer((s) => s.destroy());

/** A minimal ESMTP server offering STARTTLS, then TLS with the given certificate. */
export function smtpStarttls(certPem: string, keyPem: string) {
  const ctx = createSecureContext({ cert: certPem, key: keyPem });
  return rawServer((s) => {
    s.write('220 mx.test ESMTP ready\r\n');
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      while (buf.includes('\r\n')) {
        const line = buf.slice(0, buf.indexOf('\r\n'));
        buf = buf.slice(buf.indexOf('\r\n') + 2);
        if (/^EHLO/i.test(line)) s.write('250-mx.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
        else if (/^STARTTLS/i.test(line)) {
          s.off('data', onData);
          s.write('220 go ahead\r\n', () => {
            const t = new TLSSocket(s, { isServer: true, secureContext: ctx });
            t.on('error', () => {});
          });
          return;
        } else s.write('502 unknown\r\n');
      }
    };
    s.on('data', onData);
  });
}

/** A plain-HTTP server (no TLS): answers whatever it is sent with a 400, as web servers do to a ClientHello. */
export const plainHttp = () =>
  rawServer((s) =>
    s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')),
  );
/** A server that speaks first in plaintext (SSH, SMTP without STARTTLS), then waits. */
export const banner = (line: string) => rawServer((s) => s.write(`${line}\r\n`));
