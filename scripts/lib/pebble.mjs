// A real Pebble ACME CA + pebble-challtestsrv (Debian packages) on loopback, on free ports.
// Used by the test suite, the demo and the benchmarks. Every name resolves to 127.0.0.1 (challtestsrv DNS);
// http-01 is fetched from 127.0.0.1:httpPort. Returns what a client needs, and stop().
import { spawn } from 'node:child_process';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateRequest, selfSigned, signRequest } from './openssl.mjs';

// A port for a server started by the suite, the demo or the benchmarks. Asking the kernel for port 0 and
// releasing it races: vitest runs test files in parallel processes, and the kernel hands the same ephemeral
// ports to outgoing connections (CI once failed with Apache's "could not bind to address 127.0.0.1:36445").
// So ports come from below the ephemeral range, and each one is reserved across processes with an
// lock file holding the owner's pid, then checked by binding it. The lock appears with its pid already in it
// (a hard link of a written temp file: an O_EXCL create would be seen empty for a moment, and a reader
// taking "empty" for "dead owner" handed one port to two processes in CI). A dead owner's lock is moved
// aside by rename, which only one taker can win.
const PORT_LOCKS = join(tmpdir(), 'certkit-test-ports');
const reservedHere = new Set();

function ephemeralStart() {
  try {
    const first = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    return Number.isInteger(first) && first > 0 ? first : 32768;
  } catch {
    return 32768;
  }
}

function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function ensureLockDir() {
  mkdirSync(PORT_LOCKS, { recursive: true });
  try {
    chmodSync(PORT_LOCKS, 0o1777); // shared by every user's test runs, like /tmp
  } catch {
    // another user's directory: it is already 1777
  }
}

function readOwner(file) {
  try {
    return Number(readFileSync(file, 'utf8'));
  } catch {
    return NaN;
  }
}

function reserve(port) {
  const lock = join(PORT_LOCKS, String(port));
  const mine = join(PORT_LOCKS, `.${port}.${process.pid}.${Math.random().toString(36).slice(2)}`);
  writeFileSync(mine, String(process.pid));
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(mine, lock);
        return true;
      } catch (e) {
        if (e.code !== 'EEXIST') throw e;
      }
      const owner = readOwner(lock);
      if (Number.isNaN(owner)) continue; // removed meanwhile: try again
      if (owner === process.pid || pidAlive(owner)) return false;
      // a dead owner's lock: move it aside; only one process's rename finds it
      const aside = `${mine}.stale`;
      try {
        renameSync(lock, aside);
      } catch {
        continue;
      }
      if (readOwner(aside) !== owner) {
        // re-taken by a live process between the read and the rename: put its lock back, leave the port
        try {
          linkSync(aside, lock);
        } catch {
          // someone has linked a new lock meanwhile: theirs stands
        }
        rmSync(aside, { force: true });
        return false;
      }
      rmSync(aside, { force: true });
    }
    return false;
  } finally {
    rmSync(mine, { force: true });
  }
}

function bindable(port, host) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * Takes this port if no other test process has reserved it and nothing listens on it (the demo's fixed
 * 18080/18443 while the suite runs): reserved like freePort's, so the two never hand out the same port.
 */
export async function claimPort(port) {
  ensureLockDir();
  if (reservedHere.has(port)) return false;
  if (!reserve(port)) return false;
  reservedHere.add(port);
  return (await bindable(port, '127.0.0.1')) && (await bindable(port, '0.0.0.0'));
}

export async function freePort() {
  ensureLockDir();
  const high = Math.min(ephemeralStart(), 65536) - 1;
  const low = Math.max(1024, Math.min(15000, high - 2000));
  const span = high - low + 1;
  const start = low + Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = low + ((start - low + i) % span);
    if (reservedHere.has(port) || !reserve(port)) continue;
    reservedHere.add(port);
    if ((await bindable(port, '127.0.0.1')) && (await bindable(port, '0.0.0.0'))) return port;
  }
  throw new Error(`no free port between ${low} and ${high}`);
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
  const root = selfSigned(
    join(dir, 'tls-root.key'),
    join(dir, 'tls-root.pem'),
    'Pebble TLS Test Root',
    30,
    'ec256',
    ['-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign'],
  );
  const key = join(dir, 'tls.key');
  const csr = join(dir, 'tls.csr');
  const ext = join(dir, 'tls.ext');
  certificateRequest(csr, 'localhost', { keyFile: key });
  writeFileSync(
    ext,
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:false\nextendedKeyUsage=serverAuth\n',
  );
  const cert = signRequest(csr, root, join(dir, 'tls.pem'), ext, 30);
  return { root: root.certFile, cert, key };
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
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
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
    }),
  );
  const procs = [];
  procs.push(
    spawn(
      'pebble-challtestsrv',
      [
        '-defaultIPv6',
        '',
        '-dns01',
        `127.0.0.1:${dnsPort}`,
        '-http01',
        '',
        '-https01',
        '',
        '-tlsalpn01',
        '',
        '-management',
        `127.0.0.1:${ctsMgmt}`,
      ],
      { stdio: 'ignore' },
    ),
  );
  const pebble = spawn(
    'pebble',
    ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`, '-strict'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        PEBBLE_VA_NOSLEEP: '1',
        PEBBLE_WFE_NONCEREJECT: String(opts.nonceReject ?? 5),
        PEBBLE_AUTHZREUSE: '0',
        ...opts.env,
      },
    },
  );
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
  await wait(
    async () => (await post(`http://127.0.0.1:${ctsMgmt}/clear-txt`, { host: '_probe.' })) > 0,
    'pebble-challtestsrv',
  );
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
