/**
 * Revocation on loopback: a CRL served over HTTP and `openssl ocsp` as the responder, both run by the real
 * openssl CA database. A revoked certificate served on a TLS endpoint is CRITICAL `revoked` via the CRL and
 * via OCSP; a dead OCSP responder is only a WARNING `revocation-unknown`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certkit, certkitAsync } from '../helpers/cli.js';
import { freePort } from '../helpers/apache.js';
import { nodeTls, type Listener } from '../helpers/listeners.js';
import { makeRoot, openssl, tempDir } from '../helpers/openssl.js';

let dir: string;
let crlServer: Server;
let responder: ChildProcess;
const listeners: Record<string, Listener> = {};
const caFile = () => join(dir, 'ca.pem');
const EC_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'.split(' ');

/**
 * `openssl ocsp` serves one connection at a time and a probe that connects and hangs up wedges it, so
 * readiness is its own "ACCEPT" line, not a test connection.
 */
function acceptLine(child: ChildProcess, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('openssl ocsp never listened')), ms);
    const seen = (d: Buffer) => {
      if (!/ACCEPT/.test(d.toString())) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.on('exit', (code) => reject(new Error(`openssl ocsp exited ${code}`)));
  });
}

/** A leaf from the openssl CA, valid for 127.0.0.1, with the given revocation pointers. */
function leaf(name: string, pointers: string[]): { cert: string; key: string } {
  const csr = join(dir, `${name}.csr`);
  const key = join(dir, `${name}.key`);
  openssl(['req', '-new', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    [
      'basicConstraints=CA:false',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      ...pointers,
      '',
    ].join('\n'),
  );
  const cert = join(dir, `${name}.pem`);
  openssl([
    'ca',
    '-batch',
    '-config',
    join(dir, 'ca.cnf'),
    '-in',
    csr,
    '-out',
    cert,
    '-extfile',
    ext,
    '-days',
    '90',
    '-notext',
  ]);
  return { cert, key };
}

beforeAll(async () => {
  dir = tempDir('certkit-revocation-');
  mkdirSync(join(dir, 'new'));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca=d',
      '[d]',
      `dir=${dir}`,
      'database=$dir/index.txt',
      'new_certs_dir=$dir/new',
      'serial=$dir/serial',
      'crlnumber=$dir/crlnumber',
      'certificate=$dir/ca.pem',
      'private_key=$dir/ca.key',
      'default_md=sha256',
      'default_crl_days=7',
      'policy=p',
      'unique_subject=no',
      '[p]',
      'commonName=supplied',
      '',
    ].join('\n'),
  );
  makeRoot(dir, 'ca', 'Revocation Test CA', 'ec256', 365); // ca.pem and ca.key, as ca.cnf says

  const crlPort = await freePort();
  const ocspPort = await freePort();
  const deadPort = await freePort(); // nothing ever listens here
  const crlUrl = `crlDistributionPoints=URI:http://127.0.0.1:${crlPort}/ca.crl`;
  const ocspUrl = (port: number) => `authorityInfoAccess=OCSP;URI:http://127.0.0.1:${port}`;
  const made = {
    crlRevoked: leaf('crl-revoked', [crlUrl]),
    crlGood: leaf('crl-good', [crlUrl]),
    ocspRevoked: leaf('ocsp-revoked', [ocspUrl(ocspPort)]),
    ocspGood: leaf('ocsp-good', [ocspUrl(ocspPort)]),
    ocspDead: leaf('ocsp-dead', [ocspUrl(deadPort)]),
  };
  for (const r of [made.crlRevoked, made.ocspRevoked])
    openssl(['ca', '-config', join(dir, 'ca.cnf'), '-revoke', r.cert, '-crl_reason', 'keyCompromise']);
  openssl(['ca', '-config', join(dir, 'ca.cnf'), '-gencrl', '-out', join(dir, 'ca.crl.pem')]);
  openssl(['crl', '-in', join(dir, 'ca.crl.pem'), '-outform', 'DER', '-out', join(dir, 'ca.crl')]);

  crlServer = createServer((req, res) => {
    if (req.url === '/ca.crl')
      res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(readFileSync(join(dir, 'ca.crl')));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => crlServer.listen(crlPort, '127.0.0.1', r));
  responder = spawn(
    'openssl',
    [
      'ocsp',
      '-index',
      join(dir, 'index.txt'),
      '-port',
      String(ocspPort),
      '-rsigner',
      caFile(),
      '-rkey',
      join(dir, 'ca.key'),
      '-CA',
      caFile(),
      '-ignore_err',
      '-nmin',
      '60',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await acceptLine(responder);
  for (const [name, m] of Object.entries(made))
    listeners[name] = await nodeTls(readFileSync(m.cert, 'utf8'), readFileSync(m.key, 'utf8'));
});

afterAll(async () => {
  if (responder?.pid) responder.kill();
  crlServer?.close();
  for (const l of Object.values(listeners)) await l.close();
});

async function checkEndpoint(name: string) {
  const r = await certkitAsync([
    '--json',
    'check',
    `127.0.0.1:${listeners[name]!.port}`,
    '--ca-file',
    caFile(),
    '--no-system-roots',
  ]);
  const t = JSON.parse(r.stdout).targets[0];
  return {
    code: r.code,
    status: t.status as string,
    ids: t.findings.map((f: { id: string }) => f.id) as string[],
    findings: t.findings,
  };
}

describe('revocation on loopback endpoints', () => {
  it('a revoked certificate is CRITICAL revoked via the CRL; an unrevoked one from the same CRL is OK', async () => {
    const revoked = await checkEndpoint('crlRevoked');
    expect(revoked.status).toBe('CRITICAL');
    expect(revoked.ids).toEqual(['revoked']);
    expect(revoked.findings[0].message).toMatch(/revoked \(CRL http:\/\/127\.0\.0\.1:\d+\/ca\.crl\)/);
    const good = await checkEndpoint('crlGood');
    expect(good.status, JSON.stringify(good.findings)).toBe('OK');
  });

  it('a revoked certificate is CRITICAL revoked via OCSP (openssl ocsp responder); a good one is OK', async () => {
    const revoked = await checkEndpoint('ocspRevoked');
    expect(revoked.status, JSON.stringify(revoked.findings)).toBe('CRITICAL');
    expect(revoked.ids).toEqual(['revoked']);
    expect(revoked.findings[0].message).toMatch(/revoked \(OCSP/);
    const good = await checkEndpoint('ocspGood');
    expect(good.status, JSON.stringify(good.findings)).toBe('OK');
  });

  it('a dead OCSP responder does not make the endpoint CRITICAL: WARNING revocation-unknown', async () => {
    const dead = await checkEndpoint('ocspDead');
    expect(dead.status).toBe('WARNING');
    expect(dead.ids).toEqual(['revocation-unknown']);
    expect(dead.code).toBe(1);
  });

  it('certkit verify says revoked (exit 1) and --no-revocation skips the question', () => {
    const cert = join(dir, 'ocsp-revoked.pem');
    const r = certkit(['verify', cert, '--ca-file', caFile(), '--no-system-roots', '--name', '127.0.0.1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/revoked +"CN=ocsp-revoked" is revoked \(OCSP/);
    const skipped = certkit(['verify', cert, '--ca-file', caFile(), '--no-system-roots', '--no-revocation']);
    expect(skipped.code).toBe(0);
  });
});
