/** Regressions from the QA run (a new user on a clone of main): install apache against a real private Apache. */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { certkit, certkitAsync } from '../helpers/cli.js';
import { createApache, freePort, type ApacheInstance } from '../helpers/apache.js';
import { snapshotWithModes } from '../helpers/fs.js';
import { read, tempDir } from '../helpers/openssl.js';
import { installApacheCli, lineage, testCa } from './apache-helpers.js';
import { fetchPage, servedFingerprint } from '../../src/deploy/probe.js';
import { installApache } from '../../src/deploy/apache/install.js';

const running: ApacheInstance[] = [];
afterEach(() => {
  for (const a of running.splice(0)) a.stop();
});

async function apache(sites: { name: string; aliases?: string[] }[]) {
  const a = createApache({ dir: tempDir('certkit-apache-'), httpPort: await freePort(), sites });
  a.start();
  running.push(a);
  return a;
}

describe('install apache: QA regressions', () => {
  it('a second install without --tls-port keeps the TLS vhost on its non-443 port (second run changes nothing)', async () => {
    const a = await apache([{ name: 'port.site.test' }]);
    const l = lineage(['port.site.test'], 'port');
    const tlsPort = await freePort();
    expect((await installApacheCli(l.store, a.serverRoot, 'port', tlsPort)).code).toBe(0);
    const after = snapshotWithModes(a.serverRoot);
    const base = ['--store', l.store, 'install', 'apache', '--name', 'port', '--server-root', a.serverRoot];
    const dry = await certkitAsync([...base, '--dry-run']);
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toMatch(/nothing would change/);
    const again = await certkitAsync([...base, '--yes', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).noop).toBe(true);
    expect(snapshotWithModes(a.serverRoot)).toEqual(after);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'port.site.test')).toBe(l.fingerprint);
    // without any recorded spec (a library caller): the port of the existing twin is reused
    const r = await installApache({
      lineage: 'port',
      names: ['port.site.test'],
      fullchainPath: join(l.store, 'live', 'port', 'fullchain.pem'),
      keyPath: join(l.store, 'live', 'port', 'privkey.pem'),
      serverRoot: a.serverRoot,
      dryRun: true,
    });
    expect(r.noop).toBe(true);
  });

  it('a relative --server-root (run from its parent) still lets certkit ask and control Apache', async () => {
    const a = await apache([{ name: 'rel.site.test' }]);
    const l = lineage(['rel.site.test'], 'rel');
    const cwd = dirname(a.serverRoot);
    const list = certkit(['--json', 'install', 'apache', '--list', '--server-root', 'apache2'], { cwd });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).apache.asked).toBe(true);
    const tlsPort = await freePort();
    const r = certkit(
      [
        '--store',
        l.store,
        'install',
        'apache',
        '--name',
        'rel',
        '--server-root',
        'apache2',
        '--tls-port',
        String(tlsPort),
        '--yes',
      ],
      { cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'rel.site.test')).toBe(l.fingerprint);
    // what renewals replay from any directory is the absolute root
    const settings = JSON.parse(readFileSync(join(l.store, 'lineages', 'rel', 'settings.json'), 'utf8'));
    expect(settings.installers[0].options.serverRoot).toBe(a.serverRoot);
  });

  it('relative --fullchain/--key are written into SSLCertificateFile as absolute paths', async () => {
    const a = await apache([{ name: 'files.site.test' }]);
    const l = lineage(['files.site.test'], 'files');
    const dir = tempDir();
    writeFileSync(join(dir, 'demo-full.pem'), read(l.leaf.certFile) + read(testCa().int.certFile));
    writeFileSync(join(dir, 'demo.key'), read(l.leaf.keyFile), { mode: 0o600 });
    const tlsPort = await freePort();
    const r = certkit(
      [
        '--store',
        join(dir, 'store'),
        'install',
        'apache',
        '--fullchain',
        'demo-full.pem',
        '--key',
        'demo.key',
        '--vhost',
        'files.site.test',
        '--server-root',
        a.serverRoot,
        '--tls-port',
        String(tlsPort),
        '--yes',
      ],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'files.site.test')).toBe(l.fingerprint);
  });

  it('a truncated PEM as --fullchain is one line, exit 2, naming the file; nothing changed', async () => {
    const a = await apache([{ name: 'trunc.site.test' }]);
    const l = lineage(['trunc.site.test'], 'trunc');
    const dir = tempDir();
    const pem = read(l.leaf.certFile);
    writeFileSync(join(dir, 'truncated.pem'), pem.slice(0, pem.length - 40));
    const before = snapshotWithModes(a.serverRoot);
    const r = certkit([
      '--store',
      join(dir, 'store'),
      'install',
      'apache',
      '--fullchain',
      join(dir, 'truncated.pem'),
      '--key',
      l.leaf.keyFile,
      '--vhost',
      'trunc.site.test',
      '--server-root',
      a.serverRoot,
      '--tls-port',
      String(await freePort()),
      '--yes',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('truncated.pem');
    expect(snapshotWithModes(a.serverRoot)).toEqual(before);
  });

  it('no false "Apache and certkit disagree" on aliases of a vhost alone on its address (-S omits them)', async () => {
    const a = createApache({
      dir: tempDir('certkit-apache-'),
      httpPort: await freePort(),
      sites: [{ name: 'www.alone.test', aliases: ['alone.test'] }],
    });
    const list = certkit(['install', 'apache', '--list', '--server-root', a.serverRoot]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('www.alone.test, alone.test');
    expect(list.stdout).not.toMatch(/disagree|not confirmed/);
  });

  it('install apache --list on a tree whose ServerRoot does not exist says so (exit 3), not an empty list', async () => {
    const a = createApache({ dir: tempDir('certkit-apache-'), layout: 'rhel', httpPort: await freePort() });
    const main = join(a.serverRoot, 'conf', 'httpd.conf');
    writeFileSync(
      main,
      readFileSync(main, 'utf8').replace(/^ServerRoot .*$/m, `ServerRoot "${a.serverRoot}-moved"`),
    );
    const list = certkit(['install', 'apache', '--list', '--server-root', a.serverRoot]);
    expect(list.code).toBe(3);
    expect(list.stderr.trim().split('\n')).toHaveLength(1);
    expect(list.stderr).toContain(`ServerRoot ${a.serverRoot}-moved`);
  });

  it('install apache --list says LIVE was not confirmed by Apache when httpd -S fails', async () => {
    const a = createApache({
      dir: tempDir('certkit-apache-'),
      httpPort: await freePort(),
      sites: [{ name: 'ask.site.test' }],
    });
    writeFileSync(
      join(a.serverRoot, 'sites-enabled', 'zz-broken.conf'),
      '<VirtualHost *:80>\nNotADirective here\n</VirtualHost>\n',
    );
    const list = certkit(['install', 'apache', '--list', '--server-root', a.serverRoot]);
    expect(list.code, list.stderr).toBe(0);
    const notes = list.stdout.split('\n').filter((l) => l.startsWith('note:'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/not confirmed by Apache .*-S failed: .*NotADirective/);
    const json = JSON.parse(
      certkit(['--json', 'install', 'apache', '--list', '--server-root', a.serverRoot]).stdout,
    );
    expect(json.apache).toMatchObject({ asked: false, cause: expect.stringMatching(/NotADirective/) });
  });

  it('--fullchain with --vhost FILE:LINE or an address resolves the vhost and installs the certificate names (no internal error)', async () => {
    const a = await apache([{ name: 'fc.site.test', aliases: ['www.fc.site.test'] }]);
    const l = lineage(['fc.site.test', 'www.fc.site.test'], 'fc');
    const base = ['--store', join(l.dir, 'store'), 'install', 'apache', '--server-root', a.serverRoot];
    const files = ['--fullchain', join(l.store, 'live', 'fc', 'fullchain.pem'), '--key', l.leaf.keyFile];
    for (const vhost of ['sites-enabled/fc.site.test.conf:1', `127.0.0.1:${a.httpPort}`]) {
      const dry = await certkitAsync([...base, ...files, '--vhost', vhost, '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/^\+\s+ServerName fc\.site\.test\n\+\s+ServerAlias www\.fc\.site\.test$/m);
      expect(dry.stdout).not.toMatch(/not redirected|%\{HTTP_HOST\}/);
    }
    // a certificate for none of the vhost's names: one line, exit 2, nothing changed
    const other = lineage(['unrelated.test'], 'unrelated');
    const before = snapshotWithModes(a.serverRoot);
    const refused = await certkitAsync([
      ...base,
      '--fullchain',
      join(other.store, 'live', 'unrelated', 'fullchain.pem'),
      '--key',
      other.leaf.keyFile,
      '--vhost',
      `127.0.0.1:${a.httpPort}`,
      '--yes',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(
      /refused before any reload: the certificate \(unrelated\.test\) does not cover fc\.site\.test, www\.fc\.site\.test/,
    );
    expect(snapshotWithModes(a.serverRoot)).toEqual(before);
  });

  it('--fullchain --vhost NAME: an alias the certificate covers is redirected and served over HTTPS (no false "not covered")', async () => {
    const a = await apache([{ name: 'al.site.test', aliases: ['www.al.site.test'] }]);
    const l = lineage(['al.site.test', 'www.al.site.test'], 'al');
    const tlsPort = await freePort();
    // without --vhost, the certificate's names find the site, as a lineage's do
    const dry = await certkitAsync([
      ...['--store', join(l.dir, 'store'), 'install', 'apache', '--server-root', a.serverRoot],
      ...['--fullchain', join(l.store, 'live', 'al', 'fullchain.pem'), '--key', l.leaf.keyFile],
      ...['--tls-port', String(tlsPort), '--dry-run'],
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^\+\s+ServerName al\.site\.test\n\+\s+ServerAlias www\.al\.site\.test$/m);
    const r = await certkitAsync([
      ...['--store', join(l.dir, 'store'), 'install', 'apache', '--server-root', a.serverRoot],
      ...['--fullchain', join(l.store, 'live', 'al', 'fullchain.pem'), '--key', l.leaf.keyFile],
      ...['--vhost', 'al.site.test', '--tls-port', String(tlsPort), '--yes'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/not redirected/);
    // the verification in words, not JSON (QA: `verified names: ["x"]`)
    expect(r.stdout).toMatch(/^ {2}verified names: al\.site\.test, www\.al\.site\.test$/m);
    expect(r.stdout).not.toMatch(/verified \w+: [[{]/);
    const redirect = await fetchPage('http', '127.0.0.1', a.httpPort, 'www.al.site.test', '/x');
    expect([redirect.status, redirect.location]).toEqual([301, `https://www.al.site.test:${tlsPort}/x`]);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'www.al.site.test')).toBe(l.fingerprint);
  });

  it("without --tls-port, the TLS Listen the tree declares (Debian's <IfModule ssl_module>) is used; a re-run says nothing", async () => {
    const tlsPort = await freePort();
    const a = createApache({
      dir: tempDir('certkit-apache-'),
      httpPort: await freePort(),
      tlsPort,
      sites: [{ name: 'deb.site.test' }],
    });
    a.start();
    running.push(a);
    const l = lineage(['deb.site.test'], 'deb');
    const base = ['--store', l.store, 'install', 'apache', '--name', 'deb', '--server-root', a.serverRoot];
    const dry = await certkitAsync([...base, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`+<VirtualHost 127.0.0.1:${tlsPort}>`);
    expect(dry.stdout).not.toMatch(/^\+Listen|:443\b/m);
    const first = await certkitAsync([...base, '--yes']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^note: new HTTPS vhost 127\.0\.0\.1:\d+ for deb\.site\.test/m);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'deb.site.test')).toBe(l.fingerprint);
    const again = await certkitAsync([...base, '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already installed: nothing changed');
    expect(again.stdout).not.toMatch(/^note:/m);
  });
  it('two vhosts with the same name on one address: the twin is made for the one Apache answers from (the first), the shadowed one is left alone and said', async () => {
    // sites-enabled is read in name order: dup.site.test.conf comes before zz.site.test.conf
    const a = await apache([{ name: 'dup.site.test' }, { name: 'zz.site.test', aliases: ['dup.site.test'] }]);
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    const first = sha('<h1>dup.site.test</h1>\n');
    // Apache's own answer, the fact the plan relies on: the first vhost with the name wins
    expect((await fetchPage('http', '127.0.0.1', a.httpPort, 'dup.site.test')).bodySha256).toBe(first);
    const l = lineage(['dup.site.test'], 'dup');
    const tlsPort = await freePort();
    const zzFile = join(a.serverRoot, 'sites-available', 'zz.site.test.conf');
    const zzBefore = readFileSync(zzFile, 'utf8');
    const r = await installApacheCli(l.store, a.serverRoot, 'dup', tlsPort);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /no HTTPS site for the vhost zz\.site\.test, dup\.site\.test .*zz\.site\.test\.conf:1: Apache answers dup\.site\.test from the earlier vhost at .*dup\.site\.test\.conf:1/,
    );
    expect(readFileSync(zzFile, 'utf8')).toBe(zzBefore);
    const page = await fetchPage('https', '127.0.0.1', tlsPort, 'dup.site.test');
    expect(page.bodySha256).toBe(first);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'dup.site.test')).toBe(l.fingerprint);
    const redirect = await fetchPage('http', '127.0.0.1', a.httpPort, 'dup.site.test', '/x');
    expect([redirect.status, redirect.location]).toEqual([301, `https://dup.site.test:${tlsPort}/x`]);
  });
  it('a re-run without --hsts / --basic-auth / with --no-redirect says what it removes (QA: HSTS vanished silently)', async () => {
    const a = await apache([{ name: 'drop.site.test' }]);
    const l = lineage(['drop.site.test'], 'drop');
    const htpasswd = join(a.serverRoot, 'htpasswd');
    writeFileSync(htpasswd, 'alice:$apr1$x$y\n');
    const tlsPort = await freePort();
    const first = await installApacheCli(l.store, a.serverRoot, 'drop', tlsPort, [
      '--hsts',
      '--basic-auth',
      htpasswd,
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).not.toMatch(/removed/);
    const plain = await installApacheCli(l.store, a.serverRoot, 'drop', tlsPort, ['--no-redirect']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(
      /removed from the HTTPS vhosts, as this run does not ask for it: HSTS \(add --hsts to keep it\); the basic-auth layer/,
    );
    expect(plain.stdout).toMatch(/redirect to HTTPS removed from drop\.site\.test .* \(--no-redirect\)/);
    expect((await fetchPage('http', '127.0.0.1', a.httpPort, 'drop.site.test')).status).toBe(200);
    const again = await installApacheCli(l.store, a.serverRoot, 'drop', tlsPort, ['--no-redirect']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/removed/);
  });
  it('a site file written with CRLF line endings keeps them: the redirect lines and the HTTPS twin are CRLF too, and a re-run changes nothing', async () => {
    const a = await apache([{ name: 'crlf.site.test' }]);
    const site = join(a.serverRoot, 'sites-available', 'crlf.site.test.conf');
    writeFileSync(site, readFileSync(site, 'utf8').replace(/\r?\n/g, '\r\n'));
    const l = lineage(['crlf.site.test'], 'crlf');
    const tlsPort = await freePort();
    const r = await installApacheCli(l.store, a.serverRoot, 'crlf', tlsPort);
    expect(r.code, r.stderr).toBe(0);
    const lone = (t: string) => (t.match(/(?<!\r)\n/g) ?? []).length;
    const edited = readFileSync(site, 'utf8');
    expect(edited).toContain('# BEGIN certkit redirect\r\n');
    expect(lone(edited)).toBe(0);
    const twin = readFileSync(join(a.serverRoot, 'sites-available', 'certkit-crlf-ssl.conf'), 'utf8');
    expect(lone(twin)).toBe(0);
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'crlf.site.test')).toBe(l.fingerprint);
    const again = await installApacheCli(l.store, a.serverRoot, 'crlf', tlsPort);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already installed: nothing changed');
  });
});
