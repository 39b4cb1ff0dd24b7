/** certkit request / renew / revoke / account against a real Pebble + challtestsrv on loopback. */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, certkitAsync, type CliResult } from '../helpers/cli.js';
import { openssl, tempDir } from '../helpers/openssl.js';
import { dnsHookArgs, dnsHookEnv, standaloneArgs, startPebble, type Pebble } from '../helpers/pebble.js';

let pebble: Pebble;
let root: string;

beforeAll(async () => {
  pebble = await startPebble();
  root = await pebble.rootFile();
});
afterAll(async () => pebble?.stop());

function ck(store: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return certkitAsync(['--store', store, ...args], { env: { ...pebble.env, ...env } });
}

const standalone = () => [...standaloneArgs(pebble), '--email', 'ops@example.test'];

/** The lineage's live files: a chain that openssl verifies up to Pebble's root, covering the names. */
function expectIssued(store: string, name: string, names: string[]) {
  const live = join(store, 'live', name);
  expect(
    openssl(['verify', '-CAfile', root, '-untrusted', join(live, 'chain.pem'), join(live, 'cert.pem')]),
  ).toMatch(/: OK/);
  const cert = new X509Certificate(readFileSync(join(live, 'cert.pem')));
  for (const n of names) expect(cert.subjectAltName).toContain(n);
  expect(openssl(['pkey', '-in', join(live, 'privkey.pem'), '-pubout'])).toBe(
    openssl(['x509', '-in', join(live, 'cert.pem'), '-pubkey', '-noout']),
  );
  return cert;
}

function serveWebroot(dir: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const file = join(dir, decodeURIComponent(req.url ?? '/'));
    if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200).end(readFileSync(file));
  });
  return new Promise((r) => server.listen(port, '127.0.0.1', () => r(server)));
}

describe('certkit request against Pebble', () => {
  it('http-01 standalone, ECDSA by default, several SANs; progress is silent off a TTY', async () => {
    const store = join(tempDir(), 'store');
    const r = await ck(store, [
      'request',
      'www.alpha.test',
      'alpha.test',
      'mail.alpha.test',
      ...standalone(),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const cert = expectIssued(store, 'www.alpha.test', ['www.alpha.test', 'alpha.test', 'mail.alpha.test']);
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    const settings = JSON.parse(readFileSync(join(store, 'lineages/www.alpha.test/settings.json'), 'utf8'));
    expect(settings.source).toBe('acme');
    expect(settings.acme.challenge).toEqual({
      type: 'standalone',
      port: pebble.httpPort,
      address: '127.0.0.1',
    });
  });

  it('http-01 webroot served by a real HTTP server, RSA key', async () => {
    const dir = tempDir();
    const webroot = join(dir, 'www');
    mkdirSync(webroot);
    const server = await serveWebroot(webroot, pebble.httpPort);
    try {
      const store = join(dir, 'store');
      const r = await ck(store, [
        'request',
        'web.beta.test',
        '--server',
        pebble.directoryUrl,
        '--webroot',
        webroot,
        '--key-type',
        'rsa-2048',
        '--agree-tos',
        '--no-email',
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ lineage: 'web.beta.test', version: 1 });
      const cert = expectIssued(store, 'web.beta.test', ['web.beta.test']);
      expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      // cleaned up: the directories certkit created are gone again (QA run: an empty tree was left)
      expect(readdirSync(webroot)).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('--webroot removes only the directories it created, and only when empty', async () => {
    const dir = tempDir();
    const webroot = join(dir, 'www');
    mkdirSync(join(webroot, '.well-known/pki-validation'), { recursive: true });
    const server = await serveWebroot(webroot, pebble.httpPort);
    const request = (name: string) =>
      ck(join(dir, 'store'), [
        'request',
        name,
        '--server',
        pebble.directoryUrl,
        '--webroot',
        webroot,
        '--agree-tos',
        '--no-email',
      ]);
    try {
      // .well-known was there: it stays, acme-challenge (made by certkit) goes
      expect((await request('keep1.beta.test')).code).toBe(0);
      expect(readdirSync(join(webroot, '.well-known'))).toEqual(['pki-validation']);
      // acme-challenge was there (empty): it stays
      mkdirSync(join(webroot, '.well-known/acme-challenge'));
      expect((await request('keep2.beta.test')).code).toBe(0);
      expect(readdirSync(join(webroot, '.well-known')).sort()).toEqual(['acme-challenge', 'pki-validation']);
      expect(readdirSync(join(webroot, '.well-known/acme-challenge'))).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('dns-01 through a hook script that sets TXT records via challtestsrv', async () => {
    const store = join(tempDir(), 'store');
    const r = await ck(store, ['request', 'dns.gamma.test', ...dnsHookArgs(pebble)], dnsHookEnv(pebble));
    expect(r.code, r.stderr).toBe(0);
    expectIssued(store, 'dns.gamma.test', ['dns.gamma.test']);
  });

  it('a wildcard through dns-01', async () => {
    const store = join(tempDir(), 'store');
    const r = await ck(
      store,
      ['request', '*.wild.test', 'wild.test', ...dnsHookArgs(pebble)],
      dnsHookEnv(pebble),
    );
    expect(r.code, r.stderr).toBe(0);
    expectIssued(store, 'wildcard.wild.test', ['*.wild.test', 'wild.test']);
  });

  it('an IP address identifier over http-01', async () => {
    const store = join(tempDir(), 'store');
    const r = await ck(store, ['request', '127.0.0.1', ...standalone(), '--name', 'loopback-ip']);
    expect(r.code, r.stderr).toBe(0);
    const cert = expectIssued(store, 'loopback-ip', ['IP Address:127.0.0.1']);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('--profile is checked against the directory (Pebble 2.4 advertises none): one line, nothing stored', async () => {
    const store = join(tempDir(), 'store');
    const r = await ck(store, ['request', 'prof.test', ...standalone(), '--profile', 'shortlived']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^certkit: this CA advertises no ACME profiles, so --profile shortlived cannot be used$/,
    );
    expect(existsSync(join(store, 'lineages'))).toBe(false);
  });

  it('a wildcard with http-01 is refused with a clear line', async () => {
    const r = await ck(join(tempDir(), 'store'), ['request', '*.nope.test', ...standalone()]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^certkit: \*\.nope\.test: wildcard names can only be validated with dns-01/,
    );
  });

  it('a name Pebble cannot validate: one line naming the domain and the reason; nothing in the store', async () => {
    const dir = tempDir();
    const store = join(dir, 'store');
    mkdirSync(join(dir, 'www'));
    // webroot with no web server listening on the port Pebble checks
    const r = await ck(store, [
      'request',
      'down.delta.test',
      '--server',
      pebble.directoryUrl,
      '--webroot',
      join(dir, 'www'),
      '--agree-tos',
      '--no-email',
    ]);
    expect(r.code).toBe(5);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^certkit: down\.delta\.test: the CA could not validate the name: (connection refused|could not connect)/,
    );
    expect(existsSync(join(store, 'lineages'))).toBe(false);
    expect(existsSync(join(store, 'live', 'down.delta.test'))).toBe(false);
  });

  it('an unreachable CA and an unverifiable CA certificate: one line each with the cause, exit 6', async () => {
    const store = join(tempDir(), 'store');
    const refused = await ck(store, [
      'request',
      'x.test',
      '--server',
      'https://127.0.0.1:1/dir',
      '--standalone',
      '--agree-tos',
      '--no-email',
    ]);
    expect(refused.code).toBe(6);
    expect(refused.stderr.trim()).toMatch(
      /^certkit: cannot reach the ACME server while [a-z ]+ \(ECONNREFUSED\)/,
    );
    // TLS verification is on: without NODE_EXTRA_CA_CERTS, Pebble's own certificate is not trusted
    const untrusted = await certkitAsync(['--store', store, 'request', 'x.test', ...standalone()], {
      env: { NODE_EXTRA_CA_CERTS: '' },
    });
    expect(untrusted.code).toBe(6);
    expect(untrusted.stderr.trim().split('\n')).toHaveLength(1);
    expect(untrusted.stderr).toMatch(/TLS verification of the ACME server failed/);
    expect(existsSync(join(store, 'lineages'))).toBe(false);
  });

  it('account rollover, then issuance still works; revoke', async () => {
    const store = join(tempDir(), 'store');
    expect((await ck(store, ['request', 'roll.eps.test', ...standalone()])).code).toBe(0);
    const acctDir = join(store, 'accounts', readdirSync(join(store, 'accounts'))[0]!);
    const keyBefore = readFileSync(join(acctDir, 'account.key'), 'utf8');
    const roll = await ck(store, ['account', 'rollover', '--server', pebble.directoryUrl]);
    expect(roll.code, roll.stderr).toBe(0);
    expect(readFileSync(join(acctDir, 'account.key'), 'utf8')).not.toBe(keyBefore);
    const again = await ck(store, ['renew', '--name', 'roll.eps.test', '--force', '--no-jitter']);
    expect(again.code, again.stderr).toBe(0);
    const show = await ck(store, ['--json', 'account', 'show', '--server', pebble.directoryUrl]);
    expect(JSON.parse(show.stdout).account.status).toBe('valid');
    const rev = await ck(store, ['revoke', '--name', 'roll.eps.test', '--reason', 'keyCompromise', '--yes']);
    expect(rev.code, rev.stderr).toBe(0);
    const twice = await ck(store, ['revoke', '--name', 'roll.eps.test', '--yes']);
    expect(twice.code).toBe(5);
    expect(twice.stderr).toMatch(/already revoked/);
  });
});

describe('certkit renew against Pebble', () => {
  it('forced renewal makes a new version live and runs the deploy hook', async () => {
    const dir = tempDir();
    const store = join(dir, 'store');
    const marker = join(dir, 'hook-ran');
    expect(
      (
        await ck(store, [
          'request',
          'renew.zeta.test',
          ...standalone(),
          '--deploy-hook',
          `echo "$CERTKIT_LINEAGE $CERTKIT_VERSION" >> ${marker}`,
        ])
      ).code,
    ).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('renew.zeta.test 1\n');
    const r = await ck(store, ['renew', '--force', '--no-jitter', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).lineages[0]).toMatchObject({
      name: 'renew.zeta.test',
      status: 'renewed',
      version: 2,
    });
    expect(readFileSync(marker, 'utf8')).toBe('renew.zeta.test 1\nrenew.zeta.test 2\n');
    expectIssued(store, 'renew.zeta.test', ['renew.zeta.test']);
  });

  it('renews several standalone lineages concurrently (one shared HTTP server)', async () => {
    const store = join(tempDir(), 'store');
    for (const n of ['c1', 'c2', 'c3'])
      expect((await ck(store, ['request', `${n}.conc.test`, ...standalone()])).code).toBe(0);
    const r = await ck(store, ['renew', '--force', '--no-jitter', '--concurrency', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).lineages.map((l: any) => l.status)).toEqual([
      'renewed',
      'renewed',
      'renewed',
    ]);
  });

  it('due-based with an injected clock: not due → nothing; due → a new version and the hook', async () => {
    const dir = tempDir();
    const store = join(dir, 'store');
    const marker = join(dir, 'hook');
    expect(
      (
        await ck(store, [
          'request',
          'due.eta.test',
          ...standalone(),
          '--deploy-hook',
          `echo ran >> ${marker}`,
        ])
      ).code,
    ).toBe(0);
    const cert = new X509Certificate(readFileSync(join(store, 'live/due.eta.test/cert.pem')));
    const nb = new Date(cert.validFrom).getTime();
    const na = new Date(cert.validTo).getTime();
    const early = new Date(nb + (na - nb) * 0.5).toISOString();
    const late = new Date(nb + (na - nb) * 0.7).toISOString();
    const notDue = await ck(store, ['renew', '--no-jitter', '--json'], { CERTKIT_NOW: early });
    expect(notDue.code).toBe(0);
    expect(JSON.parse(notDue.stdout).lineages[0].status).toBe('not-due');
    expect(readdirSync(join(store, 'lineages/due.eta.test/versions'))).toEqual(['0001']);
    const due = await ck(store, ['renew', '--no-jitter', '--json'], { CERTKIT_NOW: late });
    expect(due.code, due.stderr).toBe(0);
    expect(JSON.parse(due.stdout).lineages[0]).toMatchObject({ status: 'renewed', version: 2 });
    expect(readFileSync(marker, 'utf8')).toBe('ran\nran\n');
  });

  it('SIGKILL during renew leaves the old certificate live, and the next run completes', async () => {
    const store = join(tempDir(), 'store');
    expect((await ck(store, ['request', 'kill.theta.test', ...standalone()])).code).toBe(0);
    const liveCert = () => readFileSync(join(store, 'live/kill.theta.test/cert.pem'), 'utf8');
    const original = liveCert();
    let changed = 0;
    for (let i = 0; i < 5; i++) {
      const before = liveCert();
      const child = spawn(process.execPath, [BIN, '--store', store, 'renew', '--force', '--no-jitter'], {
        env: { ...process.env, ...pebble.env },
        stdio: 'ignore',
      });
      const exited = new Promise((r) => child.once('exit', r)); // it may finish before the kill lands
      await new Promise((r) => setTimeout(r, 80 + i * 60));
      child.kill('SIGKILL');
      await exited;
      // either untouched or a complete new version whose key matches and whose chain verifies: never half
      if (liveCert() !== before) changed++;
      expectIssued(store, 'kill.theta.test', ['kill.theta.test']);
    }
    expect(changed).toBeLessThan(5); // most kills landed mid-renewal
    const r = await ck(store, ['renew', '--force', '--no-jitter', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).lineages[0].status).toBe('renewed');
    expect(liveCert()).not.toBe(original);
    expectIssued(store, 'kill.theta.test', ['kill.theta.test']);
    expect(readdirSync(join(store, 'lineages'))).toEqual(['kill.theta.test']); // no duplicate lineages
  });
});
