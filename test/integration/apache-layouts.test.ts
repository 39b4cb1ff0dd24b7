/**
 * Live installs on private Apache instances laid out like Debian, RHEL and Gentoo servers, with what real
 * sites have: an app routed by mod_rewrite and a ProxyPass, two sites with different DocumentRoots on one
 * certificate, an alias the certificate does not cover, and (Debian) <IfModule mod_ssl.c> / <IfModule !mod_ssl.c>
 * blocks that loading mod_ssl changes. No --ctl is given: certkit must run every command against the tree.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchPage, servedFingerprint } from '../../src/deploy/probe.js';
import { createApache, freePort } from '../helpers/apache.js';
import { snapshotWithModes } from '../helpers/fs.js';
import { makeRoot, tempDir } from '../helpers/openssl.js';
import { installApacheCli, lineage } from './apache-helpers.js';

const HTTPD = '/usr/sbin/apache2';
const MODDIR = '/usr/lib/apache2/modules';

let backend: Server;
let backendPort: number;
beforeAll(async () => {
  backendPort = await freePort();
  backend = createServer((req, res) => res.end(`api says ${req.url}`));
  await new Promise<void>((r) => backend.listen(backendPort, '127.0.0.1', r));
});
afterAll(() => new Promise<void>((r) => backend.close(() => r())));

interface Instance {
  root: string;
  httpPort: number;
  tlsPort: number;
  stop(): void;
}
const running: Instance[] = [];
afterEach(() => {
  for (const a of running.splice(0)) a.stop();
});

/** The sites every layout gets: app.test (rewrite + proxy) and blog.test (alias other.test, not on the certificate). */
function sites(www: string, httpPort: number) {
  for (const [name, files] of Object.entries({
    app: { 'index.html': 'app home\n', 'route.html': 'app router\n' },
    blog: { 'index.html': 'blog home\n' },
  })) {
    mkdirSync(join(www, name), { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(www, name, f), text);
  }
  chmodSync(www, 0o755);
  const grant = (dir: string) => `    <Directory ${dir}>\n        Require all granted\n    </Directory>\n`;
  return {
    app: [
      `<VirtualHost 127.0.0.1:${httpPort}>`,
      '    ServerName app.test',
      `    DocumentRoot ${www}/app`,
      grant(`${www}/app`),
      '    RewriteEngine on',
      '    RewriteRule ^/app/(.*)$ /route.html [PT]',
      `    ProxyPass /api/ http://127.0.0.1:${backendPort}/`,
      '    Redirect /old /index.html',
      '</VirtualHost>',
      '',
    ].join('\n'),
    blog: [
      `<VirtualHost 127.0.0.1:${httpPort}>`,
      '    ServerName blog.test',
      '    ServerAlias other.test',
      `    DocumentRoot ${www}/blog`,
      grant(`${www}/blog`),
      '</VirtualHost>',
      '',
    ].join('\n'),
  };
}

const PATHS = ['/', '/app/anything', '/api/v1?x=1', '/old'];

async function pages(scheme: 'http' | 'https', port: number, name: string) {
  const out: Record<string, string> = {};
  for (const p of PATHS) {
    const r = await fetchPage(scheme, '127.0.0.1', port, name, p);
    // a redirect is compared by where it points (its scheme follows the request's); an error page names the
    // port, so only its status is compared; a page by its bytes
    out[p] = r.location
      ? `${r.status} -> ${new URL(r.location).pathname}`
      : `${r.status} ${r.status === 200 ? r.bodySha256.slice(0, 12) : ''}`;
  }
  return out;
}

async function debian(): Promise<Instance> {
  const httpPort = await freePort();
  const tlsPort = await freePort();
  const dir = tempDir('certkit-layout-');
  const a = createApache({ dir, layout: 'debian', httpPort, tlsPort } as Parameters<typeof createApache>[0]);
  const s = sites(join(dir, 'www'), httpPort);
  for (const mod of ['rewrite', 'proxy', 'proxy_http'])
    symlinkSync(`../mods-available/${mod}.load`, join(a.serverRoot, 'mods-enabled', `${mod}.load`));
  const stand = makeRoot(dir, 'woken', 'woken.test');
  const extra = {
    ...s,
    // wakes up when mod_ssl loads: its own certificate, served on the TLS port
    woken: `<IfModule mod_ssl.c>\n<VirtualHost 127.0.0.1:${tlsPort}>\n    ServerName woken.test\n    SSLEngine on\n    SSLCertificateFile ${stand.certFile}\n    SSLCertificateKeyFile ${stand.keyFile}\n</VirtualHost>\n</IfModule>\n`,
    // served only while mod_ssl is off
    legacy: `<IfModule !mod_ssl.c>\n<VirtualHost 127.0.0.1:${httpPort}>\n    ServerName legacy.test\n    DocumentRoot ${dir}/www/blog\n    <Directory ${dir}/www/blog>\n        Require all granted\n    </Directory>\n</VirtualHost>\n</IfModule>\n`,
  };
  for (const [name, text] of Object.entries(extra)) {
    writeFileSync(join(a.serverRoot, 'sites-available', `${name}.conf`), text);
    symlinkSync(`../sites-available/${name}.conf`, join(a.serverRoot, 'sites-enabled', `${name}.conf`));
  }
  a.start();
  const i = { root: a.serverRoot, httpPort, tlsPort, stop: () => a.stop() };
  running.push(i);
  return i;
}

async function rhel(): Promise<Instance> {
  const httpPort = await freePort();
  const tlsPort = await freePort();
  const dir = tempDir('certkit-layout-');
  const a = createApache({ dir, layout: 'rhel', httpPort });
  const s = sites(join(dir, 'www'), httpPort);
  const load = (m: string) => `LoadModule ${m}_module ${MODDIR}/mod_${m}.so`;
  writeFileSync(
    join(a.serverRoot, 'conf.modules.d', '00-proxy.conf'),
    ['rewrite', 'proxy', 'proxy_http'].map(load).join('\n') + '\n',
  );
  // mod_ssl installed the RHEL way: its LoadModule, and ssl.conf with "Listen ... https"
  writeFileSync(join(a.serverRoot, 'conf.modules.d', '00-ssl.conf'), load('ssl') + '\n');
  writeFileSync(
    join(a.serverRoot, 'conf.d', 'ssl.conf'),
    `Listen 127.0.0.1:${tlsPort} https\nSSLSessionCache none\n`,
  );
  writeFileSync(join(a.serverRoot, 'conf.d', 'app.conf'), s.app);
  writeFileSync(join(a.serverRoot, 'conf.d', 'blog.conf'), s.blog);
  a.start();
  const i = { root: a.serverRoot, httpPort, tlsPort, stop: () => a.stop() };
  running.push(i);
  return i;
}

/** A Gentoo tree: vhosts.d and modules.d behind -D flags from /etc/conf.d/apache2, ServerRoot elsewhere. */
async function gentoo(): Promise<Instance> {
  const httpPort = await freePort();
  const tlsPort = await freePort();
  const dir = tempDir('certkit-layout-');
  chmodSync(dir, 0o755);
  const root = join(dir, 'etc', 'apache2');
  const serverRoot = join(dir, 'usr', 'lib64', 'apache2');
  const run = join(dir, 'run');
  for (const d of [
    join(root, 'vhosts.d'),
    join(root, 'modules.d'),
    join(dir, 'etc', 'conf.d'),
    run,
    join(serverRoot, 'logs'),
  ])
    mkdirSync(d, { recursive: true });
  symlinkSync(MODDIR, join(serverRoot, 'modules'));
  const flags = ['DEFAULT_VHOST', 'SSL', 'PROXY'];
  writeFileSync(
    join(dir, 'etc', 'conf.d', 'apache2'),
    `APACHE2_OPTS="${flags.map((f) => `-D ${f}`).join(' ')}"\n`,
  );
  const mods = ['mpm_event', 'authz_core', 'authz_host', 'dir', 'mime', 'alias', 'rewrite', 'unixd'];
  writeFileSync(
    join(root, 'httpd.conf'),
    [
      `ServerRoot "${serverRoot}"`,
      ...mods.filter((m) => m !== 'unixd').map((m) => `LoadModule ${m}_module modules/mod_${m}.so`),
      '<IfDefine SSL>',
      'LoadModule ssl_module modules/mod_ssl.so',
      '</IfDefine>',
      '<IfDefine PROXY>',
      'LoadModule proxy_module modules/mod_proxy.so',
      'LoadModule proxy_http_module modules/mod_proxy_http.so',
      '</IfDefine>',
      'User www-data',
      'Group www-data',
      'ServerName localhost',
      `PidFile ${run}/apache2.pid`,
      `DefaultRuntimeDir ${run}`,
      'ErrorLog logs/error_log',
      'TypesConfig /etc/mime.types',
      `Include ${root}/modules.d/*.conf`,
      `Include ${root}/vhosts.d/*.conf`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(root, 'modules.d', '40_mod_ssl.conf'),
    '<IfDefine SSL>\n<IfModule ssl_module>\nSSLSessionCache none\n</IfModule>\n</IfDefine>\n',
  );
  writeFileSync(
    join(root, 'vhosts.d', '00_default_vhost.conf'),
    `<IfDefine DEFAULT_VHOST>\nListen 127.0.0.1:${httpPort}\n</IfDefine>\n`,
  );
  const s = sites(join(dir, 'www'), httpPort);
  writeFileSync(join(root, 'vhosts.d', 'app.conf'), `<IfDefine DEFAULT_VHOST>\n${s.app}</IfDefine>\n`);
  writeFileSync(join(root, 'vhosts.d', 'blog.conf'), s.blog);
  const httpd = (action: string) =>
    execFileSync(
      HTTPD,
      ['-d', serverRoot, '-f', join(root, 'httpd.conf'), ...flags.flatMap((f) => ['-D', f]), '-k', action],
      {
        stdio: 'ignore',
      },
    );
  httpd('start');
  const i = {
    root,
    httpPort,
    tlsPort,
    stop: () => {
      try {
        httpd('stop');
      } catch {
        /* not running */
      }
    },
  };
  running.push(i);
  return i;
}

function install(store: string, i: Instance, name: string, extra: string[] = []) {
  return installApacheCli(store, i.root, name, i.tlsPort, extra);
}

describe.each([
  ['Debian', debian],
  ['RHEL', rhel],
  ['Gentoo', gentoo],
] as const)('install apache on a %s tree', (layout, make) => {
  it('one certificate for two sites: each name serves its own site over HTTPS with its own rules; only covered names are redirected; second and third runs change nothing', async () => {
    const i = await make();
    const l = lineage(['app.test', 'blog.test'], `two-${layout.toLowerCase()}`);
    const before = {
      app: await pages('http', i.httpPort, 'app.test'),
      blog: await pages('http', i.httpPort, 'blog.test'),
    };
    expect(before.app['/app/anything']).toMatch(/^200 /);
    expect(before.app['/api/v1?x=1']).toMatch(/^200 /);

    const dry = await install(l.store, i, `two-${layout.toLowerCase()}`, ['--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.sites.map((s: { names: string[] }) => s.names)).toEqual([['app.test'], ['blog.test']]);
    expect(plan.sites[1].notRedirected).toEqual(['other.test']);
    expect(plan.notes.join('\n')).not.toMatch(/disagree/); // certkit's view equals httpd -S

    const r = await install(l.store, i, `two-${layout.toLowerCase()}`, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).verified.names).toEqual(['app.test', 'blog.test']);
    for (const name of ['app.test', 'blog.test'])
      expect(await servedFingerprint('127.0.0.1', i.tlsPort, name)).toBe(l.fingerprint);
    // (a) + (b): HTTPS serves what HTTP served, per site
    expect(await pages('https', i.tlsPort, 'app.test')).toEqual(before.app);
    expect(await pages('https', i.tlsPort, 'blog.test')).toEqual(before.blog);
    expect(before.app['/']).not.toEqual(before.blog['/']);
    // redirects for the names on the certificate; (c) the alias it does not cover stays on HTTP
    const app = await fetchPage('http', '127.0.0.1', i.httpPort, 'app.test', '/app/x');
    expect([app.status, app.location]).toEqual([301, `https://app.test:${i.tlsPort}/app/x`]);
    expect((await fetchPage('http', '127.0.0.1', i.httpPort, 'blog.test', '/')).status).toBe(301);
    const other = await fetchPage('http', '127.0.0.1', i.httpPort, 'other.test', '/');
    expect([other.status, other.bodySha256.slice(0, 12)]).toEqual([200, before.blog['/']!.split(' ')[1]]);

    const tree = snapshotWithModes(i.root);
    // second and third runs (Gentoo's third run used to crash on certkit's own file included twice)
    for (const run of [2, 3]) {
      const again = await install(l.store, i, `two-${layout.toLowerCase()}`, ['--json']);
      expect(again.code, `run ${run}: ${again.stderr}`).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ noop: true, changed: [] });
      expect(snapshotWithModes(i.root)).toEqual(tree);
    }
  });
});

describe('install apache: a customised RHEL tree', () => {
  it("whose httpd.conf includes only some of conf.modules.d: certkit's module file is included from the main file, so mod_ssl loads; the next run changes nothing", async () => {
    const httpPort = await freePort();
    const tlsPort = await freePort();
    const dir = tempDir('certkit-layout-');
    const a = createApache({ dir, layout: 'rhel', httpPort });
    const main = join(a.serverRoot, 'conf', 'httpd.conf');
    // only the base modules: a 00-certkit.conf dropped into conf.modules.d would never be read
    writeFileSync(
      main,
      readFileSync(main, 'utf8').replace(
        'Include conf.modules.d/*.conf',
        'Include conf.modules.d/00-base.conf',
      ),
    );
    const base = join(a.serverRoot, 'conf.modules.d', '00-base.conf');
    const load = (m: string) => `LoadModule ${m}_module ${MODDIR}/mod_${m}.so`;
    writeFileSync(
      base,
      readFileSync(base, 'utf8') + ['rewrite', 'proxy', 'proxy_http'].map(load).join('\n') + '\n',
    );
    writeFileSync(join(a.serverRoot, 'conf.d', 'app.conf'), sites(join(dir, 'www'), httpPort).app);
    a.start();
    const i = { root: a.serverRoot, httpPort, tlsPort, stop: () => a.stop() };
    running.push(i);
    const l = lineage(['app.test'], 'rhel-custom');
    const r = await install(l.store, i, 'rhel-custom', ['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(main, 'utf8')).toMatch(
      /^Include(?:Optional)? \S*conf\.modules\.d\/00-certkit\.conf$/m,
    );
    expect(await servedFingerprint('127.0.0.1', tlsPort, 'app.test')).toBe(l.fingerprint);
    const again = await install(l.store, i, 'rhel-custom', ['--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ noop: true, changed: [] });
  });
});

describe('install apache: what loading mod_ssl changes (Debian)', () => {
  it('the plan names the <IfModule mod_ssl.c> vhost it wakes and the <IfModule !mod_ssl.c> one it turns off; after the install both are as announced', async () => {
    const i = await debian();
    const l = lineage(['app.test'], 'modssl');
    expect((await fetchPage('http', '127.0.0.1', i.httpPort, 'legacy.test', '/')).bodySha256).toBe(
      (await fetchPage('http', '127.0.0.1', i.httpPort, 'blog.test', '/')).bodySha256,
    );
    const dry = await install(l.store, i, 'modssl', ['--dry-run', '--json']);
    const notes = JSON.parse(dry.stdout).notes.join('\n');
    expect(notes).toMatch(/turns ON the vhost woken\.test .*woken\.conf:2/);
    expect(notes).toMatch(/turns OFF the vhost legacy\.test .*legacy\.conf:2 \(<IfModule !mod_ssl\.c>\)/);
    const text = await install(l.store, i, 'modssl', ['--dry-run']);
    expect(text.stdout).toMatch(/^# note: .*turns ON the vhost woken\.test/m);
    expect(text.stdout).toMatch(/^# note: .*turns OFF the vhost legacy\.test/m);
    const r = await install(l.store, i, 'modssl');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/note: .*turns OFF the vhost legacy\.test/);
    expect(await servedFingerprint('127.0.0.1', i.tlsPort, 'app.test')).toBe(l.fingerprint);
    expect(await servedFingerprint('127.0.0.1', i.tlsPort, 'woken.test')).not.toBe(l.fingerprint);
    // legacy.test is no longer its own site: the first vhost of the address answers
    expect((await fetchPage('http', '127.0.0.1', i.httpPort, 'legacy.test', '/')).status).toBe(301);
  });

  it("a config test failure caused by a woken vhost prints Apache's AH line (file and line) and rolls back bytes, modes, owners, with no new directory", async () => {
    const i = await debian();
    const l = lineage(['app.test'], 'ahline');
    const woken = join(i.root, 'sites-available', 'woken.conf');
    writeFileSync(
      woken,
      `<IfModule mod_ssl.c>\n<VirtualHost 127.0.0.1:${i.tlsPort}>\n    ServerName woken.test\n    SSLEngine on\n    SSLCertificateFile /nonexistent/woken.pem\n</VirtualHost>\n</IfModule>\n`,
    );
    chmodSync(woken, 0o640);
    const before = snapshotWithModes(i.root);
    const r = await install(l.store, i, 'ahline');
    expect(r.code).toBe(7);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /AH00526: Syntax error on line 5 of .*woken\.conf: SSLCertificateFile: file '\/nonexistent\/woken\.pem' does not exist/,
    );
    expect(r.stderr).toMatch(/every file was restored/);
    expect(snapshotWithModes(i.root)).toEqual(before);
    expect((await fetchPage('http', '127.0.0.1', i.httpPort, 'app.test', '/')).status).toBe(200);
  });
});
