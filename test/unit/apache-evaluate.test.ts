/** How certkit evaluates a tree: the Apache features issue 12 found missing, each on a small tree. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vhostNames } from '../../src/deploy/apache/config.js';
import { applyPlan, changedPaths, contentAfter, isNoop, renderDiff } from '../../src/deploy/engine.js';
import { parseApache, printApache } from '../../src/deploy/apache/parser.js';
import {
  configOf,
  defaultTlsPort,
  discoverApache,
  planApacheInstall,
  selectVhosts,
} from '../../src/deploy/apache/plan.js';
import { makeRoot, tempDir } from '../helpers/openssl.js';
import { planOptions } from './apache-corpus.js';

function tree(files: Record<string, string>): string {
  const root = join(tempDir(), 'httpd');
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

const MAIN = 'LoadModule rewrite_module modules/mod_rewrite.so\nListen 80\nIncludeOptional conf.d/*.conf\n';

const opts = planOptions;

const vh = (name: string, body = '', addr = '*:80') =>
  `<VirtualHost ${addr}>\n    ServerName ${name}\n${body}</VirtualHost>\n`;

describe('Apache evaluation', () => {
  it('`</VirtualHost> </IfModule>` on one line closes both and prints back exactly', () => {
    const text =
      '<IfModule mod_ssl.c>\n<VirtualHost *:443>\nServerName a\n</VirtualHost> </IfModule>\nListen 1\n';
    const nodes = parseApache(text);
    expect(printApache(nodes)).toBe(text);
    expect(nodes.map((n) => n.kind)).toEqual(['block', 'directive']);
  });

  it('Define, ${VAR} and -D flags of the layout (RHEL sysconfig OPTIONS)', () => {
    const root = tree({
      'conf/httpd.conf': `Define SITE a.test\n${MAIN}`,
      'conf.d/x.conf': vh('${SITE}') + '<IfDefine FROM_SYSCONFIG>\n' + vh('b.test') + '</IfDefine>\n',
    });
    mkdirSync(join(dirname(root), 'sysconfig'));
    writeFileSync(join(dirname(root), 'sysconfig', 'httpd'), 'OPTIONS="-D FROM_SYSCONFIG"\n');
    const cfg = configOf(discoverApache(root, 'l'));
    expect(cfg.layout).toBe('rhel');
    expect(cfg.vhosts.map((v) => v.serverName)).toEqual(['a.test', 'b.test']);
  });

  it('mod_macro Use expands into vhosts located at the Use line; a file included twice is listed once', () => {
    const root = tree({
      'conf/httpd.conf': `LoadModule macro_module modules/mod_macro.so\n${MAIN}Include conf.d/twice.conf\n`,
      'conf.d/m.conf':
        '<Macro Site $d>\n<VirtualHost *:80>\n  ServerName $d\n</VirtualHost>\n</Macro>\nUse Site one.test\nUse Site two.test\n',
      'conf.d/twice.conf': vh('twice.test'),
    });
    const cfg = configOf(discoverApache(root, 'l'));
    expect(cfg.vhosts.map((v) => [v.serverName, v.macro?.line ?? v.line])).toEqual([
      ['one.test', 6],
      ['two.test', 7],
      ['twice.test', 1],
    ]);
    expect(cfg.includedTwice).toEqual([join(root, 'conf.d/twice.conf')]);
  });

  it('IfModule is evaluated against the modules the plan loads: mod_ssl blocks wake up, !mod_ssl ones go dark (both said)', () => {
    const root = tree({
      'conf/httpd.conf': MAIN,
      'conf.d/a.conf': vh('a.test'),
      'conf.d/woken.conf': '<IfModule mod_ssl.c>\n' + vh('w.test', '', '*:8443') + '</IfModule>\n',
      'conf.d/lost.conf': '<IfModule !mod_ssl.c>\n' + vh('gone.test') + '</IfModule>\n',
    });
    const plan = planApacheInstall(discoverApache(root, 'l'), opts(['a.test']));
    expect(plan.woken.map((v) => v.serverName)).toEqual(['w.test']);
    expect(plan.lost.map((v) => v.serverName)).toEqual(['gone.test']);
    expect(plan.notes.join('\n')).toMatch(
      /turns ON the vhost w\.test[\s\S]*turns OFF the vhost gone\.test.*IfModule !mod_ssl\.c/,
    );
    // a site of the certificate that would vanish is refused
    expect(() => planApacheInstall(discoverApache(root, 'l'), opts(['gone.test']))).toThrow(
      /switch off the vhost gone\.test/,
    );
  });

  it('one HTTPS twin per site, each with its own DocumentRoot and rules; only https redirects stay on HTTP', () => {
    const app =
      '    DocumentRoot /srv/app\n    RewriteEngine on\n    RewriteRule ^/app/(.*)$ /index.php?r=$1 [L]\n' +
      '    ProxyPass /api http://127.0.0.1:9000/\n    RewriteCond %{HTTPS} off\n    RewriteRule ^/secure https://app.test/secure [R=301,L]\n' +
      '    Redirect /old /new\n';
    const root = tree({
      'conf/httpd.conf': MAIN,
      'conf.d/app.conf': vh('app.test', app),
      'conf.d/blog.conf': vh('blog.test', '    ServerAlias other.test\n    DocumentRoot /srv/blog\n'),
    });
    const plan = planApacheInstall(discoverApache(root, 'l'), opts(['app.test', 'blog.test']));
    const twin = contentAfter(plan, join(root, 'conf.d', 'certkit-l-ssl.conf'))!;
    const blocks = twin.split('<VirtualHost').slice(1);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(
      /ServerName app\.test[\s\S]*DocumentRoot \/srv\/app[\s\S]*RewriteRule \^\/app\/\(\.\*\)\$ \/index\.php[\s\S]*ProxyPass \/api[\s\S]*Redirect \/old \/new/,
    );
    expect(blocks[0]).not.toMatch(/https:\/\/app\.test\/secure|RewriteCond %\{HTTPS\} off/);
    expect(blocks[1]).toMatch(/ServerName blog\.test\n(?![\s\S]*ServerAlias)[\s\S]*DocumentRoot \/srv\/blog/);
    // the alias the certificate does not cover is not redirected
    const blog = contentAfter(plan, join(root, 'conf.d', 'blog.conf'))!;
    expect(blog).toMatch(/RewriteCond %\{HTTP_HOST\} \^\(blog\\\.test\)\(:\[0-9\]\+\)\?\$ \[NC\]/);
    expect(plan.notes.join('\n')).toMatch(/not redirected .*other\.test/);
    expect(plan.effects.filter((e) => e.kind === 'verify').map((e) => (e as { name: string }).name)).toEqual([
      'app.test',
      'blog.test',
    ]);
  });

  it('the twin follows its HTTP site: a rule added there later reaches HTTPS on the next run; unchanged, nothing changes', async () => {
    const root = tree({
      'conf/httpd.conf': MAIN,
      'conf.d/app.conf': vh('app.test', '    DocumentRoot /srv/app\n'),
    });
    const noSteps = { reload: async () => {}, recover: async () => {}, verify: async () => {} };
    await applyPlan(planApacheInstall(discoverApache(root, 'l'), opts(['app.test'])), noSteps, null);
    expect(isNoop(planApacheInstall(discoverApache(root, 'l'), opts(['app.test'])))).toBe(true);
    const site = join(root, 'conf.d', 'app.conf');
    writeFileSync(
      site,
      readFileSync(site, 'utf8').replace(
        '    DocumentRoot /srv/app\n',
        '    DocumentRoot /srv/app\n    ProxyPass /new http://127.0.0.1:9/\n',
      ),
    );
    const next = planApacheInstall(discoverApache(root, 'l'), opts(['app.test']));
    expect(changedPaths(next)).toEqual([join(root, 'conf.d', 'certkit-l-ssl.conf')]);
    expect(contentAfter(next, join(root, 'conf.d', 'certkit-l-ssl.conf'))).toMatch(/ProxyPass \/new/);
  });

  it('--vhost takes a ServerName, an alias, FILE:LINE or an address, and refuses ambiguity with the candidates', () => {
    const root = tree({
      'conf/httpd.conf': MAIN,
      'conf.d/a.conf':
        vh('a.test', '    ServerAlias alias.test\n') + '\n' + '<VirtualHost *:80>\n</VirtualHost>\n',
      'conf.d/b.conf': vh('b.test', '', '10.0.0.1:80'),
    });
    const cfg = configOf(discoverApache(root, 'l'));
    expect(vhostNames(selectVhosts(cfg, 'alias.test')[0]!)).toEqual(['a.test', 'alias.test']);
    expect(selectVhosts(cfg, 'conf.d/a.conf:6')[0]!.serverName).toBeNull();
    expect(selectVhosts(cfg, 'a.conf:6')[0]!.line).toBe(6);
    expect(selectVhosts(cfg, '10.0.0.1:80')[0]!.serverName).toBe('b.test');
    expect(() => selectVhosts(cfg, '*:80')).toThrow(/matches 2 virtual hosts[\s\S]*/);
    try {
      selectVhosts(cfg, '*:80');
    } catch (err) {
      expect((err as { hint: string }).hint).toMatch(/a\.conf:1 .*a\.conf:6/);
    }
    // a nameless vhost targeted by FILE:LINE gets the certificate's name
    const plan = planApacheInstall(discoverApache(root, 'l'), opts(['n.test'], { vhost: 'a.conf:6' }));
    expect(contentAfter(plan, join(root, 'conf.d', 'certkit-l-ssl.conf'))).toMatch(/ServerName n\.test/);
  });

  it('a sites-enabled symlink: edits go to the real file, the list keeps the path Apache names', () => {
    const root = join(tempDir(), 'apache2');
    mkdirSync(join(root, 'sites-available'), { recursive: true });
    mkdirSync(join(root, 'sites-enabled'));
    writeFileSync(join(root, 'apache2.conf'), 'IncludeOptional sites-enabled/*.conf\n');
    writeFileSync(join(root, 'sites-available', 's.conf'), vh('s.test'));
    symlinkSync('../sites-available/s.conf', join(root, 'sites-enabled', 's.conf'));
    const [v] = configOf(discoverApache(root, 'l')).vhosts;
    expect([v!.includedAs, v!.file]).toEqual([
      join(root, 'sites-enabled', 's.conf'),
      join(root, 'sites-available', 's.conf'),
    ]);
  });

  it("the default TLS port: the site's TLS vhost, else the TLS Listen declared for the site's address, else 443", () => {
    const ssl = '<IfModule mod_ssl.c>\n  Listen 10.0.0.2:7443\n  Listen 10.0.0.1:8443\n</IfModule>\n';
    const root = tree({
      'conf/httpd.conf': MAIN + ssl,
      'conf.d/a.conf': vh('a.test', '', '10.0.0.1:80'),
      'conf.d/b.conf': vh('b.test'),
      'conf.d/c.conf': vh('c.test', '', '10.0.0.3:80'),
      'conf.d/d.conf': vh('d.test', '', '10.0.0.1:80') + vh('d.test', '    SSLEngine on\n', '10.0.0.1:9443'),
    });
    const cfg = configOf(discoverApache(root, 'l'));
    const port = (names: string[], vhost?: string) => defaultTlsPort(cfg, { lineage: 'l', names, vhost });
    expect(port(['a.test'])).toBe(8443);
    expect(port(['x.test'], 'a.conf:1')).toBe(8443);
    expect(port(['b.test'])).toBe(7443); // *:80: a TLS Listen on any address
    expect(port(['c.test'])).toBe(443); // no TLS Listen on 10.0.0.3
    expect(port(['d.test'])).toBe(9443); // the site's own TLS vhost first
    const https = tree({ 'conf/httpd.conf': `${MAIN}Listen 4443 https\n`, 'conf.d/a.conf': vh('a.test') });
    expect(defaultTlsPort(configOf(discoverApache(https, 'l')), { lineage: 'l', names: ['a.test'] })).toBe(
      4443,
    );
  });

  it('names, DocumentRoot and SSLEngine a vhost takes from a file it includes count (a per-site snippet), under its conditions', () => {
    const root = tree({
      'conf/httpd.conf': MAIN,
      'conf.d/site.conf': '<VirtualHost *:80>\n    Include snippets/site-names.conf\n</VirtualHost>\n',
      'conf.d/tls.conf':
        '<VirtualHost *:443>\n    Include snippets/site-names.conf\n    Include snippets/ssl-on.conf\n</VirtualHost>\n',
      'snippets/site-names.conf':
        'ServerName inc.test\nServerAlias www.inc.test\nDocumentRoot /srv/inc\n' +
        '<IfModule mod_not_loaded.c>\n    ServerAlias off.inc.test\n</IfModule>\n',
      'snippets/ssl-on.conf': 'SSLEngine on\n',
    });
    const cfg = configOf(discoverApache(root, 'l'));
    expect(cfg.vhosts.map((v) => [vhostNames(v), v.documentRoot, v.ssl])).toEqual([
      [['inc.test', 'www.inc.test'], '/srv/inc', false],
      [['inc.test', 'www.inc.test'], '/srv/inc', true],
    ]);
  });

  it('a vhost whose names the certificate covers none of is refused (no twin without a name)', () => {
    const root = tree({ 'conf/httpd.conf': MAIN, 'conf.d/a.conf': vh('a.test', '    ServerAlias b.test\n') });
    expect(() =>
      planApacheInstall(discoverApache(root, 'l'), opts(['other.test'], { vhost: 'a.conf:1' })),
    ).toThrow(
      /refused before any reload: the certificate \(other\.test\) does not cover a\.test, b\.test served by the vhost \*:80 at /,
    );
  });

  it('notes tell what this run changes: a re-run that changes nothing has none', async () => {
    const root = tree({
      'conf/httpd.conf': `${MAIN}Include conf.modules.d/*.conf\n`,
      'conf.modules.d/00-base.conf': '',
      'conf.d/a.conf': vh('a.test', '    ServerAlias other.test\n    DocumentRoot /srv/a\n'),
      'conf.d/b.conf': vh('b.test', '    SSLEngine on\n', '*:443'),
    });
    const noSteps = { reload: async () => {}, recover: async () => {}, verify: async () => {} };
    const first = planApacheInstall(discoverApache(root, 'l'), opts(['a.test', 'b.test']));
    expect(first.notes.join('\n')).toMatch(
      /new HTTPS vhost \*:443 for a\.test[\s\S]*TLS vhost b\.test .* updated in place[\s\S]*not redirected .*other\.test/,
    );
    await applyPlan(first, noSteps, null);
    const again = planApacheInstall(discoverApache(root, 'l'), opts(['a.test', 'b.test']));
    expect(isNoop(again)).toBe(true);
    expect(again.notes).toEqual([]);
    // a changed twin is said to be regenerated, not new
    const changed = planApacheInstall(
      discoverApache(root, 'l'),
      opts(['a.test', 'b.test'], { fullchainPath: '/other.pem' }),
    );
    expect(changed.notes.join('\n')).toMatch(/^HTTPS vhost \*:443 for a\.test .* regenerated$/m);
    expect(changed.notes.join('\n')).not.toMatch(/new HTTPS/);
  });

  it('a single-file httpd.conf: the twin beside it, Included; modules loaded at the top; apache2 -t passes; the next plan changes nothing', async () => {
    const root = join(tempDir(), 'www-server');
    mkdirSync(join(root, 'run'), { recursive: true });
    const mods = ['mpm_event', 'authz_core', 'dir', 'mime', 'rewrite'];
    writeFileSync(
      join(root, 'httpd.conf'),
      [
        ...mods.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
        'ServerName localhost',
        `PidFile ${root}/run/pid`,
        `ErrorLog ${root}/run/error.log`,
        'Listen 127.0.0.1:8080',
        vh('single.test', `    DocumentRoot ${root}\n`, '127.0.0.1:8080'),
      ].join('\n'),
    );
    const plan = planApacheInstall(
      discoverApache(root, 'l'),
      opts(['single.test'], { fullchainPath: pki().cert, keyPath: pki().key, tlsPort: 8443 }),
    );
    const main = contentAfter(plan, join(root, 'httpd.conf'))!;
    expect(main.split('\n')[0]).toBe(`IncludeOptional ${join(root, 'certkit', 'modules.conf')}`);
    expect(main).toMatch(new RegExp(`IncludeOptional ${join(root, 'certkit-l-ssl.conf')}\\n$`));
    expect(contentAfter(plan, join(root, 'certkit-l-ssl.conf'))).toMatch(/^Listen 127\.0\.0\.1:8443$/m);
    let output = '';
    await applyPlan(
      plan,
      {
        test: async () => {
          const r = spawnSync('/usr/sbin/apache2', ['-d', root, '-f', join(root, 'httpd.conf'), '-t'], {
            encoding: 'utf8',
          });
          output = r.stderr + r.stdout;
          if (r.status !== 0) throw new Error(output);
        },
        reload: async () => {},
        verify: async () => {},
        recover: async () => {},
      },
      null,
    );
    expect(output).toMatch(/Syntax OK/);
    const again = planApacheInstall(
      discoverApache(root, 'l'),
      opts(['single.test'], { fullchainPath: pki().cert, keyPath: pki().key, tlsPort: 8443 }),
    );
    expect(renderDiff(again)).toBe('');
    expect(isNoop(again)).toBe(true);
  });
});

let keyPair: { cert: string; key: string } | undefined;
function pki() {
  if (!keyPair) {
    const dir = tempDir();
    const root = makeRoot(dir, 'single', 'single.test');
    keyPair = { cert: root.certFile, key: root.keyFile };
  }
  return keyPair;
}
