// A real Pebble ACME CA + pebble-challtestsrv (Debian packages) on loopback, on free ports.
// Used by the test suite, the demo and the benchmarks. Every name resolves to 127.0.0.1 (challtestsrv DNS);
// http-01 is fetched from 127.0.0.1:httpPort. Returns what a client needs, and stop().
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function get(url, ca) {
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

function post(url, data) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(data));
  });
}

/** Pebble's own HTTPS certificate, signed by a throwaway root that clients trust via NODE_EXTRA_CA_CERTS. */
function makeTlsFiles(dir) {
  const o = (args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const root = join(dir, 'tls-root.pem');
  o(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'tls-root.key'), '-out', root,
    '-subj', '/CN=Pebble TLS Test Root', '-days', '30', '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign']);
  o(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.csr'), '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'tls.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:false\nextendedKeyUsage=serverAuth\n');
  o(['x509', '-req', '-in', join(dir, 'tls.csr'), '-CA', root, '-CAkey', join(dir, 'tls-root.key'), '-out', join(dir, 'tls.pem'), '-days', '30', '-extfile', join(dir, 'tls.ext')]);
  return { root, cert: join(dir, 'tls.pem'), key: join(dir, 'tls.key') };
}

/**
 * @param {{eab?: Record<string,string>, nonceReject?: number, env?: Record<string,string>, dir?: string,
 *          ports?: {api?: number, mgmt?: number, http?: number, dns?: number, cts?: number}}} opts
 */
export async function startPebble(opts = {}) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'certkit-pebble-'));
  mkdirSync(dir, { recursive: true });
  const tls = makeTlsFiles(dir);
  const p = opts.ports ?? {};
  const apiPort = p.api ?? (await freePort());
  const mgmtPort = p.mgmt ?? (await freePort());
  const httpPort = p.http ?? (await freePort());
  const tlsPort = await freePort();
  const dnsPort = p.dns ?? (await freePort());
  const ctsMgmt = p.cts ?? (await freePort());
  writeFileSync(join(dir, 'pebble.json'), JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${apiPort}`,
      managementListenAddress: `127.0.0.1:${mgmtPort}`,
      certificate: tls.cert,
      privateKey: tls.key,
      httpPort,
      tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: !!opts.eab,
      externalAccountMACKeys: opts.eab ?? {},
    },
  }));
  const procs = [];
  procs.push(spawn('pebble-challtestsrv', ['-defaultIPv6', '', '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${ctsMgmt}`], { stdio: 'ignore' }));
  const pebble = spawn('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`, '-strict'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: String(opts.nonceReject ?? 5), PEBBLE_AUTHZREUSE: '0', ...opts.env },
  });
  let log = '';
  pebble.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  procs.push(pebble);
  const stop = async () => {
    for (const c of procs) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(procs.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  };
  const ca = readFileSync(tls.root, 'utf8');
  const directoryUrl = `https://127.0.0.1:${apiPort}/dir`;
  const deadline = Date.now() + 20_000;
  const wait = async (probe, what) => {
    for (;;) {
      try {
        if (await probe()) return;
      } catch {
        /* starting */
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`${what} did not start: ${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await wait(async () => (await get(directoryUrl, ca)).status === 200, 'pebble');
  await wait(async () => (await post(`http://127.0.0.1:${ctsMgmt}/clear-txt`, { host: '_probe.' })) > 0, 'pebble-challtestsrv');
  let rootPath;
  return {
    dir,
    directoryUrl,
    tlsCaFile: tls.root,
    httpPort,
    dnsServer: `127.0.0.1:${dnsPort}`,
    challtestsrv: `http://127.0.0.1:${ctsMgmt}`,
    env: { NODE_EXTRA_CA_CERTS: tls.root },
    pids: procs.map((c) => c.pid),
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
    stop,
  };
}
