/** Every example in examples/ runs here, against the real parts (Pebble, Apache, SMTP, promtool). */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { ROOT, certkitAsync } from '../helpers/cli.js';
import { createApache, freePort, type ApacheInstance } from '../helpers/apache.js';
import { startPebble } from '../helpers/pebble.js';
import { issue, makeRoot, read, tempDir } from '../helpers/openssl.js';
import { servedFingerprint, httpHead } from '../../src/deploy/probe.js';
import { main as libraryExample } from '../../examples/library.js';

const apaches: ApacheInstance[] = [];
afterAll(() => {
  for (const a of apaches) a.stop();
});

function sandbox() {
  const d = tempDir();
  chmodSync(d, 0o755);
  return d;
}

describe('examples/', () => {
  it('paid-ca-flow.sh: wizard without a TTY → CSR signed by a (local) CA → .p7b import → Apache install', async () => {
    const work = sandbox();
    const a = createApache({
      dir: join(work, 'apache'),
      httpPort: await freePort(),
      sites: [{ name: 'shop.example.com', aliases: ['www.shop.example.com'] }],
    });
    a.start();
    apaches.push(a);
    const tlsPort = await freePort();
    const r = spawnSync(
      'bash',
      [join(ROOT, 'examples/paid-ca-flow.sh'), work, a.serverRoot, String(tlsPort)],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(work, 'order/next-steps.txt'), 'utf8')).toMatch(/import --cert FILE/);
    const leaf = readFileSync(join(work, 'store/live/shop.example.com/cert.pem'), 'utf8');
    const { X509Certificate } = await import('node:crypto');
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'shop.example.com')).toBe(
      new X509Certificate(leaf).fingerprint256,
    );
  });

  it('library.ts: request and install in about 20 lines', async () => {
    const work = sandbox();
    const a = createApache({
      dir: join(work, 'apache'),
      httpPort: await freePort(),
      sites: [{ name: 'lib.example.test' }],
    });
    a.start();
    apaches.push(a);
    const pebble = await startPebble({ ports: { http: a.httpPort } } as never);
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    try {
      // the in-process library trusts Pebble's HTTPS through the CA option of node's global agent
      const https = await import('node:https');
      const tls = await import('node:tls');
      https.globalAgent.options.ca = [...tls.rootCertificates, read(pebble.tlsCaFile)];
      const tlsPort = await freePort();
      const r = await libraryExample({
        domain: 'lib.example.test',
        webroot: a.sites[0]!.docroot,
        server: pebble.directoryUrl,
        storeRoot: join(work, 'store'),
        apacheRoot: a.serverRoot,
        tlsPort,
      });
      expect(r.served).toBeTruthy();
      expect(r.redirect).toMatch(/^301 https:\/\/lib\.example\.test:/);
      expect((await httpHead('127.0.0.1', a.httpPort, 'lib.example.test', '/')).status).toBe(301);
      // record the installer, then a renewal replays it: Apache serves the renewed certificate
      const store = join(work, 'store');
      const env = { NODE_EXTRA_CA_CERTS: pebble.tlsCaFile };
      const inst = await certkitAsync(
        [
          '--store',
          store,
          'install',
          'apache',
          '--name',
          'lib.example.test',
          '--server-root',
          a.serverRoot,
          '--tls-port',
          String(tlsPort),
          '--yes',
        ],
        { env },
      );
      expect(inst.code, inst.stderr).toBe(0);
      const renew = await certkitAsync(['--store', store, '--json', 'renew', '--force', '--no-jitter'], {
        env,
      });
      expect(renew.code, renew.stderr).toBe(0);
      expect(JSON.parse(renew.stdout).lineages[0]).toMatchObject({ status: 'renewed', version: 2 });
      const { X509Certificate } = await import('node:crypto');
      const live = new X509Certificate(readFileSync(join(store, 'live/lib.example.test/cert.pem')));
      expect(await servedFingerprint('127.0.0.1', tlsPort, 'lib.example.test')).toBe(live.fingerprint256);
    } finally {
      process.env.NODE_EXTRA_CA_CERTS = saved;
      await pebble.stop();
    }
  });

  it('nightly-check/config.json: the check with an email digest, from the config file', async () => {
    const dir = tempDir();
    const root = makeRoot(dir);
    const expired = issue(dir, 'expired', root, {
      cn: 'old.example.test',
      sans: ['old.example.test'],
      notBefore: '20200101000000Z',
      notAfter: '20210101000000Z',
    });
    const smtpCert = issue(dir, 'smtp', root, { cn: 'localhost', sans: ['localhost'] });
    const mails: string[] = [];
    const port = await freePort();
    const server = new SMTPServer({
      key: read(smtpCert.keyFile),
      cert: read(smtpCert.certFile),
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth: (a, _s, cb) => cb(a.password === 'pw' ? null : new Error('no'), { user: a.username }),
      onData: (s, _x, cb) => {
        let m = '';
        s.on('data', (d) => (m += d));
        s.on('end', () => {
          mails.push(m);
          cb();
        });
      },
      logger: false,
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const cfg = JSON.parse(readFileSync(join(ROOT, 'examples/nightly-check/config.json'), 'utf8'));
      cfg.store = join(dir, 'store');
      cfg.check.targets = [expired.certFile];
      cfg.check.prometheus = join(dir, 'certkit.prom');
      cfg.check.html = join(dir, 'report.html');
      writeFileSync(join(dir, 'pw'), 'pw\n');
      Object.assign(cfg.email, {
        host: 'localhost',
        port,
        passwordFile: join(dir, 'pw'),
        caFile: root.certFile,
      });
      writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
      const r = await certkitAsync(['--config', join(dir, 'config.json'), '--quiet', 'check']);
      expect(r.code, r.stderr).toBe(2);
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatch(/expired/);
      execFileSync('promtool', ['check', 'metrics'], { input: readFileSync(join(dir, 'certkit.prom')) });
    } finally {
      server.close();
    }
  });

  it('prometheus/: the scrape config and alert rules pass promtool', () => {
    const dir = join(ROOT, 'examples/prometheus');
    expect(
      execFileSync('promtool', ['check', 'rules', 'certkit-alerts.yml'], { cwd: dir }).toString(),
    ).toMatch(/SUCCESS: 7 rules found/);
    execFileSync('promtool', ['check', 'config', 'prometheus.yml'], { cwd: dir });
  });

  it('dns-hook-challtestsrv.sh is the hook the ACME tests use (dnsHookArgs in test/helpers/pebble.ts, used by acme.test.ts)', () => {
    expect(readFileSync(join(ROOT, 'test/helpers/pebble.ts'), 'utf8')).toMatch(
      /export function dnsHookArgs[\s\S]*examples\/dns-hook-challtestsrv\.sh/,
    );
    expect(readFileSync(join(ROOT, 'test/integration/acme.test.ts'), 'utf8')).toContain('dnsHookArgs(');
  });
});
