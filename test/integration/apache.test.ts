/** certkit install apache against a real Apache (Debian apache2) run as a private instance on loopback high ports. */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { certkitAsync, type CliResult } from '../helpers/cli.js';
import { createApache, freePort, type ApacheInstance } from '../helpers/apache.js';
import { snapshotWithModes } from '../helpers/fs.js';
import { issue, openssl, read, selfSignedLeaf, tempDir } from '../helpers/openssl.js';
import { httpsGet, installApacheCli, lineage, testCa } from './apache-helpers.js';
import { httpHead, servedFingerprint } from '../../src/deploy/probe.js';

const running: ApacheInstance[] = [];
afterEach(() => {
  for (const a of running.splice(0)) a.stop();
});

async function apache(sites: { name: string; aliases?: string[] }[], layout: 'debian' | 'rhel' = 'debian') {
  const a = createApache({ dir: tempDir('certkit-apache-'), layout, httpPort: await freePort(), sites });
  a.start();
  running.push(a);
  return a;
}

function install(
  store: string,
  a: ApacheInstance,
  name: string,
  tlsPort: number,
  extra: string[] = [],
): Promise<CliResult> {
  const ctl = a.layout === 'rhel' ? ['--ctl', a.ctl] : [];
  return installApacheCli(store, a.serverRoot, name, tlsPort, [...ctl, ...extra]);
}

describe('certkit install apache (Debian layout)', () => {
  it('fresh install from an HTTP-only vhost: TLS served, exact redirects, ACME path exempt; second run and --dry-run change nothing', async () => {
    const a = await apache([{ name: 'www.site.test', aliases: ['site.test'] }]);
    const l = lineage(['www.site.test', 'site.test'], 'site');
    const tlsPort = await freePort();
    const r = await install(l.store, a, 'site', tlsPort);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'www.site.test')).toBe(l.fingerprint);
    expect((await httpsGet(tlsPort, 'www.site.test', '/')).status).toBe(200);
    // redirects keep every URL exact
    for (const path of ['/a%20b', '/p%2541', '/x%3Fy', '/caf%C3%A9?q=1', '/q?x=%3F']) {
      const res = await httpHead('127.0.0.1', a.httpPort, 'www.site.test', path);
      expect(res.status, path).toBe(301);
      expect(res.location, path).toBe(`https://www.site.test:${tlsPort}${path}`);
    }
    expect((await httpHead('127.0.0.1', a.httpPort, 'site.test', '/')).location).toBe(
      `https://site.test:${tlsPort}/`,
    );
    // the ACME challenge path is answered on port 80, not redirected
    const docroot = a.sites[0]!.docroot;
    mkdirSync(join(docroot, '.well-known/acme-challenge'), { recursive: true });
    writeFileSync(join(docroot, '.well-known/acme-challenge/tok123'), 'tok123.thumb');
    expect(
      (await httpHead('127.0.0.1', a.httpPort, 'www.site.test', '/.well-known/acme-challenge/tok123')).status,
    ).toBe(200);
    expect(
      (await httpHead('127.0.0.1', a.httpPort, 'www.site.test', '/.well-known/acme-challenge/missing'))
        .status,
    ).toBe(404);

    const before = snapshotWithModes(a.serverRoot);
    const pid = a.pid();
    const again = await install(l.store, a, 'site', tlsPort, ['--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ noop: true, changed: [] });
    expect(snapshotWithModes(a.serverRoot)).toEqual(before);
    const dry = await install(l.store, a, 'site', tlsPort, ['--dry-run', '--hsts']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^\+.*Strict-Transport-Security/m);
    expect(snapshotWithModes(a.serverRoot)).toEqual(before);
    expect(a.pid()).toBe(pid);
  });

  it('basic auth only on HTTPS (401 without, 200 with credentials, never 401 on HTTP) and HSTS when asked', async () => {
    const a = await apache([{ name: 'auth.site.test' }]);
    const l = lineage(['auth.site.test'], 'auth');
    const htpasswd = join(a.serverRoot, 'htpasswd'); // readable by the www-data children
    execFileSync('htpasswd', ['-cbB', htpasswd, 'alice', 'wonderland'], { stdio: 'ignore' });
    execFileSync('chmod', ['644', htpasswd]);
    const tlsPort = await freePort();
    const r = await install(l.store, a, 'auth', tlsPort, ['--basic-auth', htpasswd, '--hsts']);
    expect(r.code, r.stderr).toBe(0);
    const noCreds = await httpsGet(tlsPort, 'auth.site.test', '/');
    expect(noCreds.status).toBe(401);
    expect(noCreds.headers['strict-transport-security']).toBe('max-age=63072000');
    expect((await httpsGet(tlsPort, 'auth.site.test', '/', 'alice:wonderland')).status).toBe(200);
    expect((await httpsGet(tlsPort, 'auth.site.test', '/', 'alice:wrong')).status).toBe(401);
    expect((await httpHead('127.0.0.1', a.httpPort, 'auth.site.test', '/')).status).toBe(301);
    expect((await httpHead('127.0.0.1', a.httpPort, 'auth.site.test', '/secret')).status).toBe(301);
    const docroot = a.sites[0]!.docroot;
    mkdirSync(join(docroot, '.well-known/pki-validation'), { recursive: true });
    writeFileSync(join(docroot, '.well-known/pki-validation/x.txt'), 'x');
    expect((await httpsGet(tlsPort, 'auth.site.test', '/.well-known/pki-validation/x.txt')).status).toBe(200);
  });

  it('an existing SSL vhost is updated in place', async () => {
    const a = await apache([{ name: 'old.site.test' }]);
    const tlsPort = await freePort();
    const oldDir = tempDir();
    selfSignedLeaf(oldDir, 'old', 'old.site.test');
    const sslSite = join(a.serverRoot, 'sites-available', 'old-ssl.conf');
    writeFileSync(
      sslSite,
      [
        `Listen 127.0.0.1:${tlsPort}`,
        `<VirtualHost 127.0.0.1:${tlsPort}>`,
        '    ServerName old.site.test',
        `    DocumentRoot ${a.sites[0]!.docroot}`,
        '    SSLEngine on',
        `    SSLCertificateFile ${oldDir}/old.pem`,
        `    SSLCertificateKeyFile ${oldDir}/old.key`,
        "    # the admin's own comment stays",
        '</VirtualHost>',
        '',
      ].join('\n'),
    );
    execFileSync('ln', [
      '-s',
      '../sites-available/old-ssl.conf',
      join(a.serverRoot, 'sites-enabled', 'old-ssl.conf'),
    ]);
    execFileSync('ln', ['-sf', '../mods-available/ssl.load', join(a.serverRoot, 'mods-enabled', 'ssl.load')]);
    execFileSync('ln', ['-sf', '../mods-available/ssl.conf', join(a.serverRoot, 'mods-enabled', 'ssl.conf')]);
    execFileSync('ln', [
      '-sf',
      '../mods-available/socache_shmcb.load',
      join(a.serverRoot, 'mods-enabled', 'socache_shmcb.load'),
    ]);
    a.stop();
    a.start();
    const l = lineage(['old.site.test'], 'old');
    const r = await install(l.store, a, 'old', tlsPort);
    expect(r.code, r.stderr).toBe(0);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'old.site.test')).toBe(l.fingerprint);
    const text = readFileSync(sslSite, 'utf8');
    expect(text).not.toContain(`${oldDir}/old.pem`);
    expect(text).toContain("# the admin's own comment stays");
    expect(text.match(/SSLCertificateFile/g)).toHaveLength(1);
    expect(readdirSync(join(a.serverRoot, 'sites-available'))).not.toContain('certkit-old-ssl.conf');
  });

  it("several vhosts in one file: only the lineage's vhost changes", async () => {
    const a = await apache([]);
    const multi = join(a.serverRoot, 'sites-available', 'multi.conf');
    const docroot = a.sites[0]?.docroot ?? '/var/www';
    const vh = (n: string) =>
      `<VirtualHost 127.0.0.1:${a.httpPort}>\n    ServerName ${n}\n    DocumentRoot ${docroot}\n</VirtualHost>\n`;
    writeFileSync(multi, `# two sites\n${vh('a.multi.test')}\n${vh('b.multi.test')}`);
    execFileSync('ln', [
      '-s',
      '../sites-available/multi.conf',
      join(a.serverRoot, 'sites-enabled', 'multi.conf'),
    ]);
    a.control('graceful');
    const l = lineage(['a.multi.test'], 'multi-a');
    const tlsPort = await freePort();
    const r = await install(l.store, a, 'multi-a', tlsPort);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(multi, 'utf8');
    expect(text.endsWith(vh('b.multi.test'))).toBe(true);
    expect(text).toMatch(
      /ServerName a\.multi\.test\n[\s\S]*BEGIN certkit redirect[\s\S]*<\/VirtualHost>\n\n<VirtualHost/,
    );
    expect((await httpHead('127.0.0.1', a.httpPort, 'b.multi.test', '/')).status).not.toBe(301);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'a.multi.test')).toBe(l.fingerprint);
  });

  it('vhosts pulled in through an Include glob', async () => {
    const a = await apache([]);
    mkdirSync(join(a.serverRoot, 'custom'));
    writeFileSync(
      join(a.serverRoot, 'custom', 'glob.vhost'),
      `<VirtualHost 127.0.0.1:${a.httpPort}>\n    ServerName glob.site.test\n    DocumentRoot /var/www\n</VirtualHost>\n`,
    );
    writeFileSync(
      join(a.serverRoot, 'apache2.conf'),
      readFileSync(join(a.serverRoot, 'apache2.conf'), 'utf8') + '\nIncludeOptional custom/*.vhost\n',
    );
    a.control('graceful');
    const list = await certkitAsync(['--json', 'install', 'apache', '--list', '--server-root', a.serverRoot]);
    expect(JSON.parse(list.stdout).vhosts.map((v: any) => v.names)).toContainEqual(['glob.site.test']);
    const l = lineage(['glob.site.test'], 'glob');
    const tlsPort = await freePort();
    const r = await install(l.store, a, 'glob', tlsPort);
    expect(r.code, r.stderr).toBe(0);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'glob.site.test')).toBe(l.fingerprint);
  });

  it('a forced configtest failure rolls back to byte-identical files (modes and owners too, no new directory) with Apache still serving', async () => {
    const a = await apache([{ name: 'fail.site.test' }]);
    const l = lineage(['fail.site.test'], 'fail');
    // the edited site file is 0640 root:adm: the rollback must give exactly that back, not 0644 root:root
    const site = join(a.serverRoot, 'sites-available', 'fail.site.test.conf');
    chmodSync(site, 0o640);
    chownSync(site, 0, 4);
    // a control command whose configtest rejects any configuration certkit has touched; it calls apache2ctl
    // without naming the tree: certkit's APACHE_CONFDIR must point it at this one (CI: the system Apache in
    // /etc/apache2 was started by the rollback's reload when it did not)
    const ctl = join(l.dir, 'failing-ctl.sh');
    const seen = join(l.dir, 'ctl-confdir');
    writeFileSync(
      ctl,
      `#!/bin/sh\necho "$1 $APACHE_CONFDIR" >> ${seen}\nif [ "$1" = configtest ] && grep -Rqs "BEGIN certkit" ${a.serverRoot}/sites-enabled/; then echo "AH00526: Syntax error (forced by the test)" >&2; exit 1; fi\nexec apache2ctl "$@"\n`,
    );
    execFileSync('chmod', ['+x', ctl]);
    const before = snapshotWithModes(a.serverRoot);
    const r = await certkitAsync([
      '--store',
      l.store,
      'install',
      'apache',
      '--name',
      'fail',
      '--server-root',
      a.serverRoot,
      '--ctl',
      ctl,
      '--tls-port',
      String(await freePort()),
      '--yes',
    ]);
    expect(r.code).toBe(7);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/fails its test.*restored/);
    const calls = readFileSync(seen, 'utf8').trim().split('\n');
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c).toMatch(new RegExp(`^\\S+ ${a.serverRoot}$`));
    expect(snapshotWithModes(a.serverRoot)).toEqual(before);
    expect((await httpHead('127.0.0.1', a.httpPort, 'fail.site.test', '/')).status).toBe(200);
  });

  const bad: [string, (l: ReturnType<typeof lineage>) => { fullchain: string; key: string }, RegExp][] = [
    [
      'a reversed chain',
      (l) => {
        const f = join(l.dir, 'rev.pem');
        writeFileSync(f, read(testCa().int.certFile) + read(l.leaf.certFile));
        return { fullchain: f, key: l.leaf.keyFile };
      },
      /not in leaf-first order/,
    ],
    [
      'a mismatched key',
      (l) => {
        const other = issue(l.dir, 'other', testCa().int, { cn: 'bad.site.test', sans: ['bad.site.test'] });
        return { fullchain: join(l.store, 'live/bad/fullchain.pem'), key: other.keyFile };
      },
      /does not match/,
    ],
    [
      'a DER certificate',
      (l) => {
        const f = join(l.dir, 'leaf.der');
        openssl(['x509', '-in', l.leaf.certFile, '-outform', 'DER', '-out', f]);
        return { fullchain: f, key: l.leaf.keyFile };
      },
      /not a PEM certificate/,
    ],
    [
      'an encrypted key',
      (l) => {
        const f = join(l.dir, 'enc.key');
        openssl(['pkey', '-in', l.leaf.keyFile, '-aes256', '-passout', 'pass:x', '-out', f]);
        return { fullchain: join(l.store, 'live/bad/fullchain.pem'), key: f };
      },
      /encrypted/,
    ],
    [
      'an expired certificate',
      (l) => {
        const e = issue(l.dir, 'expired', testCa().int, {
          cn: 'bad.site.test',
          sans: ['bad.site.test'],
          notBefore: '20200101000000Z',
          notAfter: '20210101000000Z',
        });
        const f = join(l.dir, 'expired-full.pem');
        writeFileSync(f, read(e.certFile) + read(testCa().int.certFile));
        return { fullchain: f, key: e.keyFile };
      },
      /expired/,
    ],
    [
      'names not covering the vhost',
      (l) => {
        const o = issue(l.dir, 'othername', testCa().int, { cn: 'elsewhere.test', sans: ['elsewhere.test'] });
        const f = join(l.dir, 'other-full.pem');
        writeFileSync(f, read(o.certFile) + read(testCa().int.certFile));
        return { fullchain: f, key: o.keyFile };
      },
      /does not cover bad\.site\.test/,
    ],
  ];
  it('each bad certificate is refused before any reload, Apache still serving the old certificate', async () => {
    const a = await apache([{ name: 'bad.site.test' }]);
    const l = lineage(['bad.site.test'], 'bad');
    const tlsPort = await freePort();
    expect((await install(l.store, a, 'bad', tlsPort)).code).toBe(0);
    const served = await servedFingerprint('127.0.0.1', tlsPort, 'bad.site.test');
    const before = snapshotWithModes(a.serverRoot);
    const pid = a.pid();
    for (const [what, make, pattern] of bad) {
      const files = make(l);
      const r = await certkitAsync([
        '--store',
        l.store,
        'install',
        'apache',
        '--fullchain',
        files.fullchain,
        '--key',
        files.key,
        '--vhost',
        'bad.site.test',
        '--server-root',
        a.serverRoot,
        '--tls-port',
        String(tlsPort),
        '--yes',
      ]);
      expect(r.code, what).toBe(2);
      expect(r.stderr, what).toMatch(/refused before any reload/);
      expect(r.stderr, what).toMatch(pattern);
      expect(snapshotWithModes(a.serverRoot), what).toEqual(before);
      expect(a.pid(), what).toBe(pid);
      expect(await servedFingerprint('127.0.0.1', tlsPort, 'bad.site.test'), what).toBe(served);
    }
  });

  it('refuses to start when the existing configuration already fails configtest', async () => {
    const a = await apache([{ name: 'broken.site.test' }]);
    const l = lineage(['broken.site.test'], 'broken');
    writeFileSync(
      join(a.serverRoot, 'sites-enabled', 'zz-broken.conf'),
      '<VirtualHost *:80>\nNotADirective here\n</VirtualHost>\n',
    );
    const before = snapshotWithModes(a.serverRoot);
    const r = await install(l.store, a, 'broken', await freePort());
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/already fails its test/);
    expect(snapshotWithModes(a.serverRoot)).toEqual(before);
    rmSync(join(a.serverRoot, 'sites-enabled', 'zz-broken.conf')); // so the instance can be stopped
  });
});

describe('certkit install apache (RHEL layout: a conf.d tree run by the same binary)', () => {
  it('installs, loads the modules, redirects, and is idempotent', async () => {
    const a = await apache([{ name: 'rhel.site.test' }], 'rhel');
    const l = lineage(['rhel.site.test'], 'rhel');
    const tlsPort = await freePort();
    const r = await install(l.store, a, 'rhel', tlsPort);
    expect(r.code, r.stderr).toBe(0);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'rhel.site.test')).toBe(l.fingerprint);
    expect((await httpHead('127.0.0.1', a.httpPort, 'rhel.site.test', '/x%3Fy')).location).toBe(
      `https://rhel.site.test:${tlsPort}/x%3Fy`,
    );
    expect(readFileSync(join(a.serverRoot, 'conf.modules.d', '00-certkit.conf'), 'utf8')).toMatch(
      /LoadModule ssl_module/,
    );
    expect(readdirSync(join(a.serverRoot, 'conf.d'))).toContain('certkit-rhel-ssl.conf');
    const again = await install(l.store, a, 'rhel', tlsPort, ['--json']);
    expect(JSON.parse(again.stdout).noop).toBe(true);
    void statSync;
  });
});
