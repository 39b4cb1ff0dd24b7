/**
 * A real Pebble ACME CA and pebble-challtestsrv (Debian packages) on loopback, on free ports, per test file.
 * Every name resolves to 127.0.0.1 through challtestsrv's DNS; http-01 is fetched from 127.0.0.1:httpPort.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issue, makeRoot, tempDir } from './openssl.js';
import { freePort } from './ports.js';

export interface Pebble {
  directoryUrl: string;
  /** PEM of the CA that signed Pebble's own HTTPS certificate: give it as NODE_EXTRA_CA_CERTS */
  tlsCaFile: string;
  httpPort: number;
  dnsServer: string;
  challtestsrv: string;
  env: Record<string, string>;
  /** the issuing root (fetched from the management API), as a file */
  rootFile(): Promise<string>;
  setTxt(host: string, value: string): Promise<void>;
  stop(): Promise<void>;
  dir: string;
}

export interface PebbleOptions {
  eab?: Record<string, string>;
  nonceReject?: number;
  env?: Record<string, string>;
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function post(url: string, data: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(data));
  });
}

export async function startPebble(opts: PebbleOptions = {}): Promise<Pebble> {
  const dir = tempDir('certkit-pebble-');
  const tlsRoot = makeRoot(dir, 'pebble-tls-root', 'Pebble TLS Test Root');
  const tls = issue(dir, 'pebble-tls', tlsRoot, { cn: 'localhost', sans: ['localhost', '127.0.0.1'], key: 'ec256', days: 30 });
  const [apiPort, mgmtPort, httpPort, tlsPort, dnsPort, ctsMgmt] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${apiPort}`,
      managementListenAddress: `127.0.0.1:${mgmtPort}`,
      certificate: tls.certFile,
      privateKey: tls.keyFile,
      httpPort,
      tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: !!opts.eab,
      externalAccountMACKeys: opts.eab ?? {},
    },
  };
  writeFileSync(join(dir, 'pebble.json'), JSON.stringify(config));
  const procs: ChildProcess[] = [];
  const cts = spawn('pebble-challtestsrv', ['-defaultIPv6', '', '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${ctsMgmt}`], { stdio: 'ignore' });
  procs.push(cts);
  const pebble = spawn('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`, '-strict'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: String(opts.nonceReject ?? 5), PEBBLE_AUTHZREUSE: '0', ...opts.env },
  });
  let log = '';
  pebble.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
  procs.push(pebble);
  const ca = readFileSync(tlsRoot.certFile, 'utf8');
  const directoryUrl = `https://127.0.0.1:${apiPort}/dir`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await get(directoryUrl, ca)).status === 200) break;
    } catch {
      /* starting */
    }
    if (Date.now() > deadline) throw new Error(`pebble did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // challtestsrv up too
  for (;;) {
    try {
      await post(`http://127.0.0.1:${ctsMgmt}/clear-txt`, { host: '_probe.' });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('pebble-challtestsrv did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let rootPath: string | undefined;
  return {
    dir,
    directoryUrl,
    tlsCaFile: tlsRoot.certFile,
    httpPort,
    dnsServer: `127.0.0.1:${dnsPort}`,
    challtestsrv: `http://127.0.0.1:${ctsMgmt}`,
    env: { NODE_EXTRA_CA_CERTS: tlsRoot.certFile },
    async rootFile() {
      if (!rootPath) {
        const r = await get(`https://127.0.0.1:${mgmtPort}/roots/0`, ca);
        rootPath = join(dir, 'pebble-root.pem');
        writeFileSync(rootPath, r.body);
      }
      return rootPath;
    },
    async setTxt(host, value) {
      await post(`http://127.0.0.1:${ctsMgmt}/set-txt`, { host, value });
    },
    async stop() {
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs.map((p) => (p.exitCode !== null ? null : new Promise((r) => p.once('exit', r)))));
    },
  };
}
